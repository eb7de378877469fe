/* resolve_lookup: one (name, type) asked over DNS for a cache entry (resolve_int.h).
 *
 * CNAMEs: when an answer stops at a CNAME target without records, the target is asked
 * (ANSWER_MAX_CNAME CNAMEs per lookup; a name seen twice is a loop).
 *
 * DNSSEC (resolve_opts.dnssec; RFC 4035 §3.2, RFC 7672 §2.1.1): every query carries the DO
 * bit, so that the validating resolver says in the AD bit whether it validated the answer.
 * The outcome is secure when every reply of the lookup (each hop of a CNAME chain) had AD,
 * insecure when a NOERROR or NXDOMAIN reply lacked it. A SERVFAIL is asked again with the CD
 * bit: answered then (NOERROR or NXDOMAIN), the data exist but failed validation: bogus (the
 * outcome stays a DNS error, "X query: SERVFAIL (DNSSEC bogus)", the data asked with CD are
 * not used); any other ending leaves the SERVFAIL as it was, its state unknown.
 *
 * Counting (resolve_stats): the CD query counts in q_cd (not in its type's count), and like
 * every query in answered / failed_*. The SERVFAIL it follows counts once its fate is known:
 * answered when the CD query was (the resolver works: the domain's data are broken, which
 * must not look like a failing resolver in run.json's dns_errors share or the dead-resolver
 * watch), failed_rcode otherwise. */
#include "resolve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static void lookup_ask(struct lookup *lk);

void lookup_free(struct lookup *lk)
{
    list_remove(&lk->link);
    for (int i = 0; i < lk->nasked; i++)
        free(lk->asked[i]);
    resolve_outcome_clear(&lk->out);
    free(lk);
}

static void lookup_error(struct lookup *lk, const char *why)
{
    size_t sz = strlen(why) + 16;
    lk->out.status = RESOLVE_DNS_ERROR;
    lk->out.error = xmalloc(sz);
    snprintf(lk->out.error, sz, "%s query: %s", resolve_type_name(lk->type), why);
}

/* Reads a reply into lk->out; returns 1 when the lookup is over, 0 when it asked on (the
 * answer stopped at a CNAME target). */
static int lookup_read_reply(struct lookup *lk, const ldns_pkt *reply)
{
    struct answer a;
    answer_parse(reply, lk->name, lk->type, ANSWER_MAX_CNAME - lk->hops, &a);
    lk->hops += a.hops;
    switch (a.kind) {
    case ANSWER_RECORDS:
        lk->out.status = RESOLVE_OK;
        lk->out.rrs = a.rrs;
        lk->out.n = a.n;
        a.rrs = NULL;
        a.n = 0;
        break;
    case ANSWER_NODATA:
        lk->out.status = RESOLVE_NODATA;
        break;
    case ANSWER_NXDOMAIN:
        lk->out.status = RESOLVE_NXDOMAIN;
        break;
    case ANSWER_ERROR:
        lookup_error(lk, a.error);
        break;
    case ANSWER_CNAME: {
        int loop = 0;
        for (int i = 0; i < lk->nasked; i++)
            loop |= strcmp(lk->asked[i], a.target) == 0;
        /* The parse already capped the hops; nasked <= hops + 1 keeps asked[] in bounds. */
        if (loop || lk->nasked > ANSWER_MAX_CNAME) {
            lookup_error(lk, loop ? "CNAME loop" : "CNAME chain too long");
            break;
        }
        lk->name = lk->asked[lk->nasked++] = a.target;
        a.target = NULL;
        answer_clear(&a);
        lookup_ask(lk);
        return 0;
    }
    }
    answer_clear(&a);
    return 1;
}

static int is_answer(ldns_pkt_rcode rc)
{
    return rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN;
}

/* The reply (or none) to the CD query that followed a SERVFAIL: bogus, or the SERVFAIL stands. */
static void cd_reply(struct lookup *lk, enum dns_status st, const ldns_pkt *reply)
{
    struct resolve_stats *s = &lk->r->stats;
    int answered = st == DNS_OK && is_answer(ldns_pkt_get_rcode(reply));
    if (answered) {
        s->answered += 2; /* the SERVFAIL too: the resolver answered, the data are bogus */
        lookup_error(lk, "SERVFAIL (DNSSEC bogus)");
        lk->out.dnssec = DNSSEC_BOGUS;
        return;
    }
    s->failed_rcode++; /* the SERVFAIL */
    if (st == DNS_OK)
        s->failed_rcode++;
    else
        s->failed_noreply++;
    lookup_error(lk, "SERVFAIL");
}

static void lookup_on_reply(void *arg, enum dns_status st, const ldns_pkt *reply)
{
    struct lookup *lk = arg;
    struct resolver *r = lk->r;
    lk->q = NULL;
    if (r->closing)
        return; /* teardown's dns_cancel(): teardown frees lk itself */
    resolver_enter(r);
    int over = 1;
    if (st == DNS_CANCELLED) { /* the client went first: counted nowhere */
        lookup_error(lk, dns_status_str(st));
    } else if (lk->cd) {
        cd_reply(lk, st, reply);
    } else if (st == DNS_OK && r->opts.dnssec &&
               ldns_pkt_get_rcode(reply) == LDNS_RCODE_SERVFAIL) {
        lk->cd = 1; /* counted when the CD query ends */
        lookup_ask(lk);
        over = 0;
    } else if (st == DNS_OK) {
        if (is_answer(ldns_pkt_get_rcode(reply))) {
            r->stats.answered++;
            lk->insecure |= !ldns_pkt_ad(reply);
        } else {
            r->stats.failed_rcode++;
        }
        over = lookup_read_reply(lk, reply);
        if (over && r->opts.dnssec && lk->out.status != RESOLVE_DNS_ERROR)
            lk->out.dnssec = lk->insecure ? DNSSEC_INSECURE : DNSSEC_SECURE;
    } else {
        r->stats.failed_noreply++;
        lookup_error(lk, dns_status_str(st));
    }
    if (over)
        lk->done(r, lk);
    resolver_leave(r);
}

static void lookup_ask(struct lookup *lk)
{
    struct resolver *r = lk->r;
    unsigned flags = r->opts.dnssec ? DNS_Q_DO : 0;
    if (lk->cd) {
        flags |= DNS_Q_CD;
        r->stats.q_cd++;
    } else {
        switch (lk->type) {
        case LDNS_RR_TYPE_MX:
            r->stats.q_mx++;
            break;
        case LDNS_RR_TYPE_A:
            r->stats.q_a++;
            break;
        case LDNS_RR_TYPE_AAAA:
            r->stats.q_aaaa++;
            break;
        case LDNS_RR_TYPE_TXT:
            r->stats.q_txt++;
            break;
        case LDNS_RR_TYPE_TLSA:
            r->stats.q_tlsa++;
            break;
        default:
            r->stats.q_ptr++;
            break;
        }
    }
    lk->q = dns_query_flags(r->dns, lk->name, lk->type, flags, lookup_on_reply, lk);
    if (!lk->q) {
        /* Not a name dns.c can ask (or its client is gone): finish from the loop. */
        lookup_error(lk, "invalid name");
        struct deferred *d = xcalloc(1, sizeof(*d));
        d->kind = DEFER_LOOKUP;
        d->lk = lk;
        resolver_defer(r, d);
    }
}

void lookup_start(struct resolver *r, ldns_rr_type type, const char *name, lookup_done_fn done,
                  struct centry *entry)
{
    struct lookup *lk = xcalloc(1, sizeof(*lk));
    lk->r = r;
    lk->type = type;
    lk->name = lk->asked[lk->nasked++] = xstrdup(name);
    lk->done = done;
    lk->entry = entry;
    list_push_front(&r->lookups, &lk->link);
    lookup_ask(lk);
}

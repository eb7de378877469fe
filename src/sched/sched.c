/* sched: the run side's join (see sched.h, sched_int.h): the input, the endpoint table
 * (dedup) and the domain <-> endpoint join, the records and the outputs, and the queue of the
 * loop's messages. What a loop does (probes, limits, version probes) is in sched_loop.c; the
 * run's life (signals, progress, stop, finish) in sched_run.c. */
#include "sched_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classify/classify.h"
#include "input/lineset.h"
#include "report/record.h"
#include "targets.h"
#include "core/util.h"

/* ------------------------------------------------------------------ outputs */

/* A write failed: rc is -errno (or any negative number when the reason is unknown). */
void sched_output_failed(struct sched_counts *c, int rc)
{
    c->output_error = 1;
    if (!c->output_errno && rc < -1)
        c->output_errno = -rc;
}

static void emit_endpoint(struct scan_run *s, json_t *rec)
{
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        int rc = ops->endpoint ? ops->endpoint(s->out_state[i], rec) : 0;
        if (rc < 0)
            sched_write_failed(s, rc);
    }
}

static void emit_domain(struct scan_run *s, json_t *rec)
{
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        int rc = ops->domain ? ops->domain(s->out_state[i], rec) : 0;
        if (rc < 0)
            sched_write_failed(s, rc);
    }
}

/* The outputs that keep certificate chains (output.h chain) take res's; returns the file the
 * record names (caller frees), or NULL. */
static char *emit_chain(struct scan_run *s, const struct probe_result *res)
{
    char *named = NULL;
    if (!res->chain_len)
        return NULL;
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        char rel[256];
        if (!ops->chain)
            continue;
        int rc = ops->chain(s->out_state[i], res, rel, sizeof(rel));
        if (rc < 0) {
            sched_write_failed(s, rc);
            continue;
        }
        if (!named && rel[0])
            named = xstrdup(rel);
    }
    if (named)
        hmap_put(&s->chains_named, named, (void *)1);
    return named;
}

/* ------------------------------------------------------------------ domains */

/* Unlinks and frees a domain job (written, cancelled, or left waiting by a stop). */
void sched_job_free(struct domain_job *j)
{
    LIST_REMOVE(j, link);
    resolve_result_free(j->rr);
    sts_state_free(j->sts);
    free(j->eps);
    free(j->domain);
    free(j);
}

/* j leaves the domains in flight (done: counted as done; else set aside, back with
 * spill_rejoin): freed, and its place goes to the next line. */
static void job_over(struct domain_job *j, int done)
{
    struct scan_run *s = j->run;
    s->c->domains_done += done;
    s->inflight_domains--;
    sched_job_free(j);
    sched_fill(s);
    sched_maybe_finish(s);
}

/* A domain job is over without a domain record of this run's own: the resolve stage writes
 * its target instead, the probe stage nothing (merge writes it). */
static void domain_staged(struct domain_job *j)
{
    if (j->run->o->stage == SCHED_RESOLVE) {
        json_t *rec = targets_domain_json(j->line, j->domain, j->rr, j->sts);
        emit_domain(j->run, rec);
        json_decref(rec);
    }
    job_over(j, 1);
}

void sched_job_aside(struct domain_job *j)
{
    if (j->run->o->stage == SCHED_PROBE) /* it has no record here: merge writes it */
        domain_staged(j);
    else
        job_over(j, 0);
}

static void domain_done(struct domain_job *j)
{
    struct scan_run *s = j->run;
    if (s->o->stage == SCHED_RESOLVE || s->o->stage == SCHED_PROBE) {
        domain_staged(j);
        return;
    }
    size_t n = j->neps ? j->neps : 1;
    struct domain_ep_ref *refs = xcalloc(n, sizeof(*refs));
    struct assess_domain_ep *aeps = xcalloc(n, sizeof(*aeps));
    struct sender_ep *seps = xcalloc(n, sizeof(*seps));
    /* j->eps is in preference order: lowest MX preference, then the address order. */
    for (size_t i = 0; i < j->neps; i++) {
        const struct endpoint *ep = j->eps[i];
        refs[i].mx_host = ep->mx_host;
        refs[i].ip = ep->ip;
        refs[i].status = probe_status_str(ep->final_status);
        aeps[i] = (struct assess_domain_ep){.status = ep->final_status, .names = &ep->names};
        seps[i] = (struct sender_ep){.mx_host = ep->mx_host, .status = ep->final_status,
                                     .dane = ep->dane, .dane_applies = ep->dane_applies,
                                     .trust_valid = ep->names.trust_valid,
                                     .mx_match = ep->names.mx_match};
    }
    const char *status = resolve_status_str(j->rr->status);
    struct assess_domain ad;
    int no_mail = j->rr->status == RESOLVE_NULL_MX || j->rr->status == RESOLVE_NXDOMAIN;
    assess_domain(s->psl, j->domain, no_mail, j->rr->nmx > 0 ? j->rr->mx[0].host : NULL, aeps,
                  j->neps, &ad);
    /* What a policy-enforcing sender would do (classify/sender.h). */
    struct sender_domain sd;
    int route = j->rr->status == RESOLVE_OK || (j->rr->status == RESOLVE_NO_MX && j->rr->nmx > 0);
    sender_domain_eval(j->rr, route, j->sts ? &j->sts->s : NULL, seps, j->neps, &sd);
    struct domain_rec r = {
        .line = j->line, .domain = j->domain, .status = status,
        .error = j->rr->error, .rr = j->rr, .ipv6 = s->o->ipv6, .eps = refs, .neps = j->neps,
        .pattern = classify_pattern_str(ad.cd.pattern), .provider = ad.provider,
        .consistent = ad.cd.consistent, .match_domain = ad.match_domain,
        .primary = ad.cd.primary >= 0 ? &refs[ad.cd.primary] : NULL,
        .sender = j->sts ? &sd : NULL, .sts = j->sts ? &j->sts->s : NULL,
    };
    json_t *rec = record_domain_json(&r);
    emit_domain(s, rec);
    json_decref(rec);
    assess_domain_clear(&ad);
    sender_domain_clear(&sd);
    free(seps);
    free(aeps);
    free(refs);
    job_over(j, 1);
}

/* ep has its verdict (MSG_ENDPOINT, or blocked): its record, then the domains waiting for it.
 * tm: its address's version probe, or NULL. */
static void endpoint_done(struct scan_run *s, struct endpoint *ep, const struct tls_max_rec *tm)
{
    if (ep->recorded)
        return;
    ep->recorded = 1;
    ep->held_end = 0;
    char *chain = emit_chain(s, ep->res);
    struct assess_endpoint as;
    assess_endpoint(s->psl, s->trust, ep->mx_host, ep->ptr, ep->first_domain, ep->res, &as);
    /* DANE (classify/sender.h): not for an endpoint never probed (blocked). */
    struct sender_dane dane;
    sender_dane_eval(s->o->policy, ep->mx_host, ep->addr_dnssec, &ep->tlsa, ep->res, s->psl,
                     &dane);
    int with_dane = s->o->policy && ep->res->status != PROBE_BLOCKED;
    struct endpoint_rec r = {
        .mx_host = ep->mx_host, .ip = ep->ip, .port = s->o->port, .ptr = ep->ptr,
        .ptr_status = ep->ptr_status, .attempts = ep->attempts, .first_domain = ep->first_domain,
        .res = ep->res, .chain_file = chain, .as = &as, .tls_max = tm,
        .inferred_from = ep->inferred_from, .inference = ep->inference,
        .dane = with_dane ? &dane : NULL,
    };
    json_t *rec = record_endpoint_json(&r);
    emit_endpoint(s, rec);
    json_decref(rec);
    free(chain);
    ep->names = as.keep; /* the certificate's names and verdicts stay for later domains */
    ep->dane = with_dane ? dane.verdict : DANE_NONE;
    ep->dane_applies = with_dane && dane.applies;
    resolve_rrset_clear(&ep->tlsa);
    assess_endpoint_clear(&as);
    ep->final_status = ep->res->status;
    if (ep->inference == RECORD_DIRECT && ep->final_status != PROBE_BLOCKED)
        s->c->probed++;
    free(ep->inferred_from);
    ep->inferred_from = NULL;
    /* Later domains only need the key and the status: drop the rest now. */
    probe_result_free(ep->res);
    ep->res = NULL;
    free(ep->ptr);
    ep->ptr = NULL;
    free(ep->first_domain);
    ep->first_domain = NULL;
    s->c->endpoints_done++;
    struct domain_job **w = ep->waiters;
    size_t n = ep->nwait;
    ep->waiters = NULL;
    ep->nwait = ep->capwait = 0;
    for (size_t i = 0; i < n; i++) {
        if (--w[i]->pending == 0)
            domain_done(w[i]);
        else
            spill_maybe(w[i]); /* what it still waits for may all be held to the end */
    }
    free(w);
}

static void ep_wait(struct endpoint *ep, struct domain_job *j)
{
    if (ep->nwait == ep->capwait) {
        ep->capwait = ep->capwait ? ep->capwait * 2 : 4;
        ep->waiters = xrealloc(ep->waiters, ep->capwait * sizeof(*ep->waiters));
    }
    ep->waiters[ep->nwait++] = j;
    j->pending++;
}

/* ------------------------------------------------------------------ endpoints */

static struct endpoint *endpoint_new(struct scan_run *s, const char *host, const char *ip)
{
    struct endpoint *ep = xcalloc(1, sizeof(*ep));
    ep->run = s;
    ep->mx_host = xstrdup(host);
    ep->ip = xstrdup(ip);
    return ep;
}

/* An address the blocklist refuses: the record says so at once, and nothing is sent to it or
 * asked about it (no connection, no PTR query, no version probe: its slot never gets one). */
static void endpoint_blocked(struct scan_run *s, struct endpoint *ep, const struct blocklist_verdict *v)
{
    char why[4600];
    size_t n = (size_t)snprintf(why, sizeof(why), "blocked: ");
    blocklist_reason(v, why + n, sizeof(why) - n);
    ep->res = xcalloc(1, sizeof(*ep->res));
    ep->res->status = PROBE_BLOCKED;
    ep->res->error = xstrdup(why);
    ep->res->tls_alert = -1;
    ep->ptr_status = "blocked";
    ep->ptr_done = ep->probed_done = 1;
    s->c->blocked++;
    endpoint_done(s, ep, NULL);
}

/* The endpoint table's key of (host, ip): "host|ip", whole, never cut (a host name in
 * presentation form can pass 1000 octets: \DDD). Caller frees. */
static char *endpoint_key(const char *host, const char *ip)
{
    size_t klen = strlen(host) + strlen(ip) + 2;
    char *key = xmalloc(klen);
    snprintf(key, klen, "%s|%s", host, ip);
    return key;
}

struct endpoint *sched_endpoint_add(struct scan_run *s, const char *host, const char *ip)
{
    struct endpoint *ep = endpoint_new(s, host, ip);
    char *key = endpoint_key(host, ip);
    hmap_put(&s->endpoints, key, ep);
    free(key);
    return ep;
}

/* An endpoint's earliest line (sched_first_lines). */
struct first_line {
    unsigned long line;
    char domain[]; /* its normalised name */
};

/* A probe shard's endpoint is reached by the targets in the order of the resolve shards'
 * files, one after the other, each in its shard's resolution order, and its record is written
 * as soon as it is probed: the earliest line naming it may come after that (a line of
 * targets.1.jsonl after a later one of targets.0.jsonl). scan resolves its list in line order
 * and reaches an endpoint through its earliest line first (so first_domain is, in practice,
 * the earliest line naming it: every endpoint of two 100,000-domain scans of the scale
 * world); read one file after the other, 452 of its 9,071 endpoints got a later line. So the
 * probe stage reads the targets once before it starts, for its own endpoints' earliest lines:
 * a pass over the files, memory one entry per endpoint of the shard. */
int sched_first_lines(struct scan_run *s, char *err, size_t errlen)
{
    struct targets_reader *r = targets_reader_open(s->o->targets, s->o->ntargets, err, errlen);
    if (!r)
        return -1;
    struct target t;
    int rc;
    while ((rc = targets_next(r, &t, err, errlen)) > 0) {
        for (int i = 0; t.kind == TARGET_DOMAIN && t.rr && i < t.rr->nmx; i++) {
            const struct resolve_mx *m = &t.rr->mx[i];
            for (int k = 0; k < m->nips; k++) { /* the endpoints domain_resolved makes */
                if ((strchr(m->ips[k], ':') && !s->o->ipv6) ||
                    survey_shard(m->ips[k], strlen(m->ips[k]), s->o->nshards) != s->o->shard)
                    continue;
                char *key = endpoint_key(m->host, m->ips[k]);
                struct first_line *fl = hmap_get(&s->first_lines, key);
                if (!fl || t.line < fl->line) {
                    size_t len = strlen(t.domain) + 1;
                    fl = xmalloc(sizeof(*fl) + len);
                    fl->line = t.line;
                    memcpy(fl->domain, t.domain, len);
                    free(hmap_put(&s->first_lines, key, fl));
                }
                free(key);
            }
        }
        target_clear(&t);
    }
    targets_reader_close(r);
    return rc < 0 ? -1 : 0;
}

static struct endpoint *endpoint_get(struct scan_run *s, const struct resolve_mx *m,
                                     const char *ip, const char *domain, unsigned long line)
{
    const char *host = m->host;
    char *key = endpoint_key(host, ip);
    struct endpoint *ep = hmap_get(&s->endpoints, key);
    const struct first_line *fl = ep ? NULL : hmap_get(&s->first_lines, key); /* probe stage */
    free(key);
    if (fl) {
        domain = fl->domain;
        line = fl->line;
    }
    if (ep) {
        /* Domains resolve out of order: until the record is out, keep the one that comes
         * first in the input. */
        if (!ep->recorded && line < ep->first_line) {
            free(ep->first_domain);
            ep->first_domain = xstrdup(domain);
            ep->first_line = line;
        }
        return ep;
    }
    if (s->o->stage == SCHED_MERGE) { /* no probe shard recorded it: never probed here */
        s->c->missing++;
        return NULL;
    }
    ep = sched_endpoint_add(s, host, ip);
    ep->addr_dnssec = m->addr_dnssec;
    resolve_rrset_copy(&ep->tlsa, &m->tlsa); /* kept until its record is out */
    ep->first_domain = xstrdup(domain);
    ep->first_line = line;
    s->c->endpoints++;
    struct blocklist_verdict v;
    if (blocklist_check(s->o->blocklist, ip, &v) != 0) {
        endpoint_blocked(s, ep, &v);
        return ep;
    }
    run_send_endpoint(s, ep); /* its PTR name, its probe, its address's version probe */
    return ep;
}

/* ------------------------------------------------------------------ input */

/* MSG_RESOLVED: the domain's endpoints, each met once per run (dedup), joined to it. */
static void domain_resolved(struct domain_job *j, struct resolve_result *rr,
                            struct sts_state *sts, int sts_wait)
{
    struct scan_run *s = j->run;
    j->rr = rr;
    j->sts = sts;
    if (sts_wait && rr->status != RESOLVE_CANCELLED) { /* its MTA-STS state comes in MSG_STS */
        j->sts_wait = 1;
        j->pending++;
    }
    if (rr->status == RESOLVE_CANCELLED) { /* shutting down: this domain is not reported */
        sched_job_free(j);
        s->inflight_domains--;
        return;
    }
    size_t n = 0;
    for (int i = 0; i < rr->nmx && s->o->stage != SCHED_RESOLVE; i++)
        n += (size_t)rr->mx[i].nips; /* the resolve stage makes no endpoint */
    j->eps = xcalloc(n ? n : 1, sizeof(*j->eps));
    for (int i = 0; i < rr->nmx && s->o->stage != SCHED_RESOLVE; i++) {
        const struct resolve_mx *m = &rr->mx[i];
        for (int k = 0; k < m->nips; k++) {
            if (strchr(m->ips[k], ':') && !s->o->ipv6)
                continue; /* listed in the MX entry, probed only with --ipv6 */
            if (s->o->stage == SCHED_PROBE &&
                survey_shard(m->ips[k], strlen(m->ips[k]), s->o->nshards) != s->o->shard)
                continue; /* another probe shard's address */
            struct endpoint *ep = endpoint_get(s, m, m->ips[k], j->domain, j->line);
            if (!ep)
                continue; /* merge: no record of it (counted: the merge fails) */
            int dup = 0;
            for (size_t x = 0; x < j->neps; x++)
                dup |= j->eps[x] == ep;
            if (dup)
                continue;
            j->eps[j->neps++] = ep;
            if (!ep->recorded) /* dropped by a stop: the domain waits (pending.txt) */
                ep_wait(ep, j);
        }
    }
    run_send_dispatch(s);
    if (j->pending == 0)
        domain_done(j);
    else
        spill_maybe(j);
    sched_dns_watch(s);
}

/* MSG_STS: the domain's MTA-STS state has come (NULL: a stop cancelled the fetch, and the
 * domain is never written: pending.txt lists its line). */
static void domain_sts(struct domain_job *j, struct sts_state *sts)
{
    j->sts_wait = 0;
    if (!sts) {
        j->sts_lost = 1; /* pending stays above 0 */
        return;
    }
    j->sts = sts;
    if (--j->pending == 0)
        domain_done(j);
}

/* The resolve stage: an invalid or duplicate line's target, for merge to write its record. */
static void line_staged(struct scan_run *s, const struct input_line *l)
{
    json_t *rec = targets_line_json(l);
    emit_domain(s, rec);
    json_decref(rec);
    if (l->status == INPUT_INVALID)
        s->c->invalid++;
    else
        s->c->duplicates++;
    s->c->domains_done++;
}

static void invalid_line(struct scan_run *s, const struct input_line *l)
{
    if (s->o->stage == SCHED_RESOLVE || s->o->stage == SCHED_PROBE) {
        if (s->o->stage == SCHED_RESOLVE)
            line_staged(s, l);
        return;
    }
    /* The raw octets, NUL included, go to the record as they are (domain_len): the text
     * notation writes a NUL as \x00 and invalid UTF-8 as \xHH, so the line decodes back. */
    struct resolve_result none = {.status = RESOLVE_DNS_ERROR};
    struct assess_domain ad;
    assess_domain(s->psl, l->raw, 1, NULL, NULL, 0, &ad); /* not a host name: no mail */
    struct domain_rec r = {.line = l->lineno, .domain = l->raw,
                           .domain_len = l->raw_len, .status = input_status_str(INPUT_INVALID), .error = l->why,
                           .rr = &none, .pattern = classify_pattern_str(ad.cd.pattern),
                           .consistent = ad.cd.consistent};
    json_t *rec = record_domain_json(&r);
    assess_domain_clear(&ad);
    emit_domain(s, rec);
    json_decref(rec);
    s->c->invalid++;
    s->c->domains_done++;
}

/* A domain an earlier line gave: scanned once, by that line; this one's record says which,
 * at once (it depends on the list alone, so a resumed run writes the same), with the fields
 * of a record that was not scanned and no verdict of its own (pattern null). */
static void duplicate_line(struct scan_run *s, const struct input_line *l)
{
    if (s->o->stage == SCHED_RESOLVE || s->o->stage == SCHED_PROBE) {
        if (s->o->stage == SCHED_RESOLVE)
            line_staged(s, l);
        return;
    }
    struct resolve_result none = {.status = RESOLVE_DNS_ERROR};
    struct domain_rec r = {.line = l->lineno, .domain = l->name,
                           .status = input_status_str(INPUT_DUPLICATE), .rr = &none,
                           .duplicate_of = l->dup_of, .consistent = 1};
    json_t *rec = record_domain_json(&r);
    emit_domain(s, rec);
    json_decref(rec);
    s->c->duplicates++;
    s->c->domains_done++;
}

static void start_domain(struct scan_run *s, unsigned long line, const char *name)
{
    struct domain_job *j = xcalloc(1, sizeof(*j));
    j->run = s;
    j->line = line;
    j->domain = xstrdup(name);
    LIST_INSERT_HEAD(&s->jobs, j, link);
    s->inflight_domains++;
    if (run_send_resolve(s, j) < 0) {
        s->inflight_domains--;
        sched_job_free(j);
    }
}

/* The probe and merge stages: the next target instead of the next line of the list (a
 * resolved domain goes straight to its join, as its MSG_RESOLVED would). 0 at the end. */
static int fill_target(struct scan_run *s)
{
    struct target t;
    char err[4400];
    int rc = targets_next(s->tr, &t, err, sizeof(err));
    if (rc <= 0) {
        if (rc < 0) {
            fprintf(stderr, "mxsurvey: %s\n", err);
            s->c->input_error = 1; /* the targets after it were never read */
        }
        return 0;
    }
    if (!s->rejoining) /* a domain set aside was counted when its line was read */
        s->c->lines++;
    if (t.kind == TARGET_DOMAIN) {
        struct domain_job *j = xcalloc(1, sizeof(*j));
        j->run = s;
        j->line = t.line;
        j->domain = t.domain;
        t.domain = NULL;
        LIST_INSERT_HEAD(&s->jobs, j, link);
        s->inflight_domains++;
        struct resolve_result *rr = t.rr;
        struct sts_state *sts = t.sts;
        t.rr = NULL;
        t.sts = NULL;
        domain_resolved(j, rr, sts, 0);
    } else {
        struct input_line l = {.lineno = t.line, .raw = t.raw, .raw_len = t.raw_len,
                               .name = t.domain ? t.domain : "", .why = t.why,
                               .dup_of = t.dup_of};
        l.status = t.kind == TARGET_INVALID ? INPUT_INVALID : INPUT_DUPLICATE;
        if (l.status == INPUT_INVALID)
            invalid_line(s, &l);
        else
            duplicate_line(s, &l);
    }
    target_clear(&t);
    return 1;
}

/* The resolve stage's shard of the list: a line's name (an invalid line's octets) decides. */
static int line_in_shard(const struct scan_run *s, const struct input_line *l)
{
    if (s->o->stage != SCHED_RESOLVE || s->o->nshards <= 1)
        return 1;
    if (l->status == INPUT_INVALID)
        return survey_shard(l->raw, l->raw_len, s->o->nshards) == s->o->shard;
    return survey_shard(l->name, strlen(l->name), s->o->nshards) == s->o->shard;
}

/* The targets a fill reads at most before the run's loop turns again: in merge every domain
 * is written as it is read, so a fill without a bound would read them all before a signal, a
 * flush or the progress line had a turn. */
#define SCHED_FILL_BATCH 512

void sched_fill(struct scan_run *s)
{
    /* A domain written while filling (merge: at once) calls back here: the fill under way
     * goes on reading, not a second one inside it (the stack would grow with the list). */
    if (s->filling)
        return;
    s->filling = 1;
    unsigned batch = 0;
    while (!s->eof && !s->stopping && s->inflight_domains < (unsigned long)s->o->max_domains) {
        if (s->tr) {
            if (++batch > SCHED_FILL_BATCH) {
                sched_fill_later(s);
                break;
            }
            if (!fill_target(s))
                s->eof = 1;
            continue;
        }
        if (s->one_domain) {
            char name[INPUT_NAME_MAX + 1];
            const char *why = NULL;
            struct input_line l = {.lineno = 1, .raw = s->one_domain, .raw_len = strlen(s->one_domain)};
            s->eof = 1;
            s->c->lines++;
            l.status = input_normalize(l.raw, l.raw_len, name, sizeof(name), &why);
            l.why = why;
            if (l.status == INPUT_OK)
                start_domain(s, 1, name);
            else
                invalid_line(s, &l);
            break;
        }
        struct input_line l;
        int rc = input_next(s->in, &l);
        if (rc <= 0) {
            if (rc < 0) {
                fprintf(stderr, "mxsurvey: %s\n", input_reader_error(s->in));
                s->c->input_error = 1; /* the lines after it were never scanned */
            }
            s->eof = 1;
            break;
        }
        if (l.status == INPUT_SKIP || !line_in_shard(s, &l))
            continue;
        s->c->lines++;
        if (s->done_lines && lineset_has(s->done_lines, l.lineno))
            continue; /* scan --resume: its record is in domains.jsonl */
        if (l.status == INPUT_INVALID)
            invalid_line(s, &l);
        else if (l.status == INPUT_DUPLICATE)
            duplicate_line(s, &l);
        else
            start_domain(s, l.lineno, l.name);
    }
    s->filling = 0;
}

void sched_endpoint_free(void *v)
{
    struct endpoint *ep = v;
    assess_names_clear(&ep->names);
    probe_result_free(ep->res);
    free(ep->ptr);
    free(ep->first_domain);
    free(ep->inferred_from);
    resolve_rrset_clear(&ep->tlsa);
    free(ep->waiters);
    free(ep->mx_host);
    free(ep->ip);
    free(ep);
}

void sched_ip_slot_free(void *v)
{
    struct ip_slot *slot = v;
    if (slot->vp_own)
        sched_endpoint_free(slot->vp_own);
    free(slot->vp_from);
    free(slot->vp_error);
    free(slot->vp_waiters);
    infer_addr_clear(&slot->inf);
    free(slot);
}

/* ------------------------------------------------------------------ messages */

static void handle(struct scan_run *s, struct run_msg *m)
{
    run_take_state(s, m->from, &m->st);
    switch (m->kind) {
    case MSG_ENDPOINT:
        endpoint_done(s, m->ep, m->has_tm ? &m->tm : NULL);
        break;
    case MSG_RESOLVED:
        domain_resolved(m->job, m->rr, m->sts, m->sts_wait);
        break;
    case MSG_STS:
        domain_sts(m->job, m->sts);
        break;
    case MSG_DNS:
        sched_dns_watch(s);
        break;
    case MSG_LOOP: /* the drain's end asks whether the run is done */
        break;
    case MSG_HELD:
        spill_held(s, m->ep);
        break;
    case MSG_FINAL_MORE: /* the verdicts of its last batch are handled: the next */
        if (!s->stopping)
            run_send_final(s, m->from);
        break;
    }
}

void run_drain(struct scan_run *s)
{
    if (s->draining)
        return;
    s->draining = 1;
    struct run_msg_queue batch;
    while (run_take_queue(s, &batch)) { /* what handling a batch posts comes in the next */
        struct run_msg *m;
        while ((m = STAILQ_FIRST(&batch))) {
            STAILQ_REMOVE_HEAD(&batch, link);
            handle(s, m);
            free(m);
        }
    }
    s->draining = 0;
    sched_maybe_finish(s); /* it waits while a drain is under way */
}

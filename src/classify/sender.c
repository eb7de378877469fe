/* sender: what a policy-enforcing sender would do (see sender.h for the rules and the RFCs).
 * The word tables are in sender_words.c. */
#include "sender.h"

#include <stdlib.h>
#include <string.h>

#include "taglist.h"
#include "core/util.h"

/* ---------------------------------------------------------------- one endpoint: DANE */

/* The TLSA lookup's state (sender.h). */
static enum sender_tlsa tlsa_state(const struct resolve_rrset *t)
{
    if (!t || !t->asked)
        return TLSA_NOT_ASKED;
    if (t->dnssec == DNSSEC_BOGUS)
        return TLSA_BOGUS;
    if (t->status == RESOLVE_DNS_ERROR)
        return TLSA_DNS_ERROR;
    if (t->dnssec != DNSSEC_SECURE)
        return TLSA_INSECURE; /* RFC 7672 §2.2.3: an insecure TLSA RRset is ignored */
    if (t->status == RESOLVE_OK && t->n > 0)
        return TLSA_RECORDS;
    return TLSA_NONE;
}

void sender_dane_eval(int asked, const char *mx_host, enum resolve_dnssec addr_dnssec,
                      const struct resolve_rrset *tlsa, const struct probe_result *res,
                      const psl_ctx_t *psl, struct sender_dane *out)
{
    memset(out, 0, sizeof(*out));
    out->asked = asked;
    out->addr_dnssec = addr_dnssec;
    out->tlsa = tlsa;
    out->res.matched = out->res.matched_depth = -1;
    out->verdict = DANE_NONE;
    if (!asked)
        return;
    switch (tlsa_state(tlsa)) {
    case TLSA_NOT_ASKED:
        out->why = "addresses not secure";
        return;
    case TLSA_INSECURE:
        out->why = "TLSA insecure";
        return;
    case TLSA_NONE:
        out->why = "no TLSA records";
        return;
    case TLSA_BOGUS:
    case TLSA_DNS_ERROR:
        /* The host is DANE's (§2.2): a failed lookup for a host with secure addresses means
         * the sender must not deliver to it. */
        out->applies = 1;
        out->verdict = DANE_FAIL;
        out->why = tlsa->dnssec == DNSSEC_BOGUS ? "TLSA bogus" : "TLSA lookup failed";
        return;
    case TLSA_RECORDS:
        break;
    }
    out->applies = 1;
    struct dane_tlsa *recs = xcalloc((size_t)tlsa->n, sizeof(*recs));
    for (int i = 0; i < tlsa->n; i++)
        /* A record too short to parse keeps its place (the index is the record's), as an
         * unusable one. */
        if (dane_tlsa_parse(tlsa->rr[i].data, tlsa->rr[i].len, &recs[i]) < 0)
            recs[i] = (struct dane_tlsa){.usage = 255};
    const char *refs[1] = {mx_host};
    struct cert_info *const *chain = res ? res->chain : NULL;
    size_t chain_len = res ? res->chain_len : 0;
    dane_check(recs, (size_t)tlsa->n, chain, chain_len, psl, refs, 1, &out->res);
    free(recs);
    out->verdict = out->res.verdict;
    if (out->verdict == DANE_FAIL)
        out->why = chain_len ? "no record matched" : "no certificate";
    else if (out->verdict == DANE_UNUSABLE)
        out->why = "no usable record";
}

/* ---------------------------------------------------------------- one domain */

static int strict(enum match_result m)
{
    return m == MATCH_EXACT || m == MATCH_WILDCARD;
}

/* The session got as far as a certificate a sender could check. */
static int tls_done(enum probe_status s)
{
    return s == PROBE_OK || s == PROBE_CERT_SEEN;
}

/* The server greeted the sender: an opportunistic sender delivers (in cleartext when TLS is
 * not offered or fails: Postfix's "may" retries without TLS). */
static int greeted(enum probe_status s)
{
    return tls_done(s) || s == PROBE_NO_STARTTLS || s == PROBE_STARTTLS_REFUSED ||
           s == PROBE_TLS_FAILED;
}

enum sender_check sender_sts_check(int covered, const struct sender_ep *ep)
{
    if (!covered)
        return CHECK_NOT_COVERED;
    if (!tls_done(ep->status))
        return CHECK_NO_TLS;
    if (!ep->trust_valid)
        return CHECK_UNTRUSTED;
    if (!strict(ep->mx_match))
        return CHECK_NAME_MISMATCH;
    return CHECK_PASS;
}

/* Does ep accept delivery under policy p? */
static int ep_accepts(enum sender_policy p, int covered, const struct sender_ep *ep)
{
    switch (p) {
    case SENDER_DANE_REQUIRED:
        return ep->dane == DANE_PASS || (ep->dane == DANE_UNUSABLE && tls_done(ep->status));
    case SENDER_MTA_STS_ENFORCE:
        return sender_sts_check(covered, ep) == CHECK_PASS;
    default:
        return greeted(ep->status);
    }
}

int sender_txt_select(const struct resolve_rrset *t, const char *version)
{
    if (t->status != RESOLVE_OK || t->n <= 0)
        return -1;
    const char **recs = xcalloc((size_t)t->n, sizeof(*recs));
    size_t *lens = xcalloc((size_t)t->n, sizeof(*lens));
    for (int i = 0; i < t->n; i++) {
        recs[i] = (const char *)t->rr[i].data;
        lens[i] = t->rr[i].len;
    }
    int k = taglist_select(recs, lens, (size_t)t->n, version);
    free(recs);
    free(lens);
    return k;
}

/* The TLSRPT record's status word, with its URIs counted into rec. */
static const char *tlsrpt_status(const struct resolve_rrset *t, struct tlsrpt_record *rec)
{
    if (!t->asked)
        return NULL;
    if (t->status == RESOLVE_DNS_ERROR)
        return sender_tlsrpt_str(TLSRPT_DNS_ERROR);
    int k = sender_txt_select(t, "v=TLSRPTv1");
    if (k == -1)
        return sender_tlsrpt_str(TLSRPT_NONE);
    if (k == -2)
        return sender_tlsrpt_str(TLSRPT_MULTIPLE);
    enum tlsrpt_record_error e =
        tlsrpt_record_parse((const char *)t->rr[k].data, t->rr[k].len, rec);
    return e == TLSRPT_RECORD_OK ? sender_tlsrpt_str(TLSRPT_OK) : tlsrpt_record_error_str(e);
}

void sender_domain_eval(const struct resolve_result *rr, int has_route,
                        const struct sender_sts *sts, const struct sender_ep *eps, size_t n,
                        struct sender_domain *out)
{
    memset(out, 0, sizeof(*out));
    out->asked = sts && sts->asked;
    if (!out->asked || !rr)
        return;
    out->mx_dnssec = rr->mx_dnssec;
    out->tlsrpt = tlsrpt_status(&rr->tlsrpt, &out->tlsrpt_rec);
    if (rr->nmx > 0) {
        out->hosts = xcalloc((size_t)rr->nmx, sizeof(*out->hosts));
        out->nhosts = (size_t)rr->nmx;
    }
    const struct mtasts_policy *pol = sts->status == STS_OK ? sts->policy : NULL;
    enum sender_policy sts_pol = SENDER_OPPORTUNISTIC;
    if (pol && pol->mode == MTASTS_MODE_ENFORCE)
        sts_pol = SENDER_MTA_STS_ENFORCE;
    else if (pol && pol->mode == MTASTS_MODE_TESTING)
        sts_pol = SENDER_MTA_STS_TESTING;
    int checks = sts_pol != SENDER_OPPORTUNISTIC; /* a policy in enforce or testing mode */
    int any_dane = 0;
    for (size_t h = 0; h < out->nhosts; h++) {
        const struct resolve_mx *m = &rr->mx[h];
        struct sender_host *sh = &out->hosts[h];
        sh->host = m->host;
        sh->addr_dnssec = m->addr_dnssec;
        enum sender_tlsa ts = tlsa_state(&m->tlsa);
        sh->tlsa = sender_tlsa_str(ts);
        int dane = m->addr_dnssec == DNSSEC_SECURE &&
                   (ts == TLSA_RECORDS || ts == TLSA_BOGUS || ts == TLSA_DNS_ERROR);
        sh->policy = dane ? SENDER_DANE_REQUIRED : sts_pol;
        any_dane |= dane;
        int covered = 0;
        if (pol) {
            int k = mtasts_policy_covers(pol, m->host);
            covered = k >= 0;
            sh->sts_pattern = covered ? pol->mx[k] : NULL;
        }
        enum sender_check first = CHECK_NO_ADDRESS;
        int eps_here = 0, passed = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(eps[i].mx_host, m->host) != 0)
                continue;
            enum sender_check c = sender_sts_check(covered, &eps[i]);
            if (!eps_here++)
                first = c;
            passed |= c == CHECK_PASS;
            if (ep_accepts(sh->policy, covered, &eps[i]))
                sh->accepts = 1;
        }
        if (!eps_here && !covered)
            first = CHECK_NOT_COVERED;
        if (checks)
            sh->sts = sender_check_str(passed ? CHECK_PASS : first);
        sh->sts_pass = passed;
    }
    if (checks) {
        for (size_t h = 0; h < out->nhosts && !out->sts_outcome; h++)
            if (out->hosts[h].sts_pass)
                out->sts_outcome = out->hosts[h].sts;
        if (!out->sts_outcome && out->nhosts)
            out->sts_outcome = out->hosts[0].sts;
    }
    if (!has_route)
        return;
    out->policy = any_dane ? SENDER_DANE_REQUIRED : sts_pol;
    for (size_t h = 0; h < out->nhosts; h++)
        if (out->hosts[h].accepts) {
            out->delivers = 1;
            out->via = out->hosts[h].host;
            break;
        }
}

void sender_domain_clear(struct sender_domain *d)
{
    free(d->hosts);
    d->hosts = NULL;
    d->nhosts = 0;
}

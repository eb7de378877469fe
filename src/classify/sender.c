/* sender: what a policy-enforcing sender would do (see sender.h for the rules and the RFCs).
 * The word tables are in sender_words.c. */
#include "sender.h"

#include <stdlib.h>
#include <string.h>

#include "taglist.h"
#include "core/util.h"

/* ---------------------------------------------------------------- one endpoint: DANE */

/* The TLSA lookup's state in sender.h's words (NULL: not asked). */
static const char *tlsa_state(const struct resolve_rrset *t)
{
    if (!t || !t->asked)
        return NULL;
    if (t->dnssec == DNSSEC_BOGUS)
        return "bogus";
    if (t->status == RESOLVE_DNS_ERROR)
        return "dns-error";
    if (t->dnssec != DNSSEC_SECURE)
        return "insecure"; /* RFC 7672 §2.2.3: an insecure TLSA RRset is ignored */
    if (t->status == RESOLVE_OK && t->n > 0)
        return "records";
    return "none";
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
    const char *st = tlsa_state(tlsa);
    if (!st) {
        out->why = "addresses not secure";
        return;
    }
    if (strcmp(st, "insecure") == 0) {
        out->why = "TLSA insecure";
        return;
    }
    if (strcmp(st, "none") == 0) {
        out->why = "no TLSA records";
        return;
    }
    /* From here the host is DANE's (§2.2): a failed lookup for a host with secure addresses
     * means the sender must not deliver to it. */
    out->applies = 1;
    if (strcmp(st, "bogus") == 0 || strcmp(st, "dns-error") == 0) {
        out->verdict = DANE_FAIL;
        out->why = st[0] == 'b' ? "TLSA bogus" : "TLSA lookup failed";
        return;
    }
    struct dane_tlsa *recs = xcalloc((size_t)tlsa->n, sizeof(*recs));
    size_t n = 0;
    for (int i = 0; i < tlsa->n; i++) {
        /* A record too short to parse keeps its place (the index is the record's), as an
         * unusable one. */
        if (dane_tlsa_parse(tlsa->rr[i].data, tlsa->rr[i].len, &recs[n]) < 0)
            recs[n] = (struct dane_tlsa){.usage = 255};
        n++;
    }
    const char *refs[1] = {mx_host};
    struct cert_info *const *chain = res ? res->chain : NULL;
    size_t chain_len = res ? res->chain_len : 0;
    dane_check(recs, n, chain, chain_len, psl, refs, 1, &out->res);
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

const char *sender_sts_check(int covered, const struct sender_ep *ep)
{
    if (!covered)
        return "not-covered";
    if (!tls_done(ep->status))
        return "no-tls";
    if (!ep->trust_valid)
        return "untrusted";
    if (!strict(ep->mx_match))
        return "name-mismatch";
    return "pass";
}

/* Does ep accept delivery under policy p? */
static int ep_accepts(enum sender_policy p, int covered, const struct sender_ep *ep)
{
    switch (p) {
    case SENDER_DANE_REQUIRED:
        return ep->dane == DANE_PASS || (ep->dane == DANE_UNUSABLE && tls_done(ep->status));
    case SENDER_MTA_STS_ENFORCE:
        return strcmp(sender_sts_check(covered, ep), "pass") == 0;
    default:
        return greeted(ep->status);
    }
}

/* The TLSRPT record's status word, with its URIs counted into rec. */
static const char *tlsrpt_status(const struct resolve_rrset *t, struct tlsrpt_record *rec)
{
    if (!t->asked)
        return NULL;
    if (t->status == RESOLVE_DNS_ERROR)
        return "dns-error";
    if (t->status != RESOLVE_OK || t->n == 0)
        return "none";
    const char **recs = xcalloc((size_t)t->n, sizeof(*recs));
    size_t *lens = xcalloc((size_t)t->n, sizeof(*lens));
    for (int i = 0; i < t->n; i++) {
        recs[i] = (const char *)t->rr[i].data;
        lens[i] = t->rr[i].len;
    }
    int k = taglist_select(recs, lens, (size_t)t->n, "v=TLSRPTv1");
    const char *word = k == -1 ? "none" : k == -2 ? "multiple" : NULL;
    if (!word) {
        enum tlsrpt_record_error e = tlsrpt_record_parse(recs[k], lens[k], rec);
        word = e == TLSRPT_RECORD_OK ? "ok" : tlsrpt_record_error_str(e);
    }
    free(recs);
    free(lens);
    return word;
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
        sh->tlsa = tlsa_state(&m->tlsa);
        int dane = sh->tlsa && m->addr_dnssec == DNSSEC_SECURE &&
                   (strcmp(sh->tlsa, "records") == 0 || strcmp(sh->tlsa, "bogus") == 0 ||
                    strcmp(sh->tlsa, "dns-error") == 0);
        sh->policy = dane ? SENDER_DANE_REQUIRED : sts_pol;
        any_dane |= dane;
        int covered = 0;
        if (pol) {
            int k = mtasts_policy_covers(pol, m->host);
            covered = k >= 0;
            sh->sts_pattern = covered ? pol->mx[k] : NULL;
        }
        const char *first_check = NULL;
        int eps_here = 0, passed = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(eps[i].mx_host, m->host) != 0)
                continue;
            eps_here++;
            const char *c = sender_sts_check(covered, &eps[i]);
            if (!first_check)
                first_check = c;
            passed |= strcmp(c, "pass") == 0;
            if (ep_accepts(sh->policy, covered, &eps[i]))
                sh->accepts = 1;
        }
        if (checks)
            sh->sts = !eps_here ? (covered ? "no-address" : "not-covered")
                      : passed  ? "pass" : first_check;
    }
    if (checks) {
        for (size_t h = 0; h < out->nhosts && !out->sts_outcome; h++)
            if (out->hosts[h].sts && strcmp(out->hosts[h].sts, "pass") == 0)
                out->sts_outcome = "pass";
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

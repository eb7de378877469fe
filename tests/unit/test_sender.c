/* Unit tests for src/classify/sender.c: what a policy-enforcing sender would do, from
 * hand-made resolver results, MTA-STS states and endpoint verdicts (no I/O). The chains are
 * tests/unit/data/dane-*.pem (test_dane.c's). */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testfs.h"
#include "classify/classify.h"
#include "classify/sender.h"
#include "core/util.h"

#define DATA "tests/unit/data/"

/* A TLSA RRset of one record (usage, selector, matching type, data). */
static void tlsa_one(struct resolve_rrset *t, enum resolve_dnssec sec, unsigned u, unsigned s,
                     unsigned m, const unsigned char *data, size_t len)
{
    memset(t, 0, sizeof(*t));
    t->asked = 1;
    t->status = RESOLVE_OK;
    t->dnssec = sec;
    t->rr = xcalloc(1, sizeof(*t->rr));
    t->rr[0].data = xmalloc(len + 3);
    t->rr[0].data[0] = (unsigned char)u;
    t->rr[0].data[1] = (unsigned char)s;
    t->rr[0].data[2] = (unsigned char)m;
    if (len)
        memcpy(t->rr[0].data + 3, data, len);
    t->rr[0].len = len + 3;
    t->n = 1;
}

static void tlsa_free(struct resolve_rrset *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->rr[i].data);
    free(t->rr);
}

TEST(sender_dane_states)
{
    psl_ctx_t *psl = classify_psl_load();
    struct cert_info *leaf = tfs_load_cert(DATA "dane-leaf.pem");
    struct cert_info *chain[1] = {leaf};
    struct probe_result res = {.status = PROBE_OK, .chain = chain, .chain_len = 1};
    struct sender_dane d;
    struct resolve_rrset t = {0};

    /* Lookups off: nothing is said (the record's `dane` is null). */
    sender_dane_eval(0, "mx.dane.example", DNSSEC_UNKNOWN, &t, &res, psl, &d);
    CHECK_INT(d.asked, 0);
    CHECK_INT(d.verdict, DANE_NONE);
    /* Addresses not secure: TLSA never asked (RFC 7672 §2.2.2). */
    sender_dane_eval(1, "mx.dane.example", DNSSEC_INSECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_NONE);
    CHECK_INT(d.applies, 0);
    CHECK_STR(d.why, "addresses not secure");

    /* 3 0 0: the leaf's whole DER. */
    tlsa_one(&t, DNSSEC_SECURE, 3, 0, 0, leaf->der, leaf->der_len);
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_PASS);
    CHECK_INT(d.applies, 1);
    CHECK(d.why == NULL);
    CHECK_INT(d.res.matched, 0);
    /* DANE-EE ignores names (§3.1.1): another MX host name passes too. */
    sender_dane_eval(1, "other.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_PASS);
    /* No certificate presented: fail. */
    struct probe_result nocert = {.status = PROBE_NO_STARTTLS};
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &nocert, psl, &d);
    CHECK_INT(d.verdict, DANE_FAIL);
    CHECK_STR(d.why, "no certificate");
    /* The same RRset, insecure: ignored (§2.2.3). */
    t.dnssec = DNSSEC_INSECURE;
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_NONE);
    CHECK_INT(d.applies, 0);
    CHECK_STR(d.why, "TLSA insecure");
    /* Bogus: the host is DANE's and must not be used (§2.2). */
    t.dnssec = DNSSEC_BOGUS;
    t.status = RESOLVE_DNS_ERROR;
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_FAIL);
    CHECK_INT(d.applies, 1);
    CHECK_STR(d.why, "TLSA bogus");
    t.dnssec = DNSSEC_UNKNOWN;
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_STR(d.why, "TLSA lookup failed");
    CHECK_INT(d.verdict, DANE_FAIL);
    tlsa_free(&t);

    /* A wrong digest: fail; only PKIX usages: unusable (§3.1.3); both still DANE's. */
    unsigned char zero[32] = {0};
    tlsa_one(&t, DNSSEC_SECURE, 3, 1, 1, zero, sizeof(zero));
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_FAIL);
    CHECK_STR(d.why, "no record matched");
    tlsa_free(&t);
    tlsa_one(&t, DNSSEC_SECURE, 1, 0, 0, leaf->der, leaf->der_len);
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_UNUSABLE);
    CHECK_INT(d.applies, 1);
    tlsa_free(&t);
    /* Secure denial: no TLSA, not DANE's. */
    t = (struct resolve_rrset){.asked = 1, .status = RESOLVE_NXDOMAIN, .dnssec = DNSSEC_SECURE};
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_NONE);
    CHECK_STR(d.why, "no TLSA records");
    /* A record too short to parse keeps its index and is unusable. */
    tlsa_one(&t, DNSSEC_SECURE, 3, 0, 0, NULL, 0);
    t.rr[0].len = 2;
    sender_dane_eval(1, "mx.dane.example", DNSSEC_SECURE, &t, &res, psl, &d);
    CHECK_INT(d.verdict, DANE_UNUSABLE);
    tlsa_free(&t);
    cert_info_free(leaf);
    psl_free(psl);
}

/* A resolver result with the hosts given (addresses secure or not, TLSA records or none). */
static void rr_hosts(struct resolve_result *rr, const char **hosts, int n)
{
    memset(rr, 0, sizeof(*rr));
    rr->status = RESOLVE_OK;
    rr->mx = xcalloc((size_t)n, sizeof(*rr->mx));
    rr->nmx = n;
    for (int i = 0; i < n; i++) {
        rr->mx[i].host = (char *)hosts[i];
        rr->mx[i].addr_dnssec = DNSSEC_INSECURE;
    }
    rr->mx_dnssec = DNSSEC_INSECURE;
    rr->sts.asked = rr->tlsrpt.asked = 1;
    rr->sts.status = rr->tlsrpt.status = RESOLVE_NXDOMAIN;
}

static struct sender_ep ep_ok(const char *host, int trust, enum match_result m)
{
    return (struct sender_ep){.mx_host = host, .status = PROBE_OK, .trust_valid = trust,
                              .mx_match = m};
}

TEST(sender_mta_sts_postini_and_checks)
{
    const char *hosts[] = {"customer.example.s6a1.psmtp.example", "mx2.customer.example"};
    struct resolve_result rr;
    rr_hosts(&rr, hosts, 2);
    char *pats[] = {"*.psmtp.example", "mx2.customer.example"};
    struct mtasts_policy pol = {.mode = MTASTS_MODE_ENFORCE, .max_age = 86400, .mx = pats,
                                .nmx = 2, .has_version = 1};
    struct sender_sts sts = {.asked = 1, .status = STS_OK, .policy = &pol};
    /* The Postini case: a valid chain whose wildcard would be fine if it covered several
     * labels; the one-label pattern does not cover the host (RFC 8461 §4.1). */
    struct sender_ep eps[2] = {ep_ok(hosts[0], 1, MATCH_MULTILABEL),
                               ep_ok(hosts[1], 0, MATCH_EXACT)};
    struct sender_domain d;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_INT(d.nhosts, 2);
    CHECK_STR(d.hosts[0].sts, "not-covered");
    CHECK(d.hosts[0].sts_pattern == NULL);
    CHECK_STR(d.hosts[1].sts, "untrusted");
    CHECK_STR(d.hosts[1].sts_pattern, "mx2.customer.example");
    CHECK_STR(d.sts_outcome, "not-covered");
    CHECK_INT(d.policy, SENDER_MTA_STS_ENFORCE);
    CHECK_STR(sender_policy_str(d.policy), "mta-sts-enforce");
    CHECK_INT(d.delivers, 0);
    CHECK(d.via == NULL);
    sender_domain_clear(&d);

    /* The second host passes: the domain's outcome is pass, delivery goes via it. */
    eps[1].trust_valid = 1;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_STR(d.hosts[1].sts, "pass");
    CHECK_STR(d.sts_outcome, "pass");
    CHECK_INT(d.delivers, 1);
    CHECK_STR(d.via, hosts[1]);
    sender_domain_clear(&d);
    /* A name mismatch, and no TLS at all, in that order of the checks. */
    eps[1].mx_match = MATCH_NONE;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_STR(d.hosts[1].sts, "name-mismatch");
    sender_domain_clear(&d);
    eps[1].status = PROBE_NO_STARTTLS;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_STR(d.hosts[1].sts, "no-tls");
    CHECK_INT(d.delivers, 0);
    sender_domain_clear(&d);

    /* Testing mode: the checks are made and reported, delivery is opportunistic. */
    pol.mode = MTASTS_MODE_TESTING;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_INT(d.policy, SENDER_MTA_STS_TESTING);
    CHECK_STR(d.sts_outcome, "not-covered");
    CHECK_INT(d.delivers, 1);
    CHECK_STR(d.via, hosts[0]);
    sender_domain_clear(&d);
    /* Mode none, or no policy: no checks; opportunistic. */
    pol.mode = MTASTS_MODE_NONE;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK(d.sts_outcome == NULL);
    CHECK(d.hosts[0].sts == NULL);
    CHECK_INT(d.policy, SENDER_OPPORTUNISTIC);
    sender_domain_clear(&d);
    /* A host with no endpoint: no-address when covered. */
    pol.mode = MTASTS_MODE_ENFORCE;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_STR(d.hosts[1].sts, "no-address");
    sender_domain_clear(&d);
    /* No mail route: the facts, but no policy. */
    sender_domain_eval(&rr, 0, &sts, eps, 2, &d);
    CHECK_INT(d.policy, SENDER_NONE);
    CHECK(sender_policy_str(d.policy) == NULL);
    sender_domain_clear(&d);
    /* Lookups off: nothing at all. */
    struct sender_sts off = {0};
    sender_domain_eval(&rr, 1, &off, eps, 2, &d);
    CHECK_INT(d.asked, 0);
    CHECK(d.hosts == NULL);
    free(rr.mx);
}

TEST(sender_dane_first_and_delivery)
{
    const char *hosts[] = {"mx.a.example", "mx.b.example"};
    struct resolve_result rr;
    rr_hosts(&rr, hosts, 2);
    unsigned char z[32] = {0};
    rr.mx[0].addr_dnssec = DNSSEC_SECURE;
    tlsa_one(&rr.mx[0].tlsa, DNSSEC_SECURE, 3, 1, 1, z, sizeof(z));
    struct sender_sts sts = {.asked = 1, .status = STS_NO_TXT};
    struct sender_ep eps[2] = {ep_ok(hosts[0], 0, MATCH_NONE), ep_ok(hosts[1], 0, MATCH_NONE)};
    eps[0].dane = DANE_FAIL;
    eps[0].dane_applies = 1;
    struct sender_domain d;
    sender_domain_eval(&rr, 1, &sts, eps, 2, &d);
    CHECK_INT(d.policy, SENDER_DANE_REQUIRED);
    CHECK_STR(d.hosts[0].tlsa, "records");
    CHECK_INT(d.hosts[0].policy, SENDER_DANE_REQUIRED);
    CHECK_INT(d.hosts[0].accepts, 0);
    /* The second host has no TLSA: opportunistic, it takes the mail (RFC 7672 per host). */
    CHECK(d.hosts[1].tlsa == NULL);
    CHECK_INT(d.hosts[1].policy, SENDER_OPPORTUNISTIC);
    CHECK_INT(d.hosts[1].accepts, 1);
    CHECK_INT(d.delivers, 1);
    CHECK_STR(d.via, hosts[1]);
    sender_domain_clear(&d);
    /* Unusable records: mandatory TLS, any certificate (§3.1.3). */
    eps[0].dane = DANE_UNUSABLE;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_INT(d.hosts[0].accepts, 1);
    sender_domain_clear(&d);
    eps[0].status = PROBE_NO_STARTTLS;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_INT(d.hosts[0].accepts, 0);
    CHECK_INT(d.delivers, 0);
    sender_domain_clear(&d);
    /* An insecure TLSA RRset is not DANE's. */
    rr.mx[0].tlsa.dnssec = DNSSEC_INSECURE;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_STR(d.hosts[0].tlsa, "insecure");
    CHECK_INT(d.policy, SENDER_OPPORTUNISTIC);
    CHECK_INT(d.delivers, 1); /* greeted: cleartext */
    sender_domain_clear(&d);
    /* A failed TLSA lookup for a host with secure addresses: DANE's, and it fails. */
    rr.mx[0].tlsa.status = RESOLVE_DNS_ERROR;
    rr.mx[0].tlsa.dnssec = DNSSEC_BOGUS;
    eps[0].dane = DANE_FAIL;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_STR(d.hosts[0].tlsa, "bogus");
    CHECK_INT(d.policy, SENDER_DANE_REQUIRED);
    CHECK_INT(d.delivers, 0);
    sender_domain_clear(&d);
    /* A connection that never got a greeting delivers nothing, whatever the policy. */
    rr.mx[0].tlsa.asked = 0;
    eps[0].status = PROBE_CONNECT_FAILED;
    sender_domain_eval(&rr, 1, &sts, eps, 1, &d);
    CHECK_INT(d.policy, SENDER_OPPORTUNISTIC);
    CHECK_INT(d.delivers, 0);
    sender_domain_clear(&d);
    rr.mx[0].tlsa.asked = 1;
    tlsa_free(&rr.mx[0].tlsa);
    free(rr.mx);
}

/* The TLSRPT record's status from the TXT RRset, with its URIs counted. */
static const char *tlsrpt_of(const char *const *txt, int n, struct tlsrpt_record *rec)
{
    const char *hosts[] = {"mx.example"};
    struct resolve_result rr;
    rr_hosts(&rr, hosts, 1);
    rr.tlsrpt.status = n ? RESOLVE_OK : RESOLVE_NODATA;
    rr.tlsrpt.rr = n ? xcalloc((size_t)n, sizeof(*rr.tlsrpt.rr)) : NULL;
    rr.tlsrpt.n = n;
    for (int i = 0; i < n; i++) {
        rr.tlsrpt.rr[i].data = (unsigned char *)txt[i];
        rr.tlsrpt.rr[i].len = strlen(txt[i]);
    }
    struct sender_sts sts = {.asked = 1, .status = STS_NO_TXT};
    struct sender_domain d;
    sender_domain_eval(&rr, 1, &sts, NULL, 0, &d);
    const char *w = d.tlsrpt;
    *rec = d.tlsrpt_rec;
    sender_domain_clear(&d);
    free(rr.tlsrpt.rr);
    free(rr.mx);
    return w;
}

TEST(sender_tlsrpt_status)
{
    struct tlsrpt_record rec;
    const char *ok[] = {"v=TLSRPTv1; rua=mailto:a@example.net,https://r.example/x",
                        "v=spf1 -all"};
    CHECK_STR(tlsrpt_of(ok, 2, &rec), "ok");
    CHECK_INT(rec.mailto, 1);
    CHECK_INT(rec.https, 1);
    CHECK_STR(tlsrpt_of(ok, 0, &rec), "none");
    const char *two[] = {"v=TLSRPTv1; rua=mailto:a@example.net",
                         "v=TLSRPTv1; rua=mailto:b@example.net"};
    CHECK_STR(tlsrpt_of(two, 2, &rec), "multiple");
    const char *ftp[] = {"v=TLSRPTv1; rua=ftp://r.example/"};
    CHECK_STR(tlsrpt_of(ftp, 1, &rec), "bad-uri");
    CHECK_INT(rec.bad, 1);
    const char *norua[] = {"v=TLSRPTv1; ext=1"};
    CHECK_STR(tlsrpt_of(norua, 1, &rec), "no-rua");
    const char *other[] = {"v=STSv1; id=1"};
    CHECK_STR(tlsrpt_of(other, 1, &rec), "none");
}

TEST(sender_sts_words)
{
    struct sender_sts s = {.status = STS_FETCH, .fetch_status = "redirect"};
    CHECK_STR(sender_sts_status_str(&s), "redirect");
    s.status = STS_POLICY;
    s.policy_error = MTASTS_POLICY_NO_MX;
    CHECK_STR(sender_sts_status_str(&s), "no-mx");
    s.status = STS_TXT_MULTIPLE;
    CHECK_STR(sender_sts_status_str(&s), "txt-multiple");
    s.status = STS_NO_POLICY_HOST;
    CHECK_STR(sender_sts_status_str(&s), "no-policy-host");
}

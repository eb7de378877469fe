/* sender: what a policy-enforcing sending MTA would do with a domain, from what the scan saw:
 * DNSSEC (RFC 4035, as RFC 7672 §2.1.1 names its states), DANE (RFC 7672, RFC 7671), MTA-STS
 * (RFC 8461) and TLSRPT (RFC 8460). Pure functions of the resolver's results, the MTA-STS
 * fetch's outcome and the endpoints' verdicts: no I/O, tested alone. The words below are the
 * records' (docs/schema.md, "Policies a sender enforces"); report/record.c writes the structs.
 *
 * Per endpoint (hosts.jsonl `dane`, sender_dane): its MX host's TLSA RRset and the verdict of
 * dane.h on the chain presented:
 *   tlsa not asked: the host's addresses are not secure (RFC 7672 §2.2.2) → none
 *   TLSA insecure (an unsigned zone below a signed one)   → none (ignored, §2.2.3)
 *   TLSA secure NXDOMAIN / NODATA                         → none (no TLSA)
 *   TLSA bogus, or the lookup failed                      → fail (§2.2: the sender must not
 *                                                            deliver to the host; `why` says)
 *   TLSA secure with records                              → dane_check: pass / fail / unusable
 *
 * Per domain (domains.jsonl `dnssec`, `mta_sts`, `tlsrpt`, `policy`, sender_domain):
 *   - MTA-STS status (sender_sts_status_str): "ok" (a policy was read), "no-txt" (no v=STSv1
 *     TXT record), "txt-multiple" (more than one: §3.1, no policy), "txt-syntax",
 *     "txt-no-id", "txt-bad-id" (mtasts.h's TXT errors), "dns-error" (the TXT lookup
 *     failed), "no-policy-host" (mta-sts.DOMAIN has no address), "blocked" (its address is
 *     on the blocklist: not fetched), the fetch's failures (https.h: "fetch-failed",
 *     "http-status", "redirect", "too-large", "bad-certificate", "tls-failed",
 *     "connect-failed", "timeout"), and the policy body's errors (mtasts.h: "syntax",
 *     "too-large", "bad-version", "bad-mode", "bad-max-age", "bad-mx", "duplicate",
 *     "no-version", "no-mode", "no-max-age", "no-mx"). Every status but "ok" means a sender
 *     has no policy (§3.1, §3.3: it delivers as before).
 *   - Per MX host, under the policy (mode enforce or testing) the MTA-STS check a sender
 *     makes (§4.1, §4.2) on each of the host's endpoints: "pass" (a pattern covers the host,
 *     STARTTLS completed, the chain is valid, and the certificate matches the MX host
 *     strictly), else the first that fails: "not-covered", "no-tls", "untrusted",
 *     "name-mismatch"; the host passes when one of its endpoints does ("no-address" when it has
 *     none). The domain's `outcome`: "pass" when any host passes, else the most preferred
 *     host's word.
 *   - Per MX host, the policy that governs it: "dane" when its TLSA RRset is secure with
 *     records, or its lookup failed for a host with secure addresses (§2.2); else the
 *     domain's MTA-STS mode ("mta-sts-enforce", "mta-sts-testing"); else "opportunistic".
 *     Whether it accepts delivery under that policy: dane → an endpoint's DANE verdict is
 *     pass, or unusable with STARTTLS completed (§3.1.3: mandatory unauthenticated TLS);
 *     mta-sts-enforce → the MTA-STS check passes; otherwise → an endpoint greeted the sender
 *     (status ok, no-starttls, starttls-refused or tls-failed: an opportunistic sender falls
 *     back to cleartext).
 *   - The domain's `policy`: "dane-required" when any host's is dane (RFC 8461 §2: DANE
 *     first), else "mta-sts-enforce" / "mta-sts-testing" by the policy's mode, else
 *     "opportunistic"; `delivers`: some host accepts (a sender tries them in preference
 *     order); `via` the first that does. Null for a domain with no mail route.
 *   - TLSRPT status: "ok", "none" (no v=TLSRPTv1 record), "multiple", "dns-error", or
 *     tlsrpt_record.h's errors ("syntax", "no-rua", "duplicate-rua", "bad-uri").
 *
 * Ownership: the structs borrow everything they point to from their inputs (the resolver's
 * result, the fetch's result, the endpoints) except the arrays sender_domain_eval allocates
 * (sender_domain_clear frees them). */
#ifndef MXS_SENDER_H
#define MXS_SENDER_H
#include <libpsl.h>
#include <stddef.h>

#include "dane.h"
#include "match.h"
#include "mtasts.h"
#include "tlsrpt_record.h"
#include "probe/result.h"
#include "resolve/resolve_result.h"

/* ---- one endpoint: DANE ---- */

struct sender_dane {
    int asked;                        /* policy lookups were on (else `dane` is null) */
    enum resolve_dnssec addr_dnssec;  /* its MX host's address records */
    const struct resolve_rrset *tlsa; /* the host's TLSA lookup (asked 0: not looked up) */
    enum dane_verdict verdict;
    const char *why;                  /* static words for none / fail without a match
                                         ("addresses not secure", "TLSA insecure",
                                         "no TLSA records", "TLSA lookup failed",
                                         "TLSA bogus", "no certificate", "no record matched"),
                                         NULL on pass */
    struct dane_result res;           /* dane_check's details (matched -1 when not run) */
    int applies;                      /* the host is governed by DANE (see above) */
};

/* The DANE verdict of one endpoint (mx_host's TLSA against res's chain). asked: policy
 * lookups were on. res may be NULL (no probe: blocked). */
void sender_dane_eval(int asked, const char *mx_host, enum resolve_dnssec addr_dnssec,
                      const struct resolve_rrset *tlsa, const struct probe_result *res,
                      const psl_ctx_t *psl, struct sender_dane *out);

/* ---- one domain ---- */

enum sender_sts_status {
    STS_OK,
    STS_NO_TXT,
    STS_TXT_MULTIPLE,
    STS_TXT_SYNTAX,
    STS_TXT_NO_ID,
    STS_TXT_BAD_ID,
    STS_DNS_ERROR,
    STS_NO_POLICY_HOST,
    STS_BLOCKED,
    STS_FETCH,  /* the fetch failed: sender_sts.fetch_status says how (https_status_str) */
    STS_POLICY, /* the body did not parse: sender_sts.policy_error says how */
};

/* The MTA-STS state of a domain, filled by the scheduler as it goes (TXT, then the policy
 * host's addresses, then the fetch, then the body): sender_sts_status_str reads it. */
struct sender_sts {
    int asked;                      /* policy lookups were on */
    enum sender_sts_status status;
    char id[MTASTS_ID_MAX + 1];     /* the TXT's id ("" unless the TXT parsed) */
    const char *fetch_status;       /* STS_FETCH, or a fetch that went well: https_status_str */
    long http_code;                 /* the final HTTP status, 0 when none came */
    const char *fetch_ip;           /* the address fetched from, NULL when none */
    const char *error;              /* words: the DNS error, the blocklist's reason, curl's
                                       message (NULL when none) */
    enum mtasts_policy_error policy_error; /* STS_POLICY */
    unsigned long policy_line;      /* the line of policy_error, 0 when none */
    const struct mtasts_policy *policy; /* STS_OK */
};
/* The status word ("ok", "no-txt", ..., the fetch's or the body's word). */
const char *sender_sts_status_str(const struct sender_sts *s);

/* One endpoint as the domain's policy sees it. */
struct sender_ep {
    const char *mx_host;
    enum probe_status status;
    enum dane_verdict dane;     /* its sender_dane verdict */
    int dane_applies;           /* its sender_dane.applies */
    int trust_valid;
    enum match_result mx_match; /* its certificate against the MX host, strict */
};

enum sender_policy {
    SENDER_NONE,              /* no mail route, or lookups off: `policy` null */
    SENDER_DANE_REQUIRED,
    SENDER_MTA_STS_ENFORCE,
    SENDER_MTA_STS_TESTING,
    SENDER_OPPORTUNISTIC,
};
const char *sender_policy_str(enum sender_policy p); /* NULL for SENDER_NONE */
const char *sender_host_policy_str(enum sender_policy p); /* a host's: "dane", ...; NULL: NONE */

struct sender_host {
    const char *host;                /* borrowed from the resolver's result */
    enum resolve_dnssec addr_dnssec;
    const char *tlsa;                /* "records", "none" (NXDOMAIN / NODATA), "insecure",
                                        "bogus", "dns-error", or NULL (not asked) */
    const char *sts_pattern;         /* the policy's first pattern covering it, or NULL */
    const char *sts;                 /* the MTA-STS check (see above), NULL without a policy
                                        in enforce or testing mode */
    int sts_pass;                    /* sts is "pass" */
    enum sender_policy policy;
    int accepts;
};

struct sender_domain {
    int asked;
    enum resolve_dnssec mx_dnssec;
    struct sender_host *hosts;       /* one per MX entry of the result (owned) */
    size_t nhosts;
    const char *sts_outcome;         /* the domain's MTA-STS check, or NULL */
    const char *tlsrpt;              /* TLSRPT status word, NULL when not asked */
    struct tlsrpt_record tlsrpt_rec; /* its URIs by kind (status "ok" or "bad-uri") */
    enum sender_policy policy;
    int delivers;
    const char *via;                 /* the first host that accepts, or NULL */
};

/* Evaluates a domain: rr its resolver's result (its MX entries in preference order, their
 * TLSA, the TXT lookups), sts its MTA-STS state, eps its n endpoints in preference order.
 * has_route: the domain has a mail route (status ok or an implicit MX). */
void sender_domain_eval(const struct resolve_result *rr, int has_route,
                        const struct sender_sts *sts, const struct sender_ep *eps, size_t n,
                        struct sender_domain *out);
void sender_domain_clear(struct sender_domain *d);

/* Of a TXT lookup's records, the one that begins with the version field (taglist_select's
 * rule: RFC 8461 §3.1, RFC 8460 §3): its index into t->rr, -1 when none does (or the lookup
 * has no records), -2 when more than one does. */
int sender_txt_select(const struct resolve_rrset *t, const char *version);

/* The MTA-STS check (see above), in order of the checks; its words: sender_check_str. */
enum sender_check {
    CHECK_PASS,
    CHECK_NOT_COVERED,
    CHECK_NO_TLS,
    CHECK_UNTRUSTED,
    CHECK_NAME_MISMATCH,
    CHECK_NO_ADDRESS,
};
const char *sender_check_str(enum sender_check c);
/* The MTA-STS check of one endpoint (covered: a pattern of the policy covers its host). */
enum sender_check sender_sts_check(int covered, const struct sender_ep *ep);

/* A TLSA lookup's state as sender_host.tlsa says it: sender_tlsa_str's words ("records",
 * "none", "insecure", "bogus", "dns-error"; NULL for TLSA_NOT_ASKED). */
enum sender_tlsa { TLSA_NOT_ASKED, TLSA_RECORDS, TLSA_NONE, TLSA_INSECURE, TLSA_BOGUS,
                   TLSA_DNS_ERROR };
const char *sender_tlsa_str(enum sender_tlsa t);

/* The TLSRPT record's status beyond tlsrpt_record.h's errors: sender_tlsrpt_str's words
 * ("ok", "none", "multiple", "dns-error"). */
enum sender_tlsrpt { TLSRPT_OK, TLSRPT_NONE, TLSRPT_MULTIPLE, TLSRPT_DNS_ERROR };
const char *sender_tlsrpt_str(enum sender_tlsrpt t);

#endif

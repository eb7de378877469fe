/* policy: named acceptance policies, side by side. Each is a pure function of what the records
 * say about one domain and its primary endpoint (the most-preferred endpoint that completed
 * TLS, domains.jsonl `primary`): would a sender that checks this way accept the primary MX
 * certificate? docs/schema.md ("summary.json", `policies`) defines each in the same words; the
 * summary (report/sum_policy.c) counts them, report.html and summary.csv show them.
 *
 * The name policies judge names only and the chain policy the chain only, as the headline
 * shares do (shares.strict is names only), so each policy's "newly accepted / rejected
 * relative to strict" compares one rule with another, not two rules and a chain.
 *
 * Every verdict here is a strict match verdict of match.h (exact, or a wildcard standing for
 * one label, never over a public suffix) except `multilabel`'s, which also takes
 * MATCH_MULTILABEL. No I/O, no allocation. */
#ifndef MXS_POLICY_H
#define MXS_POLICY_H
#include <stddef.h>

#include "match.h"

/* The policies, in the order of summary.json, report.html and docs/schema.md. */
enum policy {
    POLICY_STRICT,       /* RFC 6125: the MX host, exact or one-label wildcard, CN fallback */
    POLICY_RFC9525,      /* as strict, subjectAltName only (no CN fallback) */
    POLICY_MULTILABEL,   /* as strict, a wildcard may cover several labels */
    POLICY_DOMAIN,       /* the email domain is the reference identity (as a user's MUA) */
    POLICY_MX_OR_DOMAIN, /* strict or domain */
    POLICY_PTR,          /* the connection's reverse-DNS name */
    POLICY_ANY_NAME,     /* any reference name: domain, MX host, PTR, greeting, EHLO */
    POLICY_CHAIN_ONLY,   /* a valid chain, names ignored (opportunistic senders) */
    POLICY_COUNT,
};

/* The one spelling of each policy ("strict", "rfc9525", "multilabel", "domain",
 * "mx-or-domain", "ptr", "any-name", "chain-only"): summary.json's keys. */
extern const char *const policy_words[POLICY_COUNT];
const char *policy_str(enum policy p);
/* The policy a word names, -1 when none. */
int policy_parse(const char *word);
/* One line saying what the policy accepts, for people (report.html, the end-of-scan text). */
const char *policy_meaning(enum policy p);

enum policy_verdict {
    POLICY_NA,     /* the domain has no primary endpoint (no STARTTLS session): not in N */
    POLICY_REJECT,
    POLICY_ACCEPT,
};

/* What the records say about a domain and its primary endpoint. */
struct policy_facts {
    int has_primary;       /* the domain has a TLS pattern: a primary endpoint completed TLS
                            * (status ok, or cert-seen in --mode cert); else every policy is
                            * POLICY_NA */
    enum match_result mx_host;     /* the primary's certificate against the MX host (the
                                    * domain's pattern: mx-exact, mx-wildcard, mx-multilabel,
                                    * else none) */
    enum match_result domain;      /* ... against this email domain (domains.jsonl match_domain) */
    enum match_result ptr;         /* ... against the PTR name (hosts.jsonl match.ptr) */
    enum match_result banner_host; /* ... against the greeting's host word (match.banner_host) */
    enum match_result ehlo_host;   /* ... against the EHLO reply's host word (match.ehlo_host) */
    int names_from_cn;     /* the presented name is the subject CN: no SAN dNSName (names_from) */
    int trust_valid;       /* the chain leads to a trust anchor (trust.valid) */
};

/* The verdict of policy p on f. */
enum policy_verdict policy_eval(enum policy p, const struct policy_facts *f);

#endif

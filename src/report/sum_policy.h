/* sum_policy: summary.json's `policies`, the named acceptance policies of classify/policy.h
 * side by side: for each, the share of domains with STARTTLS whose primary MX certificate it
 * accepts, and how many domains it accepts that strict rejects and the other way round.
 * docs/schema.md ("summary.json", `policies`) defines every figure.
 *
 * Fed by summary.c: an endpoint record gives a few bits (what the policies need of it,
 * packed so that the summary's join keeps one small value per endpoint), a domain record its
 * own facts and its primary endpoint's bits. Records of older versions that lack a field
 * count it as no match (a null verdict, a false trust). Ownership: the struct is embedded in
 * the summary's aggregator (zeroed to start), its example names freed by sum_policy_free. */
#ifndef MXS_SUM_POLICY_H
#define MXS_SUM_POLICY_H
#include <jansson.h>

#include "classify/policy.h"

/* Example domains kept of each policy's newly accepted and newly rejected ones: the first in
 * byte order, so that they do not depend on the order the records come in. */
#define SUM_POLICY_EXAMPLES 5

/* Bits of sum_policy_endpoint_bits()'s value (it is below 1 << SUM_POLICY_EP_BITS). */
#define SUM_POLICY_EP_BITS 11

/* What the policies need of an endpoint record (hosts.jsonl): its match.ptr,
 * match.banner_host and match.ehlo_host verdicts, names_from cn, trust.valid. */
unsigned sum_policy_endpoint_bits(const json_t *h);

struct sum_policy {
    unsigned long N;                            /* domains with a primary endpoint */
    unsigned long n[POLICY_COUNT];              /* of them, those each policy accepts */
    unsigned long newly_accepted[POLICY_COUNT]; /* accepted, and rejected by strict */
    unsigned long newly_rejected[POLICY_COUNT]; /* rejected, and accepted by strict */
    /* [policy][0: newly accepted, 1: newly rejected]: up to SUM_POLICY_EXAMPLES domains,
     * sorted, owned (sum_policy_free) */
    char *examples[POLICY_COUNT][2][SUM_POLICY_EXAMPLES];
};

/* The facts of domain record d (domains.jsonl; not a duplicate) and its primary endpoint
 * (has_ep 0: none, or dangling: every endpoint fact unknown, as no match and no valid chain;
 * else ep_bits is sum_policy_endpoint_bits() of its record). */
void sum_policy_facts(const json_t *d, int has_ep, unsigned ep_bits, struct policy_facts *f);

/* Counts one domain's verdicts (domain: its name, for the examples; may be NULL); v gets
 * them (may be NULL). */
void sum_policy_add(struct sum_policy *sp, const struct policy_facts *f, const char *domain,
                    enum policy_verdict v[POLICY_COUNT]);

/* Frees the examples. */
void sum_policy_free(struct sum_policy *sp);

/* The `policies` object: policy word -> {share, n, N, newly_accepted, newly_rejected,
 * examples_newly_accepted, examples_newly_rejected}. */
json_t *sum_policy_json(const struct sum_policy *sp);

#endif

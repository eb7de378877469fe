/* sum_provider: what summary.json's `providers` say beyond counts and the pattern mix: per
 * provider the share of its domains that strict, multilabel and rfc9525 accept
 * (classify/policy.h), its most common presented names and its most common MX host shape
 * (classify/mxshape.h). docs/schema.md ("summary.json", `providers[]`) defines them.
 *
 * Providers are summary.c's, known here by their index + 1 (its provider_id()). The names
 * and shapes are counted in two maps of the whole summary keyed by "<index>\n<text>", so
 * that the many providers with one domain cost no map of their own; only the providers
 * written out are ranked, at the end. Ownership: a sum_provider is embedded in the summary's
 * aggregator, set up by sum_provider_init and freed by sum_provider_free. */
#ifndef MXS_SUM_PROVIDER_H
#define MXS_SUM_PROVIDER_H
#include <stddef.h>

#include <jansson.h>

#include "classify/policy.h"
#include "core/hmap.h"

/* How many presented names a provider lists. */
#define SUM_PROVIDER_TOP_NAMES 3

struct sum_provider_counts {
    unsigned long with_tls;             /* domains with a primary endpoint */
    unsigned long accepted[POLICY_COUNT]; /* of them, those each policy accepts */
};

struct sum_provider {
    struct sum_provider_counts *counts; /* by provider index */
    size_t ncounts;
    struct hmap names;  /* "<index>\n<presented name>" -> endpoints */
    struct hmap shapes; /* "<index>\n<MX host shape>" -> domains */
    char *key;          /* scratch */
    size_t key_cap;
};

void sum_provider_init(struct sum_provider *sp);
void sum_provider_free(struct sum_provider *sp);

/* An endpoint record (hosts.jsonl) of provider id (index + 1; 0: none, nothing counted):
 * each distinct name of its `presented` once. */
void sum_provider_endpoint(struct sum_provider *sp, size_t id, const json_t *h);

/* A domain record (domains.jsonl, not a duplicate) of provider id, with its policy verdicts
 * (sum_policy_add): the shares, and the shape of its most preferred MX host (mx[0].host). */
void sum_provider_domain(struct sum_provider *sp, size_t id, const json_t *d,
                         const enum policy_verdict v[POLICY_COUNT]);

/* Sets `policies`, `presented_top` and `mx_shape` on objs[i], the summary.json object of
 * provider ids[i], for i < n. */
void sum_provider_finish(struct sum_provider *sp, const size_t *ids, json_t *const *objs,
                         size_t n);

#endif

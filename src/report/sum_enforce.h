/* sum_enforce: summary.json's `enforcement` (what a policy-enforcing sender would do: DNSSEC,
 * DANE, MTA-STS, TLSRPT), a part of the summary aggregator (summary.h) kept in its own file:
 * summary.c hands it each endpoint record and each domain record that is not a duplicate, and
 * adds its object at the end.
 *
 * Definitions (docs/schema.md, "summary.json", `enforcement`):
 *   - the domains counted are those whose domains.jsonl `policy` is not null (a mail route and
 *     policy lookups on): `domains`, the denominator of every domain figure;
 *   - the endpoints counted are those whose hosts.jsonl `dane` is not null;
 *   - `enforcement` is null when no record had any of the fields (`dane`, `dnssec`, `mta_sts`,
 *     `tlsrpt`, `policy` null or absent everywhere: a --no-policy run, or files written before
 *     the fields existed).
 * Memory: a few counters and the maps of words and of pattern × MTA-STS outcome, never the
 * records.
 *
 * Ownership: sum_enforce_new pairs with sum_enforce_free; records are borrowed. */
#ifndef MXS_SUM_ENFORCE_H
#define MXS_SUM_ENFORCE_H
#include <jansson.h>

struct sum_enforce;
struct sum_enforce *sum_enforce_new(void);
void sum_enforce_free(struct sum_enforce *e);

/* One hosts.jsonl record. */
void sum_enforce_endpoint(struct sum_enforce *e, const json_t *host);
/* One domains.jsonl record (not a duplicate). */
void sum_enforce_domain(struct sum_enforce *e, const json_t *domain);

/* The `enforcement` object, or JSON null when no record had the fields (a new reference;
 * caller decrefs). */
json_t *sum_enforce_json(struct sum_enforce *e);

#endif

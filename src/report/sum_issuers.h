/* sum_issuers: summary.json's `issuers` ("do all CAs do it?"), a part of the summary
 * aggregator (summary.h) kept in its own file: summary.c hands it each endpoint and domain
 * record with its join key, and adds its object at the end.
 *
 * Definitions (docs/schema.md, "summary.json", `issuers`):
 *   - an endpoint counts when it has a certificate (hosts.jsonl `cert` not null), under its
 *     leaf's issuer: a CA row, keyed by `issuer.o` and `issuer.cn` as written (the text
 *     notation; null and "" apart); the self-signed row (`issuer.self_signed` true); or the
 *     unknown row (`issuer` null or not an object: an unparsable leaf, or a file written before
 *     the field);
 *   - a domain is served by the issuer of its primary endpoint (domains.jsonl `primary`,
 *     joined as summary.c joins it); a domain without a primary, or whose primary names no
 *     endpoint with a certificate, counts under no issuer; `duplicate` records are never fed;
 *   - the CA rows are the SUM_ISSUERS_TOP with the most endpoints (ties: most domains, then the
 *     O and the CN in byte order, null first); the others are merged into `others`.
 *
 * Memory grows with the distinct issuers and with the endpoints that have a certificate (one
 * map entry each, for the domains' join), never with the records.
 *
 * Ownership: sum_issuers_new pairs with sum_issuers_free; records and keys are borrowed. */
#ifndef MXS_SUM_ISSUERS_H
#define MXS_SUM_ISSUERS_H
#include <jansson.h>

#define SUM_ISSUERS_TOP 30

struct sum_issuers;
struct sum_issuers *sum_issuers_new(void);
void sum_issuers_free(struct sum_issuers *s);

/* One hosts.jsonl record; key: its join key (NULL when it has none: counted, never joined). A
 * repeated key: the last record wins for the domains after it. */
void sum_issuers_endpoint(struct sum_issuers *s, const char *key, const json_t *host);
/* One domains.jsonl record (not a duplicate); primary_key: its primary's join key, or NULL. */
void sum_issuers_domain(struct sum_issuers *s, const char *primary_key, const json_t *domain);

/* The `issuers` object (a new one; caller decrefs). */
json_t *sum_issuers_json(struct sum_issuers *s);

#endif

/* summary: the aggregates of a scan folder: counts by status, pattern, wildcard kind, trust,
 * TLS version and key, the shares of domains whose primary certificate would pass each naming
 * policy, the named acceptance policies side by side (sum_policy.h), and the largest
 * providers with their policy shares, presented names and MX host shapes (sum_provider.h),
 * written as DIR/summary.json. docs/schema.md
 * ("summary.json") defines every key; the definitions live in one place, this file.
 *
 * One aggregator (struct summary_acc), fed one record at a time: endpoint records
 * (hosts.jsonl's) and domain records (domains.jsonl's), a domain after the endpoints it names
 * (its primary is joined against the endpoints seen so far), then finished with DIR/run.json.
 * Memory grows with the distinct endpoints (the join), providers and values counted, and the
 * distinct (provider, presented name) and (provider, MX host shape) pairs, never with the
 * records as such. Two feeders, so the two can never disagree: the scan's output `summary`
 * (out_summary.c) as the records are made, and `mxsurvey report DIR` (summary_build) reading
 * hosts.jsonl, then domains.jsonl, through jsonl_each. A summary regenerated later from the
 * same files is identical apart from meta.generated.
 *
 * Records may come from older versions that lack the classification fields: a field that is
 * absent counts as null, one of an unexpected type as "unknown"; neither is an error. Only a
 * damaged line is (jsonl.h: not a JSON object, malformed, cut, over-long; the message names
 * the file and line), or, read leniently, skipped with a warning and counted in
 * meta.skipped_lines. */
#ifndef MXS_SUMMARY_H
#define MXS_SUMMARY_H
#include <stddef.h>

#include <jansson.h>

#include "core/jsonl.h"

enum summary_status {
    SUMMARY_OK = 0,
    SUMMARY_INPUT_ERROR = -1, /* folder or file missing or unreadable, or a malformed line */
    SUMMARY_WRITE_ERROR = -2, /* summary.json could not be written */
};

/* How many providers summary.json lists (by number of domains, ties by name). */
#define SUMMARY_TOP_PROVIDERS 50

/* The aggregator. Ownership: summary_new's result is the caller's, freed by summary_free
 * (NULL is fine). */
struct summary_acc;
struct summary_acc *summary_new(void);
void summary_free(struct summary_acc *a);

/* One endpoint record (hosts.jsonl schema), one domain record (domains.jsonl schema); both
 * borrowed, nothing kept of them but the counts and the endpoint's join key. A repeated
 * endpoint (same mx_host and ip): the last record wins for the domains after it. */
void summary_add_endpoint(struct summary_acc *a, const json_t *rec);
void summary_add_domain(struct summary_acc *a, const json_t *rec);

/* Feeds DIR/hosts.jsonl, then DIR/domains.jsonl, by jo (jsonl.h; NULL: strict). With
 * jo->lenient a damaged line is skipped with a warning, and summary_finish's meta.skipped_lines
 * says how many of each file. Returns SUMMARY_OK, or SUMMARY_INPUT_ERROR with err set
 * ("DIR/hosts.jsonl:12: ..."; the records before it were fed). */
int summary_add_dir(struct summary_acc *a, const char *dir, struct jsonl_opts *jo, char *err,
                    size_t errlen);

/* DIR/run.json into *run (a new object; NULL when there is no such file). Returns SUMMARY_OK,
 * or SUMMARY_INPUT_ERROR with err set (unreadable, not a JSON object). */
int summary_read_run(const char *dir, json_t **run, char *err, size_t errlen);

/* The summary.json object of what a was fed, its meta from run (run.json's object; NULL: none)
 * (a new object; caller decrefs). Once per aggregator: a second call returns NULL. */
json_t *summary_finish(struct summary_acc *a, const json_t *run);

/* Writes s to DIR/summary.json atomically (a temporary file in DIR, fsync, rename),
 * pretty-printed with sorted keys. Returns SUMMARY_OK or SUMMARY_WRITE_ERROR with err set. */
int summary_save(const char *dir, const json_t *s, char *err, size_t errlen);

/* Builds the summary of the scan folder dir into *out (a new object; caller decrefs).
 * Returns SUMMARY_OK, or SUMMARY_INPUT_ERROR with a message in err ("DIR/hosts.jsonl:12: ...")
 * and *out NULL. */
int summary_build(const char *dir, json_t **out, char *err, size_t errlen);

/* summary_build(), then summary_save(). Returns a summary_status; err says why. */
int summary_write(const char *dir, char *err, size_t errlen);

/* The same, reading the JSONL files by jo (jsonl.h; NULL: strict): with jo->lenient a damaged
 * line is skipped with a warning, and meta.skipped_lines says how many of each file. */
int summary_build_opts(const char *dir, struct jsonl_opts *jo, json_t **out, char *err,
                       size_t errlen);
int summary_write_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

/* "ok", "input error", "write error". */
const char *summary_status_str(int status);

#endif

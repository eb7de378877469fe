/* summary: the aggregates of a scan folder. Reads DIR/hosts.jsonl, then DIR/domains.jsonl, one
 * line at a time (memory grows with the distinct endpoints and providers, never with the
 * records), plus DIR/run.json when present, and writes DIR/summary.json: counts by status,
 * pattern, wildcard kind, trust, TLS version and key, the shares of domains whose primary
 * certificate would pass each naming policy, and the largest providers. docs/schema.md
 * ("summary.json") defines every key; the definitions live in one place, this file.
 *
 * Both `mxsurvey report DIR` and the end of `mxsurvey scan` call summary_write(), so a summary
 * regenerated later from the same files is identical apart from meta.generated.
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

/* Builds the summary of the scan folder dir into *out (a new object; caller decrefs).
 * Returns SUMMARY_OK, or SUMMARY_INPUT_ERROR with a message in err ("DIR/hosts.jsonl:12: ...")
 * and *out NULL. */
int summary_build(const char *dir, json_t **out, char *err, size_t errlen);

/* summary_build(), then writes DIR/summary.json atomically (a temporary file in DIR, fsync,
 * rename), pretty-printed with sorted keys. Returns a summary_status; err says why. */
int summary_write(const char *dir, char *err, size_t errlen);

/* The same, reading the JSONL files by jo (jsonl.h; NULL: strict): with jo->lenient a damaged
 * line is skipped with a warning, and meta.skipped_lines says how many of each file. */
int summary_build_opts(const char *dir, struct jsonl_opts *jo, json_t **out, char *err,
                       size_t errlen);
int summary_write_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

/* "ok", "input error", "write error". */
const char *summary_status_str(int status);

#endif

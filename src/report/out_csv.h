/* out_csv: the CSV reports of a scan folder, for spreadsheets and data-frame tools:
 *   hosts.csv      one row per record of hosts.jsonl, in file order
 *   domains.csv    one row per record of domains.jsonl, in file order
 *   summary.csv    `metric,value`: the figures of summary.json, one per row
 *   providers.csv  summary.json's providers table, one row per provider
 * A scan writes hosts.csv and domains.csv as its records are made (the output `csv`,
 * out_csvrec.c, through csv_record_row) and summary.csv and providers.csv from its summary at
 * the end (csv_write_summary); `mxsurvey report DIR` writes all four from the folder's files
 * (csv_write_records_opts, then csv_write_summary): the same rows from the same records.
 * Every column is documented in docs/schema.md (one section per file); the names and their
 * order are a contract, fixed here in one table per file, the same for every row whatever the
 * record holds. The JSONL files are read one line at a time and each row is written as it is
 * made: memory does not grow with the number of records.
 *
 * Flattening a record: a member of a nested object becomes `object_member` (`tls_version`,
 * `cert_subject_cn`, `match_mx_host`, `trust_valid`); a list becomes one cell of its items
 * joined by `;` (an item's own `;` written as `\x3b`); lists of objects are flattened by named
 * rules (`mx` as `pref:host` items, `endpoints` as `host@ip`). Strings are text cells (written
 * through csvw: quoted as RFC 4180 needs, spreadsheet formulas neutralised with a leading
 * `'`); numbers are number cells; booleans `true`/`false`; null, an absent field and an absent
 * parent object an empty cell. A value of an unexpected type (older or hand-written files) is
 * written as its compact JSON text; it is not an error. The JSONL files keep the exact values. */
#ifndef MXS_OUT_CSV_H
#define MXS_OUT_CSV_H
#include <stddef.h>

#include <jansson.h>

#include "csvw.h"
#include "core/jsonl.h"

enum csv_table { CSV_HOSTS, CSV_DOMAINS, CSV_SUMMARY, CSV_PROVIDERS, CSV_NTABLES };

/* "hosts.csv", "domains.csv", "summary.csv", "providers.csv". */
const char *csv_table_file(enum csv_table t);
/* The i-th column name of table t (0-based), NULL past the last. */
const char *csv_column_name(enum csv_table t, size_t i);

/* The row of table t (CSV_HOSTS, CSV_DOMAINS or CSV_PROVIDERS) for one record (a line of
 * hosts.jsonl, of domains.jsonl, or an element of summary.json's providers), appended to r
 * (not ended). rec is borrowed. */
void csv_record_row(enum csv_table t, const json_t *rec, struct csv_row *r);

/* The header row of table t into r (cleared first). */
void csv_header_row(enum csv_table t, struct csv_row *r);

/* One row of table t (CSV_HOSTS or CSV_DOMAINS) per record of the JSONL file path (read by
 * jo, jsonl.h; NULL: strict), written to cf through the scratch row. Returns SUMMARY_OK,
 * SUMMARY_INPUT_ERROR (err: file:line) or SUMMARY_WRITE_ERROR (err names cf's file). */
int csv_rows_from_jsonl(struct csv_file *cf, struct csv_row *row, enum csv_table t,
                        const char *path, struct jsonl_opts *jo, char *err, size_t errlen);

/* hosts.csv and domains.csv into dir from dir/hosts.jsonl and dir/domains.jsonl, each
 * atomically; the return and err as csv_write_all. */
int csv_write_records_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

/* summary.csv and providers.csv into dir from the summary object (summary.json's), each
 * atomically. Returns SUMMARY_OK or SUMMARY_WRITE_ERROR (err names the file). */
int csv_write_summary(const char *dir, const json_t *summary, char *err, size_t errlen);

/* Writes the four CSV files into dir from dir/hosts.jsonl, dir/domains.jsonl and
 * dir/summary.json, each atomically (a temporary file, then a rename: a file is the previous
 * complete one or the new complete one, never a part). Returns a summary_status (summary.h):
 * SUMMARY_OK, SUMMARY_INPUT_ERROR (a file missing or unreadable, a damaged line (jsonl.h):
 * err names file:line) or SUMMARY_WRITE_ERROR (err names the CSV file). */
int csv_write_all(const char *dir, char *err, size_t errlen);
/* The same, reading the JSONL files by jo (jsonl.h; NULL: strict, as csv_write_all). */
int csv_write_all_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

#endif

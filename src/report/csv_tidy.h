/* csv_tidy: endpoints_by_domain.csv, the long ("tidy") table for analysis: one row per
 * (domain, endpoint), in the order of the domain's `endpoints` (its MX preference order, then
 * address order), with the domain's key fields and the endpoint's, so that a join needs no
 * splitting of domains.csv's `mx_host@ip;...` cells. A domain record without endpoints (an
 * invalid line, a duplicate, NXDOMAIN, null MX, no address, ...) has one row with empty
 * endpoint columns: every record of domains.jsonl has at least one row, in file order.
 * docs/schema.md ("endpoints_by_domain.csv") documents every column; the names are a contract
 * like every CSV's (new columns only at the end).
 *
 * A domain's row is made when its record is (a domain comes after the endpoints it names), so
 * the table keeps, per endpoint seen, its cells already written out (struct csv_tidy: the
 * join key mx_host + ip -> the endpoint's part of a row; a repeated endpoint: the last record
 * wins). Memory grows with the distinct endpoints (a few hundred octets each), never with
 * the domains. An endpoint a domain names without a record here (a hand-edited or damaged
 * folder) gets the domain's view of it (rank, MX host, address, preference, status) and
 * empty cells for the rest.
 *
 * Writers: the output `csv` (out_csvrec.c) as the records are made, `mxsurvey report DIR`
 * (csv_tidy_write: hosts.jsonl, then domains.jsonl): the same rows from the same records.
 *
 * Ownership: csv_tidy_new pairs with csv_tidy_free; records are borrowed. */
#ifndef MXS_CSV_TIDY_H
#define MXS_CSV_TIDY_H
#include <stddef.h>

#include <jansson.h>

#include "csvw.h"
#include "core/jsonl.h"

#define CSV_TIDY_FILE "endpoints_by_domain.csv"

struct csv_tidy;
struct csv_tidy *csv_tidy_new(void);
void csv_tidy_free(struct csv_tidy *t);

/* The i-th column name (0-based), NULL past the last. */
const char *csv_tidy_column_name(size_t i);
/* The header row into r (cleared first). */
void csv_tidy_header(struct csv_row *r);

/* Keeps the endpoint part of the rows of one hosts.jsonl record. */
void csv_tidy_endpoint(struct csv_tidy *t, const json_t *host);
/* Writes the rows of one domains.jsonl record to cf through the scratch row. Returns 0 or
 * -errno. */
int csv_tidy_domain(struct csv_tidy *t, const json_t *domain, struct csv_file *cf,
                    struct csv_row *row);

/* Feeds dir/hosts.jsonl into t, then writes one row per dir/domains.jsonl record into cf
 * (both read by jo, jsonl.h). Returns SUMMARY_OK, SUMMARY_INPUT_ERROR (err: file:line) or
 * SUMMARY_WRITE_ERROR (err names cf's file). */
int csv_tidy_rows_from_dir(struct csv_tidy *t, struct csv_file *cf, struct csv_row *row,
                           const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

/* DIR/endpoints_by_domain.csv from DIR's JSONL files, atomically (`mxsurvey report`). Returns
 * a summary_status (summary.h), err set as above. */
int csv_tidy_write(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen);

#endif

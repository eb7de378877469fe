/* csvw: an RFC 4180 CSV writer that knows nothing about mail.
 *
 * A row is built cell by cell in memory (struct csv_row) and handed to the file only when
 * complete; a file (struct csv_file) is written to a temporary name beside its destination
 * and renamed over it at the end, so a reader never sees a half-written row or file, whatever
 * fails (a full disk, a crash): the destination holds the previous complete file or the new one.
 * (linebuf does not fit: RFC 4180 ends lines with CRLF and a quoted cell may hold LF.)
 *
 * Cells, per RFC 4180:
 *   - the text is kept (UTF-8 stays UTF-8; no byte-order mark is written), except that every
 *     control character (C0 including TAB, CR and LF, DEL, and C1 U+0080..U+009F) and every
 *     octet that is not valid UTF-8 is written as the four characters `\xHH` per octet
 *     (text_visible() of text.h): no cell holds a raw control character, every row is one
 *     line, and a cell of text in the text notation still decodes, by that notation's rule,
 *     to the same octets;
 *   - a cell is quoted ("...") when it holds `"` or `,` (or CR or LF, which the rule above
 *     leaves none of), or begins or ends with a space or TAB; inside quotes `"` is doubled;
 *   - every row, the header included, ends with CRLF.
 *
 * Spreadsheet formula neutralisation (OWASP "CSV injection"): a TEXT cell whose first octet
 * is `=`, `+`, `-`, `@`, TAB or CR (the last two no longer occur once escaped) would be run as
 * a formula by a spreadsheet, so it is written with a single quote `'` in front (`=HYPERLINK("x")` → `'=HYPERLINK("x")`, then quoted for
 * its `"`). Only text cells are neutralised: number cells (csv_int, csv_real), which come from
 * JSON numbers, are written as numbers (mxsurvey never writes a negative one), and booleans
 * (`true`/`false`) and empty cells cannot start a formula. Text that merely looks like a
 * number (`-2`, `+1`) is text and is neutralised like any other. */
#ifndef MXS_CSVW_H
#define MXS_CSVW_H
#include <stdio.h>
#include <stddef.h>

#include "core/outfile.h"

/* One row under construction. */
struct csv_row {
    char *buf;
    size_t len, cap;
    size_t ncells;
};

void csv_row_init(struct csv_row *r);
/* Empties the row (keeps its memory). */
void csv_row_clear(struct csv_row *r);
void csv_row_free(struct csv_row *r);

/* A text cell of the n octets at s: control characters escaped, neutralised, then quoted when
 * needed. s NULL: an empty cell (as csv_empty). */
void csv_text(struct csv_row *r, const char *s, size_t n);
/* csv_text of a NUL-terminated string (NULL: an empty cell). */
void csv_str(struct csv_row *r, const char *s);
/* Number cells, never neutralised: a decimal integer; a real with 15 significant digits
 * (as summary.json). */
void csv_int(struct csv_row *r, long long v);
void csv_real(struct csv_row *r, double v);
/* `true` or `false`. */
void csv_bool(struct csv_row *r, int v);
/* An empty cell (JSON null, an absent field). */
void csv_empty(struct csv_row *r);

/* Appends the ncells cells already written at cells (n octets, as a row's buffer holds them:
 * escaped, joined by ',', not ended), after a ',' when r has cells: a part of a row made once
 * and written into many (endpoints_by_domain.csv's endpoint cells). */
void csv_row_append(struct csv_row *r, const char *cells, size_t n, size_t ncells);

/* Ends the row with CRLF and returns its octets (*n set to their number); valid until the
 * row is next changed. */
const char *csv_row_end(struct csv_row *r, size_t *n);

/* Writes one text cell (no separator, no line end) to f by the same rules as csv_str:
 * for writers that mix cells with numbers printed directly. NULL writes nothing. */
void csv_write_cell(FILE *f, const char *s);

/* The rules, for tests, on text already escaped as above: 1 when a text cell of these octets
 * gets the `'` prefix; 1 when a cell of these octets, without that prefix, must be quoted. */
int csv_formula_risk(const char *s, size_t n);
int csv_needs_quotes(const char *s, size_t n);

/* The one way every CSV of mxsurvey names a column made of a prefix and a word of a
 * vocabulary (a pattern, a status): snake_case, "prefix_word" with each '-' and '.' of the word
 * as '_' (`pattern` + `mx-exact` -> `pattern_mx_exact`). Written into buf (cut to its size);
 * returns buf. */
const char *csv_column_word(const char *prefix, const char *word, char *buf, size_t size);

/* A CSV file written atomically (through outfile.h). */
struct csv_file {
    struct outfile out; /* out.path: the destination */
};

/* Creates a temporary file beside path (mode 0644). Returns 0, or -errno. */
int csv_file_open(struct csv_file *cf, const char *path);
/* Writes one complete row (csv_row_end is called here). Returns 0, or -errno. */
int csv_file_put(struct csv_file *cf, struct csv_row *r);
/* Flushes, fsyncs, closes and renames the temporary file onto path. Returns 0, or -errno
 * (then the temporary file is removed and path is untouched). */
int csv_file_commit(struct csv_file *cf);
/* Closes and removes the temporary file; path is untouched. Safe after a failed commit. */
void csv_file_abort(struct csv_file *cf);

#endif

/* csv_json: a JSON value as CSV text, the rules every CSV of mxsurvey shares (out_csv.h,
 * "Flattening a record"): a string as a text cell, an integer or a real as a number cell, a
 * boolean `true`/`false`, null or an absent member an empty cell, a list as one cell of its
 * items joined by ';' (an item's own ';' written \x3b), anything else its compact JSON text;
 * and the growable text and list builders the CSV writers flatten records with.
 *
 * Ownership: a csvj_buf's p is the caller's (free it); a csvj_list borrows its buffer. */
#ifndef MXS_CSV_JSON_H
#define MXS_CSV_JSON_H
#include <stddef.h>

#include <jansson.h>

#include "csvw.h"

/* A growable string (p NUL-terminated once anything was put). */
struct csvj_buf {
    char *p;
    size_t len, cap;
};

void csvj_put(struct csvj_buf *b, const char *s, size_t n);
void csvj_str(struct csvj_buf *b, const char *s);
/* The text of a scalar: a string as it is, an integer in decimal, a real with 15 significant
 * digits, a boolean true/false; anything else (null included) its compact JSON text. */
void csvj_value(struct csvj_buf *b, const json_t *v);

/* A list cell under construction: items joined by ';', an item's own ';' written \x3b. */
struct csvj_list {
    struct csvj_buf *b;
    size_t n;
};
void csvj_list_start(struct csvj_list *l, struct csvj_buf *b);
void csvj_list_add(struct csvj_list *l, const char *s, size_t n);

/* A JSON value as one cell of r (rules above), b its scratch. */
void csvj_cell(struct csv_row *r, const json_t *v, struct csvj_buf *b);
/* The same with a scratch of its own. */
void csv_json_cell(struct csv_row *r, const json_t *v);

#endif

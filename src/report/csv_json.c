/* csv_json: see csv_json.h. */
#include "csv_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ------------------------------------------------------------------ scratch text */

void csvj_put(struct csvj_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void csvj_str(struct csvj_buf *b, const char *s)
{
    csvj_put(b, s, strlen(s));
}

/* The text of a scalar: a string as it is, an integer in decimal, a real with 15 significant
 * digits, a boolean true/false; anything else (null included) its compact JSON text. */
void csvj_value(struct csvj_buf *b, const json_t *v)
{
    char num[64];
    if (json_is_string(v)) {
        csvj_put(b, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        csvj_str(b, num);
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        csvj_str(b, num);
    } else if (json_is_boolean(v)) {
        csvj_str(b, json_is_true(v) ? "true" : "false");
    } else if (v) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s)
            csvj_str(b, s);
        free(s);
    }
}

void csvj_list_start(struct csvj_list *l, struct csvj_buf *b)
{
    l->b = b;
    l->n = 0;
    b->len = 0;
    csvj_put(b, "", 0);
}

void csvj_list_add(struct csvj_list *l, const char *s, size_t n)
{
    if (l->n++)
        csvj_put(l->b, ";", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ';')
            csvj_str(l->b, "\\x3b");
        else
            csvj_put(l->b, s + i, 1);
    }
}

/* ------------------------------------------------------------------ cells */

/* A JSON value as one cell (see out_csv.h). */
void csvj_cell(struct csv_row *r, const json_t *v, struct csvj_buf *b)
{
    if (!v || json_is_null(v)) {
        csv_empty(r);
    } else if (json_is_string(v)) {
        csv_text(r, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        csv_int(r, (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        csv_real(r, json_real_value(v));
    } else if (json_is_boolean(v)) {
        csv_bool(r, json_is_true(v));
    } else if (json_is_array(v)) {
        struct csvj_list l;
        struct csvj_buf item = {0};
        csvj_list_start(&l, b);
        size_t i;
        const json_t *it;
        json_array_foreach(v, i, it) {
            item.len = 0;
            csvj_put(&item, "", 0);
            csvj_value(&item, it);
            csvj_list_add(&l, item.p, item.len);
        }
        free(item.p);
        csv_text(r, b->p, b->len);
    } else {
        b->len = 0;
        csvj_value(b, v);
        csv_text(r, b->p, b->len);
    }
}

void csv_json_cell(struct csv_row *r, const json_t *v)
{
    struct csvj_buf b = {0};
    csvj_cell(r, v, &b);
    free(b.p);
}


/* csvw: see csvw.h. */
#include "csvw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"

/* ------------------------------------------------------------------ rows */

void csv_row_init(struct csv_row *r)
{
    memset(r, 0, sizeof(*r));
}

void csv_row_clear(struct csv_row *r)
{
    r->len = 0;
    r->ncells = 0;
}

void csv_row_free(struct csv_row *r)
{
    free(r->buf);
    csv_row_init(r);
}

static void reserve(struct csv_row *r, size_t more)
{
    if (r->len + more <= r->cap)
        return;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < r->len + more)
        cap *= 2;
    r->buf = xrealloc(r->buf, cap);
    r->cap = cap;
}

static void put(struct csv_row *r, const char *s, size_t n)
{
    reserve(r, n);
    memcpy(r->buf + r->len, s, n);
    r->len += n;
}

static void putc1(struct csv_row *r, char c)
{
    put(r, &c, 1);
}

/* The separator before every cell but the first. */
static void cell_start(struct csv_row *r)
{
    if (r->ncells++)
        putc1(r, ',');
}

const char *csv_column_word(const char *prefix, const char *word, char *buf, size_t size)
{
    if (!size)
        return buf;
    int n = snprintf(buf, size, "%s_%s", prefix, word);
    size_t end = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
    for (size_t i = strlen(prefix) + 1; i < end; i++)
        if (buf[i] == '-' || buf[i] == '.')
            buf[i] = '_';
    return buf;
}

int csv_formula_risk(const char *s, size_t n)
{
    if (!n)
        return 0;
    switch (s[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return 1;
    }
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether a cell must be quoted; prefixed: it will begin with the `'` of neutralisation (so
 * never with a blank). */
static int quote_needed(const char *s, size_t n, int prefixed)
{
    if (!n)
        return 0;
    if ((!prefixed && is_blank(s[0])) || is_blank(s[n - 1]))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == ',' || s[i] == '\r' || s[i] == '\n')
            return 1;
    return 0;
}

int csv_needs_quotes(const char *s, size_t n)
{
    return quote_needed(s, n, 0);
}

void csv_text(struct csv_row *r, const char *s, size_t n)
{
    cell_start(r);
    if (!s || !n)
        return;
    /* No raw control character in a cell (a terminal or a spreadsheet would act on it), and
     * one line per row: text_visible() writes C0, DEL and C1 (and octets that are not UTF-8)
     * as \xHH, which the text notation of text.h decodes back to the same octets. */
    char *v = text_visible(s, n);
    s = v;
    n = strlen(v);
    int prefix = csv_formula_risk(s, n);
    int quote = quote_needed(s, n, prefix);
    reserve(r, 2 * n + 3);
    if (quote)
        putc1(r, '"');
    if (prefix)
        putc1(r, '\'');
    if (!quote) {
        put(r, s, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"')
                putc1(r, '"');
            putc1(r, s[i]);
        }
        putc1(r, '"');
    }
    free(v);
}

void csv_str(struct csv_row *r, const char *s)
{
    csv_text(r, s, s ? strlen(s) : 0);
}

void csv_row_append(struct csv_row *r, const char *cells, size_t n, size_t ncells)
{
    if (!ncells)
        return;
    cell_start(r);
    put(r, cells, n);
    r->ncells += ncells - 1;
}

void csv_int(struct csv_row *r, long long v)
{
    char b[32];
    int n = snprintf(b, sizeof(b), "%lld", v);
    cell_start(r);
    put(r, b, (size_t)n);
}

void csv_real(struct csv_row *r, double v)
{
    char b[64];
    int n = snprintf(b, sizeof(b), "%.15g", v);
    cell_start(r);
    put(r, b, (size_t)n);
}

void csv_bool(struct csv_row *r, int v)
{
    cell_start(r);
    put(r, v ? "true" : "false", v ? 4 : 5);
}

void csv_empty(struct csv_row *r)
{
    cell_start(r);
}

void csv_write_cell(FILE *f, const char *s)
{
    struct csv_row r;
    csv_row_init(&r);
    csv_str(&r, s);
    if (r.len)
        fwrite(r.buf, 1, r.len, f);
    csv_row_free(&r);
}

const char *csv_row_end(struct csv_row *r, size_t *n)
{
    put(r, "\r\n", 2);
    *n = r->len;
    return r->buf;
}

/* ------------------------------------------------------------------ files */

int csv_file_open(struct csv_file *cf, const char *path)
{
    return outfile_create(&cf->out, path);
}

int csv_file_put(struct csv_file *cf, struct csv_row *r)
{
    size_t n;
    const char *s = csv_row_end(r, &n);
    errno = 0;
    if (fwrite(s, 1, n, cf->out.f) != n)
        return -(errno ? errno : EIO);
    return 0;
}

int csv_file_commit(struct csv_file *cf)
{
    struct outfile *o = &cf->out;
    return outfile_finish(&o, 1, NULL);
}

void csv_file_abort(struct csv_file *cf)
{
    outfile_abort(&cf->out);
}

/* jsonl: see jsonl.h. */
#include "jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* One line at a time from f, at most JSONL_LINE_MAX octets of it kept. */
struct lreader {
    FILE *f;
    char *buf;
    size_t len, cap;
    int too_long;      /* the line was longer than JSONL_LINE_MAX: buf holds its start */
    int newline;       /* it ended with '\n' (else the file ended) */
    long long off;     /* of the line's first octet */
    long long next;    /* of the octet after it */
};

/* 1: a line; 0: the end of the file; -1: a read error (errno). */
static int read_line(struct lreader *r)
{
    r->len = 0;
    r->too_long = r->newline = 0;
    r->off = r->next;
    int c, any = 0;
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = 1;
        r->next++;
        if (c == '\n') {
            r->newline = 1;
            break;
        }
        if (r->len >= JSONL_LINE_MAX) {
            r->too_long = 1; /* skipped to its end, never held */
            continue;
        }
        if (r->len + 1 >= r->cap) {
            r->cap = r->cap ? r->cap * 2 : 4096;
            r->buf = xrealloc(r->buf, r->cap);
        }
        r->buf[r->len++] = (char)c;
    }
    if (c == EOF && ferror(r->f))
        return -1;
    if (!any)
        return 0;
    if (!r->buf)
        r->buf = xmalloc(r->cap = 1);
    r->buf[r->len] = '\0';
    return 1;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    default: return "not an object";
    }
}

json_t *jsonl_parse(const char *line, size_t len, int newline, char *why, size_t whylen)
{
    if (len > JSONL_LINE_MAX) {
        snprintf(why, whylen, "line longer than %u MiB", JSONL_LINE_MAX >> 20);
        return NULL;
    }
    const char *nul = memchr(line, '\0', len);
    json_t *rec = NULL;
    json_error_t je;
    if (nul)
        snprintf(why, whylen, "a NUL octet at column %zu", (size_t)(nul - line) + 1);
    else if (!(rec = json_loadb(line, len, JSON_DECODE_ANY, &je)))
        snprintf(why, whylen, "malformed JSON at column %d: %s", je.column, je.text);
    else if (!json_is_object(rec))
        snprintf(why, whylen, "not a JSON object (%s)", type_name(rec));
    if (json_is_object(rec))
        return rec;
    json_decref(rec);
    if (!newline) { /* what our writer never leaves: it writes whole lines */
        size_t n = strlen(why);
        snprintf(why + n, whylen - n, " (the last line has no newline at the end: a cut write?)");
    }
    return NULL;
}

/* The object on the line in r, or NULL with why set. */
static json_t *parse(const struct lreader *r, char *why, size_t whylen)
{
    /* An over-long line was never held: its length says so. */
    return jsonl_parse(r->buf, r->too_long ? (size_t)JSONL_LINE_MAX + 1 : r->len, r->newline,
                       why, whylen);
}

int jsonl_each(const char *path, struct jsonl_opts *o, jsonl_cb cb, void *arg, char *err,
               size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return JSONL_ERROR;
    }
    struct lreader r = {.f = f};
    const char *prog = o && o->prog ? o->prog : "mxsurvey";
    unsigned long lineno = 0, skipped = 0;
    int rc = JSONL_OK, got;
    char why[512];
    if (o)
        o->torn = 0;
    while ((got = read_line(&r)) > 0) {
        lineno++;
        if (!r.newline && o && o->whole_lines_only) {
            o->torn = r.next - r.off;
            break;
        }
        if (!r.too_long && is_blank(r.buf, r.len))
            continue;
        struct jsonl_rec rec = {.path = path, .line = lineno, .offset = r.off};
        rec.obj = parse(&r, why, sizeof(why));
        int v = rec.obj ? cb(arg, &rec, why, sizeof(why)) : JSONL_REFUSE;
        json_decref(rec.obj);
        if (v == JSONL_STOP) {
            rc = JSONL_STOPPED;
            break;
        }
        if (v != JSONL_REFUSE)
            continue;
        if (!o || !o->lenient) {
            snprintf(err, errlen, "%s:%lu: %s", path, lineno, why);
            rc = JSONL_ERROR;
            break;
        }
        if (skipped++ < JSONL_MAX_WARNINGS && !o->silent)
            fprintf(stderr, "%s: warning: %s:%lu: %s; line skipped\n", prog, path, lineno, why);
    }
    if (got < 0 && rc == JSONL_OK) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = JSONL_ERROR;
    }
    if (skipped > JSONL_MAX_WARNINGS && !o->silent)
        fprintf(stderr, "%s: warning: %s: %lu more damaged lines skipped (%lu in all)\n", prog,
                path, skipped - JSONL_MAX_WARNINGS, skipped);
    if (o)
        o->skipped += skipped;
    free(r.buf);
    fclose(f);
    return rc;
}

json_t *jsonl_read_at(const char *path, long long offset, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct lreader r = {.f = f, .next = offset};
    json_t *rec = NULL;
    char why[512];
    int got = fseeko(f, (off_t)offset, SEEK_SET) == 0 ? read_line(&r) : -1;
    if (got < 0)
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
    else if (got == 0)
        snprintf(err, errlen, "%s: no line at offset %lld (the file changed?)", path, offset);
    else if (!(rec = parse(&r, why, sizeof(why))))
        snprintf(err, errlen, "%s: the line at offset %lld: %s", path, offset, why);
    free(r.buf);
    fclose(f);
    return rec;
}

json_t *jsonl_read_object(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        if (je.line > 0)
            snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        else
            snprintf(err, errlen, "%s: %s", path, je.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen, "%s: not a JSON object", path);
        json_decref(o);
        return NULL;
    }
    return o;
}

long long jsonl_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static int cmp_count(const void *x, const void *y)
{
    const struct jsonl_count *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->key, b->key);
}

struct jsonl_count *jsonl_counts_sorted(const json_t *map, size_t *n)
{
    struct jsonl_count *c = xcalloc(json_object_size(map) + 1, sizeof(*c));
    size_t k = 0;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)map, key, v)
        c[k++] = (struct jsonl_count){.key = key, .n = json_is_integer(v) ? json_integer_value(v) : 0};
    qsort(c, k, sizeof(*c), cmp_count);
    *n = k;
    return c;
}

json_t *jsonl_hex(const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *jsonl_word(const char *w)
{
    return w ? json_string(w) : json_null();
}

/* sum_issuers: see sum_issuers.h. */
#include "sum_issuers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "core/hmap.h"
#include "core/util.h"

#define KEY_NULL "null" /* as summary.c: the field is absent or null */

/* value -> count, the count being the map's value (as summary.c's tally). */
static void count_add(struct hmap *m, const char *key, unsigned long n)
{
    uintptr_t v = (uintptr_t)hmap_get(m, key);
    hmap_put(m, key, (void *)(v + n));
}

static void count_json_cb(void *arg, const char *key, void *val)
{
    json_object_set_new(arg, key, json_integer((json_int_t)(uintptr_t)val));
}

static json_t *count_json(const struct hmap *m)
{
    json_t *o = json_object();
    hmap_foreach(m, count_json_cb, o);
    return o;
}

struct merge {
    struct hmap *into;
};

static void merge_cb(void *arg, const char *key, void *val)
{
    count_add(((struct merge *)arg)->into, key, (unsigned long)(uintptr_t)val);
}

/* The key a string field counts under: itself, "null", or "unknown" (summary.c's rule). */
static const char *str_key(const json_t *v)
{
    if (!v || json_is_null(v))
        return KEY_NULL;
    return json_is_string(v) ? json_string_value(v) : "unknown";
}

struct row {
    char *o, *cn; /* a CA row's names (NULL: null); the special rows have neither */
    unsigned long endpoints, domains, strict, tls_domains;
    struct hmap by_wildcard, by_pattern, by_root;
};

enum { ROW_SELF_SIGNED, ROW_UNKNOWN, ROW_SPECIAL };

struct sum_issuers {
    struct hmap ids;     /* CA row key -> index + 1 into rows */
    struct hmap ep_row;  /* endpoint join key -> row index + 1 */
    struct row **rows;   /* [ROW_SELF_SIGNED], [ROW_UNKNOWN], then the CA rows */
    size_t nrows, cap;
    unsigned long endpoints, domains;
};

static struct row *row_new(const char *o, const char *cn)
{
    struct row *r = xcalloc(1, sizeof(*r));
    r->o = o ? xstrdup(o) : NULL;
    r->cn = cn ? xstrdup(cn) : NULL;
    hmap_init(&r->by_wildcard);
    hmap_init(&r->by_pattern);
    hmap_init(&r->by_root);
    return r;
}

static void row_free(struct row *r)
{
    if (!r)
        return;
    free(r->o);
    free(r->cn);
    hmap_free(&r->by_wildcard, NULL);
    hmap_free(&r->by_pattern, NULL);
    hmap_free(&r->by_root, NULL);
    free(r);
}

static size_t push(struct sum_issuers *s, struct row *r)
{
    if (s->nrows == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->rows = xrealloc(s->rows, s->cap * sizeof(*s->rows));
    }
    s->rows[s->nrows++] = r;
    return s->nrows - 1;
}

struct sum_issuers *sum_issuers_new(void)
{
    struct sum_issuers *s = xcalloc(1, sizeof(*s));
    hmap_init(&s->ids);
    hmap_init(&s->ep_row);
    push(s, row_new(NULL, NULL)); /* ROW_SELF_SIGNED */
    push(s, row_new(NULL, NULL)); /* ROW_UNKNOWN */
    return s;
}

void sum_issuers_free(struct sum_issuers *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nrows; i++)
        row_free(s->rows[i]);
    free(s->rows);
    hmap_free(&s->ids, NULL);
    hmap_free(&s->ep_row, NULL);
    free(s);
}

/* The CA row of (o, cn), made on first sight. The key holds each part's length (-1: null), so
 * no two pairs share one whatever their text holds. */
static size_t ca_row(struct sum_issuers *s, const char *o, const char *cn)
{
    size_t lo = o ? strlen(o) : 0, lc = cn ? strlen(cn) : 0, n = lo + lc + 48;
    char *key = xmalloc(n);
    snprintf(key, n, "%ld:%s|%ld:%s", o ? (long)lo : -1L, o ? o : "", cn ? (long)lc : -1L,
             cn ? cn : "");
    size_t id = (size_t)(uintptr_t)hmap_get(&s->ids, key);
    if (!id) {
        id = push(s, row_new(o, cn)) + 1;
        hmap_put(&s->ids, key, (void *)(uintptr_t)id);
    }
    free(key);
    return id - 1;
}

void sum_issuers_endpoint(struct sum_issuers *s, const char *key, const json_t *h)
{
    const json_t *cert = json_object_get(h, "cert");
    if (!cert || json_is_null(cert))
        return; /* no certificate: no issuer to count */
    const json_t *is = json_object_get(h, "issuer");
    size_t id;
    if (!json_is_object(is))
        id = ROW_UNKNOWN;
    else if (json_is_true(json_object_get(is, "self_signed")))
        id = ROW_SELF_SIGNED;
    else
        id = ca_row(s, json_string_value(json_object_get(is, "o")),
                    json_string_value(json_object_get(is, "cn")));
    struct row *r = s->rows[id];
    s->endpoints++;
    r->endpoints++;
    count_add(&r->by_wildcard, str_key(json_object_get(h, "wildcard")), 1);
    count_add(&r->by_root, str_key(json_object_get(is, "root")), 1);
    if (key)
        hmap_put(&s->ep_row, key, (void *)(uintptr_t)(id + 1));
}

void sum_issuers_domain(struct sum_issuers *s, const char *primary_key, const json_t *d)
{
    size_t id = primary_key ? (size_t)(uintptr_t)hmap_get(&s->ep_row, primary_key) : 0;
    if (!id)
        return;
    struct row *r = s->rows[id - 1];
    const json_t *pattern = json_object_get(d, "pattern");
    int p = classify_pattern_parse(json_string_value(pattern));
    s->domains++;
    r->domains++;
    count_add(&r->by_pattern, str_key(pattern), 1);
    /* The strict verdict of summary.json's shares.strict, over the same denominator (a TLS
     * pattern), per issuer. */
    r->tls_domains += p >= 0 && p <= PATTERN_UNRELATED;
    r->strict += p == PATTERN_MX_EXACT || p == PATTERN_MX_WILDCARD;
}

/* Most endpoints first, then most domains, then O and CN in byte order (null first). */
static int cmp_str_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_rows(const void *x, const void *y)
{
    const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
    if (a->endpoints != b->endpoints)
        return a->endpoints > b->endpoints ? -1 : 1;
    if (a->domains != b->domains)
        return a->domains > b->domains ? -1 : 1;
    int c = cmp_str_null(a->o, b->o);
    return c ? c : cmp_str_null(a->cn, b->cn);
}

static json_t *row_json(const struct row *r, int named)
{
    json_t *o = json_object(), *st = json_object();
    if (named) {
        json_object_set_new(o, "o", r->o ? json_string(r->o) : json_null());
        json_object_set_new(o, "cn", r->cn ? json_string(r->cn) : json_null());
        json_object_set_new(o, "by_root", count_json(&r->by_root));
    }
    json_object_set_new(o, "endpoints", json_integer((json_int_t)r->endpoints));
    json_object_set_new(o, "domains", json_integer((json_int_t)r->domains));
    json_object_set_new(o, "by_wildcard", count_json(&r->by_wildcard));
    json_object_set_new(o, "by_pattern", count_json(&r->by_pattern));
    json_object_set_new(st, "numerator", json_integer((json_int_t)r->strict));
    json_object_set_new(st, "denominator", json_integer((json_int_t)r->tls_domains));
    json_object_set_new(st, "share", r->tls_domains ? json_real((double)r->strict / (double)r->tls_domains)
                                                    : json_null());
    json_object_set_new(o, "strict", st);
    return o;
}

json_t *sum_issuers_json(struct sum_issuers *s)
{
    size_t nca = s->nrows - ROW_SPECIAL;
    struct row **ca = xcalloc(nca + 1, sizeof(*ca));
    memcpy(ca, s->rows + ROW_SPECIAL, nca * sizeof(*ca));
    qsort(ca, nca, sizeof(*ca), cmp_rows);
    json_t *o = json_object(), *top = json_array();
    for (size_t i = 0; i < nca && i < SUM_ISSUERS_TOP; i++)
        json_array_append_new(top, row_json(ca[i], 1));
    /* The rest, merged. */
    struct row *other = row_new(NULL, NULL);
    for (size_t i = SUM_ISSUERS_TOP; i < nca; i++) {
        other->endpoints += ca[i]->endpoints;
        other->domains += ca[i]->domains;
        other->strict += ca[i]->strict;
        other->tls_domains += ca[i]->tls_domains;
        struct merge m[] = {{&other->by_wildcard}, {&other->by_pattern}};
        hmap_foreach(&ca[i]->by_wildcard, merge_cb, &m[0]);
        hmap_foreach(&ca[i]->by_pattern, merge_cb, &m[1]);
    }
    json_t *oj = row_json(other, 0);
    json_object_set_new(oj, "issuers", json_integer((json_int_t)(nca > SUM_ISSUERS_TOP ? nca - SUM_ISSUERS_TOP : 0)));
    row_free(other);
    free(ca);
    json_object_set_new(o, "endpoints", json_integer((json_int_t)s->endpoints));
    json_object_set_new(o, "domains", json_integer((json_int_t)s->domains));
    json_object_set_new(o, "issuers", json_integer((json_int_t)nca));
    json_object_set_new(o, "top", top);
    json_object_set_new(o, "self_signed", row_json(s->rows[ROW_SELF_SIGNED], 0));
    json_object_set_new(o, "unknown", row_json(s->rows[ROW_UNKNOWN], 0));
    json_object_set_new(o, "others", oj);
    return o;
}

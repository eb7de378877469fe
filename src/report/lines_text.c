/* lines_text: see lines_text.h. */
#include "lines_text.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "input/input.h"

struct kv {
    const char *key;
    long long n;
};

static int cmp_kv(const void *x, const void *y)
{
    const struct kv *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void put_key(FILE *f, const char *s)
{
    char *v = text_visible(s, strlen(s));
    fputs(v, f);
    free(v);
}

/* "  WHAT by status: TOTAL (k n, k n, ...)"; the key skip (may be NULL) left out of the list
 * and said after it (counted once). */
static void line(FILE *f, const char *what, const json_t *obj, const char *skip)
{
    const json_t *map = json_object_get(obj, "by_status"), *total = json_object_get(obj, "total");
    struct kv *kv = xcalloc(json_object_size(map) + 1, sizeof(*kv));
    size_t n = 0;
    long long skipped = 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        long long c = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
        if (skip && strcmp(k, skip) == 0)
            skipped = c;
        else
            kv[n++] = (struct kv){.key = k, .n = c};
    }
    qsort(kv, n, sizeof(*kv), cmp_kv);
    fprintf(f, "  %s by status: %lld (", what,
            json_is_integer(total) ? (long long)json_integer_value(total) : 0);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        put_key(f, kv[i].key);
        fprintf(f, " %lld", kv[i].n);
    }
    if (skipped) {
        fprintf(f, "%s", n ? "; " : "");
        put_key(f, skip);
        fprintf(f, " %lld: counted once", skipped);
    }
    fputs(")\n", f);
    free(kv);
}

void lines_text_print(FILE *f, const json_t *s)
{
    line(f, "domains", json_object_get(s, "domains"), input_status_str(INPUT_DUPLICATE));
    line(f, "endpoints", json_object_get(s, "endpoints"), NULL);
}

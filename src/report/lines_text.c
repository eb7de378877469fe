/* lines_text: see lines_text.h. */
#include "lines_text.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonl.h"
#include "core/text.h"
#include "core/util.h"
#include "input/input.h"

/* "  WHAT by status: TOTAL (k n, k n, ...)"; the key skip (may be NULL) left out of the list
 * and said after it (counted once). */
static void line(FILE *f, const char *what, const json_t *obj, const char *skip)
{
    const json_t *map = json_object_get(obj, "by_status"), *total = json_object_get(obj, "total");
    size_t n, listed = 0;
    struct jsonl_count *kv = jsonl_counts_sorted(map, &n);
    long long skipped = 0;
    fprintf(f, "  %s by status: %lld (", what,
            json_is_integer(total) ? (long long)json_integer_value(total) : 0);
    for (size_t i = 0; i < n; i++) {
        if (skip && strcmp(kv[i].key, skip) == 0) {
            skipped = kv[i].n;
            continue;
        }
        fputs(listed++ ? ", " : "", f);
        text_put_visible(f, kv[i].key);
        fprintf(f, " %lld", kv[i].n);
    }
    if (skipped) {
        fprintf(f, "%s", listed ? "; " : "");
        text_put_visible(f, skip);
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

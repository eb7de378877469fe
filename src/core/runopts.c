/* runopts: see runopts.h. */
#include "runopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* How fast, and through which resolver, a scan goes, and its folder; never what a record says. */
static const char *const pace[] = {
    "concurrency", "per-ip", "rate", "max-domains", "dns-concurrency", "resolver",
    "retry-delay", "max-dns-errors", "quiet", "threads",
    "out", "resume", /* the folder itself */
};

int runopt_sets_pace(const char *option)
{
    for (size_t i = 0; i < ARRAY_LEN(pace); i++)
        if (strcmp(option, pace[i]) == 0)
            return 1;
    return 0;
}

/* An older run.json's text for a number ("10", "2.5", "20%"), as the number; 0 on success. */
static int text_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && *end == '%')
        end++;
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int runopt_equal(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return a == b;
    if (json_equal((json_t *)a, (json_t *)b))
        return 1;
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!runopt_equal(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    }
    if (json_is_string(a) && json_is_number(b)) {
        const json_t *t = a;
        a = b;
        b = t;
    }
    double v;
    return json_is_number(a) && json_is_string(b) && text_number(json_string_value(b), &v) == 0 &&
           v == json_number_value(a);
}

int runopt_diffs(const json_t *old, const json_t *now, runopt_diff_fn fn, void *arg)
{
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach((json_t *)old, k, v) {
        const json_t *w = json_object_get(now, k);
        if (!runopt_sets_pace(k) && !runopt_equal(v, w)) {
            fn(arg, k, v, w);
            n++;
        }
    }
    json_object_foreach((json_t *)now, k, v)
        if (!runopt_sets_pace(k) && !json_object_get(old, k)) {
            fn(arg, k, NULL, v);
            n++;
        }
    return n;
}

/* sum_provider: see sum_provider.h. */
#include "sum_provider.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/mxshape.h"
#include "core/util.h"

/* The policies each provider has a share of, in summary.json's order. */
static const enum policy provider_policies[] = {POLICY_STRICT, POLICY_MULTILABEL, POLICY_RFC9525};

void sum_provider_init(struct sum_provider *sp)
{
    memset(sp, 0, sizeof(*sp));
    hmap_init(&sp->names);
    hmap_init(&sp->shapes);
}

void sum_provider_free(struct sum_provider *sp)
{
    hmap_free(&sp->names, NULL);
    hmap_free(&sp->shapes, NULL);
    free(sp->counts);
    free(sp->key);
    memset(sp, 0, sizeof(*sp));
}

/* "<id>\n<text>" in sp->key (valid until the next call). */
static const char *key(struct sum_provider *sp, size_t id, const char *text)
{
    size_t need = strlen(text) + 32;
    if (need > sp->key_cap) {
        sp->key = xrealloc(sp->key, need);
        sp->key_cap = need;
    }
    snprintf(sp->key, sp->key_cap, "%zu\n%s", id, text);
    return sp->key;
}

static void bump(struct hmap *m, const char *k)
{
    uintptr_t n = (uintptr_t)hmap_get(m, k);
    hmap_put(m, k, (void *)(n + 1));
}

void sum_provider_endpoint(struct sum_provider *sp, size_t id, const json_t *h)
{
    const json_t *pres = json_object_get(h, "presented");
    size_t n = json_array_size(pres);
    for (size_t i = 0; id && i < n; i++) {
        const char *name = json_string_value(json_array_get(pres, i));
        int seen = !name;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *other = json_string_value(json_array_get(pres, j));
            seen = other && strcmp(other, name) == 0;
        }
        if (!seen)
            bump(&sp->names, key(sp, id, name));
    }
}

void sum_provider_domain(struct sum_provider *sp, size_t id, const json_t *d,
                         const enum policy_verdict v[POLICY_COUNT])
{
    if (!id)
        return;
    if (id > sp->ncounts) {
        size_t cap = sp->ncounts ? sp->ncounts : 64;
        while (cap < id)
            cap *= 2;
        sp->counts = xrealloc(sp->counts, cap * sizeof(*sp->counts));
        memset(sp->counts + sp->ncounts, 0, (cap - sp->ncounts) * sizeof(*sp->counts));
        sp->ncounts = cap;
    }
    struct sum_provider_counts *c = &sp->counts[id - 1];
    if (v[POLICY_STRICT] != POLICY_NA) {
        c->with_tls++;
        for (int p = 0; p < POLICY_COUNT; p++)
            c->accepted[p] += v[p] == POLICY_ACCEPT;
    }
    const json_t *mx0 = json_array_get(json_object_get(d, "mx"), 0);
    char *shape = mxshape(json_string_value(json_object_get(mx0, "host")),
                          json_string_value(json_object_get(d, "domain")));
    if (shape)
        bump(&sp->shapes, key(sp, id, shape));
    free(shape);
}

/* ------------------------------------------------------------------ ranking */

struct ranked {
    const char *text; /* borrowed from the map's key */
    unsigned long n;
};

/* Most first, then byte order. Returns 1 when a ranks before b. */
static int before(const struct ranked *a, const struct ranked *b)
{
    return a->n != b->n ? a->n > b->n : strcmp(a->text, b->text) < 0;
}

struct rank_job {
    const size_t *ids;
    size_t n;
    struct ranked *top; /* n rows of `keep` */
    size_t keep;
};

static void rank_cb(void *arg, const char *k, void *val)
{
    struct rank_job *j = arg;
    char *end;
    unsigned long long id = strtoull(k, &end, 10);
    if (*end != '\n')
        return;
    struct ranked r = {.text = end + 1, .n = (unsigned long)(uintptr_t)val};
    for (size_t i = 0; i < j->n; i++) {
        if (j->ids[i] != id)
            continue;
        struct ranked *row = j->top + i * j->keep;
        /* insert into the row's best `keep`, which are sorted, empty slots (n 0) last */
        for (size_t s = 0; s < j->keep; s++) {
            if (row[s].n && !before(&r, &row[s]))
                continue;
            memmove(row + s + 1, row + s, (j->keep - s - 1) * sizeof(*row));
            row[s] = r;
            break;
        }
    }
}

static struct ranked *rank(const struct hmap *m, const size_t *ids, size_t n, size_t keep)
{
    struct rank_job j = {.ids = ids, .n = n, .top = xcalloc(n * keep + 1, sizeof(struct ranked)),
                         .keep = keep};
    hmap_foreach(m, rank_cb, &j);
    return j.top;
}

static json_t *share_json(unsigned long num, unsigned long den)
{
    json_t *o = json_object();
    json_object_set_new(o, "numerator", json_integer((json_int_t)num));
    json_object_set_new(o, "denominator", json_integer((json_int_t)den));
    json_object_set_new(o, "share", den ? json_real((double)num / (double)den) : json_null());
    return o;
}

void sum_provider_finish(struct sum_provider *sp, const size_t *ids, json_t *const *objs,
                         size_t n)
{
    struct ranked *names = rank(&sp->names, ids, n, SUM_PROVIDER_TOP_NAMES);
    struct ranked *shapes = rank(&sp->shapes, ids, n, 1);
    for (size_t i = 0; i < n; i++) {
        static const struct sum_provider_counts zero;
        const struct sum_provider_counts *c =
            ids[i] && ids[i] <= sp->ncounts ? &sp->counts[ids[i] - 1] : &zero;
        json_t *pol = json_object(), *top = json_array();
        for (size_t k = 0; k < ARRAY_LEN(provider_policies); k++)
            json_object_set_new(pol, policy_str(provider_policies[k]),
                                share_json(c->accepted[provider_policies[k]], c->with_tls));
        json_object_set_new(objs[i], "policies", pol);
        for (size_t k = 0; k < SUM_PROVIDER_TOP_NAMES; k++) {
            const struct ranked *r = &names[i * SUM_PROVIDER_TOP_NAMES + k];
            if (!r->n)
                break;
            json_t *e = json_object();
            json_object_set_new(e, "name", json_string(r->text));
            json_object_set_new(e, "endpoints", json_integer((json_int_t)r->n));
            json_array_append_new(top, e);
        }
        json_object_set_new(objs[i], "presented_top", top);
        json_t *shape = json_null();
        if (shapes[i].n) {
            shape = json_object();
            json_object_set_new(shape, "shape", json_string(shapes[i].text));
            json_object_set_new(shape, "domains", json_integer((json_int_t)shapes[i].n));
        }
        json_object_set_new(objs[i], "mx_shape", shape);
    }
    free(names);
    free(shapes);
}

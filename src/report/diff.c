/* diff: see diff.h. The outputs are defined in docs/schema.md ("diff.json", "diff.csv"); keep
 * the two in step (tests/unit/test_diff.c checks the key list).
 *
 * The passes: (1) the headline shares of both folders' summary.json (made when missing);
 * (2) OLD/hosts.jsonl into the endpoint table, then OLD/domains.jsonl into the domain table
 * (one compact struct dstate per domain); (3) the endpoint table emptied, NEW/hosts.jsonl into
 * it, then NEW/domains.jsonl streamed against the domain table, marking each domain seen and
 * keeping the new values of changed ones only; (4) the appeared, vanished and changed domains
 * collected from the table and sorted by key (byte order); (5) the old MX sets of domains whose
 * MX set changed, read back from their lines by offset; (6) the outputs (diff_out.c). */
#include "diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <mbedtls/sha256.h>

#include "core/hmap.h"
#include "core/jsonl.h"
#include "core/rundir.h"
#include "core/runopts.h"
#include "input/input.h"
#include "summary.h"
#include "core/util.h"

/* ------------------------------------------------------------------ interned strings */

/* Patterns and certificate digests are few and shared by many domains: each distinct string
 * is kept once, and a domain holds its 32-bit id (0 stands for null). Both runs share the
 * table, so equal ids mean equal strings. */
static uint32_t strtab_id(struct diff_strtab *t, const char *s)
{
    if (!s)
        return 0;
    uint32_t id = (uint32_t)(uintptr_t)hmap_get(&t->ids, s);
    if (id)
        return id;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->s = xrealloc(t->s, t->cap * sizeof(*t->s));
    }
    t->s[t->n++] = xstrdup(s);
    hmap_put(&t->ids, s, (void *)(uintptr_t)t->n);
    return (uint32_t)t->n;
}

/* ------------------------------------------------------------------ the endpoint table */

/* An endpoint's value packs what a domain takes from its primary: bit 0 always set (never
 * NULL), bits 1-2 the trust, bits 3 and up the certificate digest's id. */
static uintptr_t ep_pack(uint32_t sha, enum diff_trust t)
{
    return (uintptr_t)sha << 3 | (uintptr_t)t << 1 | 1u;
}
static uint32_t ep_sha(uintptr_t v) { return (uint32_t)(v >> 3); }
static enum diff_trust ep_trust(uintptr_t v) { return (enum diff_trust)(v >> 1 & 3); }

/* The join key of an endpoint, "<length of ip>:<ip> <mx_host>" (unambiguous whatever the
 * strings hold), in x->key until the next call; NULL when either is not a string. */
static const char *ep_key(struct diff *x, const json_t *obj)
{
    const char *mx = json_string_value(json_object_get(obj, "mx_host"));
    const char *ip = json_string_value(json_object_get(obj, "ip"));
    if (!mx || !ip)
        return NULL;
    size_t need = strlen(mx) + strlen(ip) + 32;
    if (need > x->key_cap) {
        x->key = xrealloc(x->key, need);
        x->key_cap = need;
    }
    snprintf(x->key, x->key_cap, "%zu:%s %s", strlen(ip), ip, mx);
    return x->key;
}

static const char *add_host(struct diff *x, const json_t *h, long long off)
{
    (void)off;
    const json_t *valid = json_object_get(json_object_get(h, "trust"), "valid");
    enum diff_trust t = !json_is_boolean(valid) ? TRUST_NULL
                        : json_is_true(valid)    ? TRUST_TRUE
                                                 : TRUST_FALSE;
    const char *sha = json_string_value(json_object_get(json_object_get(h, "cert"), "sha256"));
    const char *key = ep_key(x, h);
    if (key) /* a repeated endpoint: the last record wins, as in summary.json */
        hmap_put(&x->eps, key, (void *)ep_pack(strtab_id(&x->strs, sha), t));
    return NULL;
}

/* ------------------------------------------------------------------ MX sets */

struct mx_ent {
    json_int_t pref;
    const char *host; /* borrowed from the record */
};

static int cmp_mx(const void *a, const void *b)
{
    const struct mx_ent *x = a, *y = b;
    if (x->pref != y->pref)
        return x->pref < y->pref ? -1 : 1;
    return strcmp(x->host, y->host);
}

/* The MX set of a domain record: the entries of `mx` with an integer pref and a string host,
 * sorted by pref then host, duplicates dropped. Returns a new array (caller frees) of *n. */
static struct mx_ent *mx_set(const json_t *d, size_t *n)
{
    const json_t *mx = json_object_get(d, "mx");
    size_t total = json_array_size(mx), k = 0;
    struct mx_ent *e = xcalloc(total ? total : 1, sizeof(*e));
    for (size_t i = 0; i < total; i++) {
        const json_t *m = json_array_get(mx, i);
        const json_t *pref = json_object_get(m, "pref");
        const char *host = json_string_value(json_object_get(m, "host"));
        if (json_is_integer(pref) && host)
            e[k++] = (struct mx_ent){.pref = json_integer_value(pref), .host = host};
    }
    qsort(e, k, sizeof(*e), cmp_mx);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || cmp_mx(&e[u - 1], &e[i]) != 0)
            e[u++] = e[i];
    *n = u;
    return e;
}

/* SHA-256 of the set, cut to DIFF_MX_DIGEST octets: "<pref> <length>:<host>" per entry. */
static void mx_digest(const struct mx_ent *e, size_t n, unsigned char out[DIFF_MX_DIGEST])
{
    mbedtls_sha256_context ctx;
    unsigned char sum[32];
    char num[64];
    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_starts_ret(&ctx, 0);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(e[i].host);
        int k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT " %zu:", e[i].pref, len);
        mbedtls_sha256_update_ret(&ctx, (const unsigned char *)num, (size_t)k);
        mbedtls_sha256_update_ret(&ctx, (const unsigned char *)e[i].host, len);
    }
    mbedtls_sha256_finish_ret(&ctx, sum);
    mbedtls_sha256_free(&ctx);
    memcpy(out, sum, DIFF_MX_DIGEST);
}

/* The set as diff.json writes it: [{"pref": N, "host": "..."}, ...]. */
static json_t *mx_json(const struct mx_ent *e, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:I,s:s}", "pref", e[i].pref, "host", e[i].host));
    return arr;
}

/* ------------------------------------------------------------------ a domain's values */

struct view {
    uint32_t pattern, sha, policy;
    enum diff_trust trust;
    unsigned char mx[DIFF_MX_DIGEST];
};

/* What a sender enforces of a domain, as one line the diff compares and shows: the policy and
 * whether it delivers, the MTA-STS status, mode, TXT id and outcome, the MX RRset's DNSSEC
 * state (docs/schema.md, "Policies a sender enforces"); "-" for a null. NULL for a record
 * without the fields (a --no-policy run, an older version): not compared. Caller frees. */
static char *policy_view(const json_t *d)
{
    const json_t *pol = json_object_get(d, "policy"), *sts = json_object_get(d, "mta_sts"),
                 *sec = json_object_get(d, "dnssec");
    if (!json_is_object(pol) && !json_is_object(sts) && !json_is_object(sec))
        return NULL;
    const json_t *dl = json_object_get(pol, "delivers");
    const char *parts[7] = {
        json_string_value(json_object_get(pol, "name")),
        json_is_boolean(dl) ? (json_is_true(dl) ? "yes" : "no") : NULL,
        json_string_value(json_object_get(sts, "status")),
        json_string_value(json_object_get(sts, "mode")),
        json_string_value(json_object_get(sts, "id")),
        json_string_value(json_object_get(sts, "outcome")),
        json_string_value(json_object_get(sec, "mx")),
    };
    size_t n = 96;
    for (size_t i = 0; i < 7; i++) {
        if (!parts[i])
            parts[i] = "-";
        n += strlen(parts[i]);
    }
    char *s = xmalloc(n);
    snprintf(s, n, "policy %s, delivers %s; mta-sts %s, mode %s, id %s, outcome %s; dnssec %s",
             parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]);
    return s;
}

/* What the comparison looks at in a domain record, its primary joined with the endpoint
 * table (a null, absent or dangling primary gives null trust and certificate). The MX set is
 * returned in *set when set is not NULL (caller frees). */
static void view_of(struct diff *x, const json_t *d, struct view *v, struct mx_ent **set,
                    size_t *nset)
{
    v->pattern = strtab_id(&x->strs, json_string_value(json_object_get(d, "pattern")));
    char *pv = policy_view(d);
    v->policy = strtab_id(&x->strs, pv);
    free(pv);
    const json_t *primary = json_object_get(d, "primary");
    const char *key = json_is_object(primary) ? ep_key(x, primary) : NULL;
    uintptr_t ep = key ? (uintptr_t)hmap_get(&x->eps, key) : 0;
    v->sha = ep ? ep_sha(ep) : 0;
    v->trust = ep ? ep_trust(ep) : TRUST_NULL;
    size_t n;
    struct mx_ent *e = mx_set(d, &n);
    mx_digest(e, n, v->mx);
    if (set) {
        *set = e;
        *nset = n;
    } else {
        free(e);
    }
}

static const char *domain_key(const json_t *d)
{
    return json_string_value(json_object_get(d, "domain"));
}

/* A `duplicate` record points at its domain's first line, whose record carries the verdict
 * (it may come later in the file): it is not the domain's record. */
static int is_duplicate(const json_t *d)
{
    const char *st = json_string_value(json_object_get(d, "status"));
    return st && strcmp(st, input_status_str(INPUT_DUPLICATE)) == 0;
}

/* ------------------------------------------------------------------ the two runs */

static const char *add_old_domain(struct diff *x, const json_t *d, long long off)
{
    const char *key = domain_key(d);
    if (!key)
        return "no \"domain\" string";
    if (is_duplicate(d) || hmap_get(&x->doms, key)) /* listed again: the first record counts */
        return NULL;
    struct view v;
    view_of(x, d, &v, NULL, NULL);
    struct dstate *st = xcalloc(1, sizeof(*st));
    st->off = off;
    st->pattern = v.pattern;
    st->sha = v.sha;
    st->trust = (uint8_t)v.trust;
    st->policy = v.policy;
    memcpy(st->mx, v.mx, sizeof(st->mx));
    st->in_old = 1;
    hmap_put(&x->doms, key, st);
    x->c.old_domains++;
    return NULL;
}

static const char *add_new_domain(struct diff *x, const json_t *d, long long off)
{
    (void)off;
    const char *key = domain_key(d);
    if (!key)
        return "no \"domain\" string";
    struct dstate *st = hmap_get(&x->doms, key);
    if (is_duplicate(d) || (st && st->in_new)) /* listed again: the first record counts */
        return NULL;
    x->c.new_domains++;
    struct view v;
    struct mx_ent *set;
    size_t nset;
    view_of(x, d, &v, &set, &nset);
    if (!st) { /* appeared: only its pattern is kept */
        st = xcalloc(1, sizeof(*st));
        st->in_new = 1;
        st->pattern = v.pattern;
        hmap_put(&x->doms, key, st);
        x->c.appeared++;
        free(set);
        return NULL;
    }
    st->in_new = 1;
    unsigned kinds = 0;
    kinds |= (unsigned)(v.pattern != st->pattern) << DIFF_PATTERN;
    kinds |= (unsigned)(v.trust != st->trust) << DIFF_TRUST_VALID;
    kinds |= (unsigned)(v.sha != st->sha) << DIFF_CERT_SHA256;
    kinds |= (unsigned)(memcmp(v.mx, st->mx, sizeof(v.mx)) != 0) << DIFF_MX;
    /* Compared only when both runs have the fields (a --no-policy run has none). */
    kinds |= (unsigned)(v.policy && st->policy && v.policy != st->policy) << DIFF_POLICY;
    if (kinds) {
        st->kinds = (uint8_t)kinds;
        st->now = xcalloc(1, sizeof(*st->now));
        st->now->pattern = v.pattern;
        st->now->sha = v.sha;
        st->now->trust = (uint8_t)v.trust;
        st->now->policy = v.policy;
        if (kinds & 1u << DIFF_MX)
            st->now->mx = mx_json(set, nset);
        x->c.changed++;
        for (int k = 0; k < DIFF_NKINDS; k++)
            x->c.kind[k] += kinds >> k & 1;
    } else {
        x->c.unchanged++;
    }
    free(set);
    return NULL;
}

/* ------------------------------------------------------------------ reading */

struct feed {
    struct diff *x;
    const char *(*add)(struct diff *, const json_t *, long long);
};

static int feed_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    const struct feed *fd = arg;
    const char *no = fd->add(fd->x, r->obj, r->offset);
    if (!no)
        return 0;
    snprintf(why, whylen, "%s", no);
    return JSONL_REFUSE;
}

/* Feeds every record of dir/name, with its line's offset, to add, by jsonl.h's rules: a
 * damaged line, or one add refuses, is an error naming file:line (skipped with a warning
 * under --lenient). */
static int read_jsonl(struct diff *x, const char *dir, const char *name,
                      const char *(*add)(struct diff *, const json_t *, long long), char *err,
                      size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct feed fd = {.x = x, .add = add};
    return jsonl_each(path, x->jo, feed_cb, &fd, err, errlen) == JSONL_OK ? 0 : -1;
}

/* The old MX set of every changed domain whose MX set changed, read back from its line of
 * OLD/domains.jsonl (the offset kept in pass 2). */
static int read_old_mx(struct diff *x, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/domains.jsonl", x->o->old_dir);
    for (size_t i = 0; i < x->nchanged; i++) {
        struct dstate *st = x->changed[i].st;
        if (!(st->kinds & 1u << DIFF_MX))
            continue;
        json_t *rec = jsonl_read_at(path, st->off, err, errlen);
        if (!rec)
            return -1;
        if (!domain_key(rec) || strcmp(domain_key(rec), x->changed[i].key) != 0) {
            snprintf(err, errlen, "%s: changed while being read (the record of %s moved)", path,
                     x->changed[i].key);
            json_decref(rec);
            return -1;
        }
        size_t nset;
        struct mx_ent *set = mx_set(rec, &nset);
        st->now->old_mx = mx_json(set, nset);
        free(set);
        json_decref(rec);
    }
    return 0;
}

/* ------------------------------------------------------------------ summaries */

/* dir/summary.json; when missing, made by summary_write(), or only built in memory when the
 * folder cannot be written (a read-only archive). */
static int load_summary(struct diff *x, const char *dir, json_t **out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    if (stat(path, &st) < 0 && errno == ENOENT) {
        /* Its lines are read again below, and warned about there. */
        struct jsonl_opts jo = {.lenient = x->jo->lenient, .silent = 1};
        int rc = summary_write_opts(dir, &jo, err, errlen);
        if (rc == SUMMARY_WRITE_ERROR)
            return summary_build_opts(dir, &jo, out, err, errlen) == SUMMARY_OK ? 0 : -1;
        if (rc != SUMMARY_OK)
            return -1;
    }
    *out = jsonl_read_object(path, err, errlen);
    if (!*out)
        return -1;
    return 0;
}

static void count_share_changes(struct diff *x)
{
    for (size_t i = 0; i < DIFF_NSHARES; i++) {
        const json_t *a = diff_share(x->sum_old, diff_share_names[i]);
        const json_t *b = diff_share(x->sum_new, diff_share_names[i]);
        x->c.shares_changed += (a || b) && !(a && b && json_equal(a, b));
    }
}

/* ------------------------------------------------------------------ the lists */

static void push(struct diff_item **arr, size_t *n, size_t *cap, const char *key,
                 struct dstate *st)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *arr = xrealloc(*arr, *cap * sizeof(**arr));
    }
    (*arr)[(*n)++] = (struct diff_item){.key = key, .st = st};
}

static void collect_cb(void *arg, const char *key, void *val)
{
    struct diff *x = arg;
    struct dstate *st = val;
    if (!st->in_old)
        push(&x->appeared, &x->nappeared, &x->cap[0], key, st);
    else if (!st->in_new)
        push(&x->vanished, &x->nvanished, &x->cap[1], key, st);
    else if (st->kinds)
        push(&x->changed, &x->nchanged, &x->cap[2], key, st);
}

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const struct diff_item *)a)->key, ((const struct diff_item *)b)->key);
}

static void collect(struct diff *x)
{
    hmap_foreach(&x->doms, collect_cb, x);
    x->c.vanished = x->nvanished;
    struct {
        struct diff_item *items;
        size_t n;
    } lists[] = {{x->appeared, x->nappeared}, {x->vanished, x->nvanished}, {x->changed, x->nchanged}};
    for (size_t i = 0; i < ARRAY_LEN(lists); i++)
        if (lists[i].n) /* an empty list is a null pointer, which qsort must not see */
            qsort(lists[i].items, lists[i].n, sizeof(*lists[i].items), cmp_items);
}

/* ------------------------------------------------------------------ the whole */

static void free_dstate(void *val)
{
    struct dstate *st = val;
    if (st->now) {
        json_decref(st->now->mx);
        json_decref(st->now->old_mx);
        free(st->now);
    }
    free(st);
}

void diff_release(struct diff *x)
{
    hmap_free(&x->eps, NULL);
    hmap_free(&x->doms, free_dstate);
    hmap_free(&x->strs.ids, NULL);
    for (size_t i = 0; i < x->strs.n; i++)
        free(x->strs.s[i]);
    free(x->strs.s);
    free(x->key);
    free(x->appeared);
    free(x->vanished);
    free(x->changed);
    json_decref(x->sum_old);
    json_decref(x->sum_new);
    json_decref(x->options_differ);
}

/* ------------------------------------------------------------------ options */

static void add_option_diff(void *arg, const char *option, const json_t *then_v, const json_t *now_v)
{
    json_t *d = json_object();
    json_object_set_new(d, "option", json_string(option));
    json_object_set_new(d, "old", then_v ? json_deep_copy(then_v) : json_null());
    json_object_set_new(d, "new", now_v ? json_deep_copy(now_v) : json_null());
    json_array_append_new(arg, d);
}

/* The verdict-changing options of the two runs that differ, from their run.json (the record
 * of what was asked; a hand-made summary.json may not hold it): a difference there can
 * explain a change of verdicts that is no change of the servers. NULL when a run.json cannot
 * be read: unknown, which is not "no difference". */
static json_t *options_differ(const struct diff_opts *o)
{
    json_t *run[2] = {NULL, NULL}, *out = NULL;
    const char *dirs[2] = {o->old_dir, o->new_dir};
    char path[4200], ignored[512];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/run.json", dirs[i]);
        run[i] = jsonl_read_object(path, ignored, sizeof(ignored));
    }
    const json_t *a = json_object_get(run[0], "options"), *b = json_object_get(run[1], "options");
    if (json_is_object(a) && json_is_object(b)) {
        out = json_array();
        runopt_diffs(a, b, add_option_diff, out);
    }
    json_decref(run[0]);
    json_decref(run[1]);
    return out;
}

int diff_compute(const struct diff_opts *o, struct diff *x, char *err, size_t errlen)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    struct jsonl_opts jo = {.lenient = o->lenient, .prog = "mxsurvey diff"};
    x->jo = &jo;
    hmap_init(&x->eps);
    hmap_init(&x->doms);
    hmap_init(&x->strs.ids);
    int rc = DIFF_ERROR;
    /* An unfinished scan (run.json "finished": null) holds incomplete records: comparing it
     * would report every domain not yet written as vanished. */
    const char *dirs[2] = {o->old_dir, o->new_dir};
    for (int i = 0; i < 2; i++)
        if (rundir_state(dirs[i], err, errlen) >= RUNDIR_UNFINISHED)
            goto done;
    if (load_summary(x, o->old_dir, &x->sum_old, err, errlen) < 0 ||
        load_summary(x, o->new_dir, &x->sum_new, err, errlen) < 0)
        goto done;
    x->options_differ = options_differ(o);
    if (read_jsonl(x, o->old_dir, "hosts.jsonl", add_host, err, errlen) < 0 ||
        read_jsonl(x, o->old_dir, "domains.jsonl", add_old_domain, err, errlen) < 0)
        goto done;
    /* The old endpoints are done with: the new run's take their place. */
    hmap_free(&x->eps, NULL);
    hmap_init(&x->eps);
    if (read_jsonl(x, o->new_dir, "hosts.jsonl", add_host, err, errlen) < 0 ||
        read_jsonl(x, o->new_dir, "domains.jsonl", add_new_domain, err, errlen) < 0)
        goto done;
    hmap_free(&x->eps, NULL);
    hmap_init(&x->eps);
    collect(x);
    count_share_changes(x);
    if (read_old_mx(x, err, errlen) < 0)
        goto done;
    rc = x->c.appeared || x->c.vanished || x->c.changed || x->c.shares_changed ? DIFF_CHANGED
                                                                                : DIFF_SAME;
done:
    x->jo = NULL; /* this frame's options: not kept past the call */
    return rc;
}

/* ------------------------------------------------------------------ shares */

const char *diff_str(const struct diff *x, uint32_t id)
{
    return id ? x->strs.s[id - 1] : NULL;
}

const char *const diff_share_names[DIFF_NSHARES] = {"starttls", "strict", "multilabel_accepted",
                                                    "rfc9525", "valid_chain"};

const json_t *diff_share(const json_t *summary, const char *name)
{
    return json_object_get(json_object_get(summary, "shares"), name);
}

/* summary: see summary.h. The definitions of every figure are here and in docs/schema.md
 * ("summary.json"); keep the two in step (tests/unit/test_summary.c checks the key list). */
#include "summary.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "classify/classify.h"
#include "core/hmap.h"
#include "core/jsonl.h"
#include "core/outfile.h"
#include "core/util.h"
#include "core/version.h"
#include "input/input.h"
#include "sum_enforce.h"
#include "sum_issuers.h"
#include "sum_policy.h"
#include "sum_provider.h"

#define KEY_NULL "null"       /* the field is absent (older files) or null */
#define KEY_UNKNOWN "unknown" /* the field holds a value of an unexpected type */

const char *summary_status_str(int status)
{
    switch (status) {
    case SUMMARY_OK:
        return "ok";
    case SUMMARY_INPUT_ERROR:
        return "input error";
    case SUMMARY_WRITE_ERROR:
        return "write error";
    }
    return "?";
}

/* ------------------------------------------------------------------ value keys */

/* The key a string field counts under: its value, "null" when absent or null, "unknown" when
 * of another type. */
static const char *str_key(const json_t *v)
{
    if (!v || json_is_null(v))
        return KEY_NULL;
    return json_is_string(v) ? json_string_value(v) : KEY_UNKNOWN;
}

/* The same for a boolean field: "true", "false", "null", "unknown". */
static const char *bool_key(const json_t *v)
{
    if (!v || json_is_null(v))
        return KEY_NULL;
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return KEY_UNKNOWN;
}

/* A string member of an object member (tls.version): "null" when the object is absent or
 * null, "unknown" when it is not an object or the member is not a string. */
static const char *member_key(const json_t *rec, const char *obj, const char *field)
{
    const json_t *o = json_object_get(rec, obj);
    if (!o || json_is_null(o))
        return KEY_NULL;
    const char *s = json_string_value(json_object_get(o, field));
    return s ? s : KEY_UNKNOWN;
}

/* ------------------------------------------------------------------ tallies: value -> count */

/* The count is the map's value itself (never 0 once present, so never NULL). */
struct tally {
    struct hmap m;
};

static void tally_add(struct tally *t, const char *key)
{
    uintptr_t n = (uintptr_t)hmap_get(&t->m, key);
    hmap_put(&t->m, key, (void *)(n + 1));
}

static void tally_json_cb(void *arg, const char *key, void *val)
{
    json_object_set_new(arg, key, json_integer((json_int_t)(uintptr_t)val));
}

/* Every value seen with its count; the keys of fixed (NULL-terminated, may be NULL) are
 * present even at 0. */
static json_t *tally_json(const struct tally *t, const char *const *fixed)
{
    json_t *o = json_object();
    for (; fixed && *fixed; fixed++)
        json_object_set_new(o, *fixed, json_integer(0));
    hmap_foreach(&t->m, tally_json_cb, o);
    return o;
}

/* ------------------------------------------------------------------ patterns */

/* What each domain pattern of domains.jsonl (classify.h, its one spelling) says about the
 * primary endpoint. */
static const struct pattern_def {
    int accepts_mail; /* in the denominator of shares.starttls */
    int tls;          /* a TLS pattern: in the denominators of the other shares */
    int strict;       /* the MX host name matches under strict rules (shares.strict) */
    int multilabel;   /* ... when a wildcard may cover several labels */
} pattern_defs[PATTERN_COUNT] = {
    [PATTERN_MX_EXACT] = {.accepts_mail = 1, .tls = 1, .strict = 1, .multilabel = 1},
    [PATTERN_MX_WILDCARD] = {.accepts_mail = 1, .tls = 1, .strict = 1, .multilabel = 1},
    [PATTERN_MX_MULTILABEL] = {.accepts_mail = 1, .tls = 1, .multilabel = 1},
    [PATTERN_DOMAIN] = {.accepts_mail = 1, .tls = 1},
    [PATTERN_PROVIDER] = {.accepts_mail = 1, .tls = 1},
    [PATTERN_PTR] = {.accepts_mail = 1, .tls = 1},
    [PATTERN_UNRELATED] = {.accepts_mail = 1, .tls = 1},
    [PATTERN_NO_TLS] = {.accepts_mail = 1},
    [PATTERN_UNREACHABLE] = {.accepts_mail = 1},
    [PATTERN_NO_MAIL] = {0},
    [PATTERN_BLOCKED] = {0}, /* the scanner's choice not to probe: in no share, like no-mail */
};

/* The definition of a pattern value, NULL for null, absent or unrecognised values. */
static const struct pattern_def *pattern_find(const json_t *v)
{
    int p = classify_pattern_parse(json_string_value(v));
    return p < 0 ? NULL : &pattern_defs[p];
}

/* ------------------------------------------------------------------ the accumulator */

struct pattern_count {
    size_t id; /* into acc.pattern_names */
    unsigned long n;
};

struct provider {
    unsigned long domains, endpoints;
    struct pattern_count *patterns; /* by_pattern, in first-seen order */
    size_t npatterns;
    char name[];
};

/* What a domain needs to know about its primary endpoint, packed into the endpoint map's
 * value so that an endpoint costs one map entry: bits 0-1 names_from, 2-3 trust, bit 4 always
 * set (the value is never NULL), bits 5 to 5 + SUM_POLICY_EP_BITS what the policies need
 * (sum_policy.h), bits 24 and up the provider's index + 1 (0: none). */
enum names_from { NF_NULL, NF_SAN, NF_CN, NF_OTHER };
enum trust { TRUST_NULL, TRUST_VALID, TRUST_INVALID };
#define EP_PROVIDER_SHIFT 24
_Static_assert(5 + SUM_POLICY_EP_BITS <= EP_PROVIDER_SHIFT && sizeof(uintptr_t) >= 8,
               "the endpoint's packed value holds the policy bits and a provider index");

static uintptr_t ep_pack(enum names_from nf, enum trust t, unsigned policy_bits, size_t prov_plus1)
{
    return (uintptr_t)nf | (uintptr_t)t << 2 | 1u << 4 | (uintptr_t)policy_bits << 5 |
           (uintptr_t)prov_plus1 << EP_PROVIDER_SHIFT;
}
static enum names_from ep_names_from(uintptr_t v) { return (enum names_from)(v & 3); }
static enum trust ep_trust(uintptr_t v) { return (enum trust)(v >> 2 & 3); }
static unsigned ep_policy_bits(uintptr_t v) { return (unsigned)(v >> 5 & ((1u << SUM_POLICY_EP_BITS) - 1)); }
static size_t ep_provider(uintptr_t v) { return (size_t)(v >> EP_PROVIDER_SHIFT); }

struct share {
    unsigned long num, den;
};

struct summary_acc {
    struct hmap endpoints;     /* endpoint key (ep_key) -> packed value */
    struct hmap provider_ids;  /* provider name -> index + 1 */
    struct provider **providers;
    size_t nproviders, provider_cap;
    struct hmap pattern_ids;   /* pattern key -> index + 1, for the providers' by_pattern */
    char **pattern_names;
    size_t npattern_names, pattern_cap;
    char *key;                 /* scratch for ep_key */
    size_t key_cap;

    unsigned long ndomains, nendpoints;
    struct tally d_status, d_pattern, d_consistent;
    struct tally e_status, e_wildcard, e_trust, e_reason, e_tls, e_tls_max, e_key, e_tlsrpt;
    struct tally e_injection, e_client_limit;
    struct share starttls, strict, multilabel, rfc9525, valid_chain;
    struct sum_policy policies;    /* summary.json `policies` (sum_policy.h) */
    struct sum_provider prov_more; /* the providers' policies, names and shapes (sum_provider.h) */

    int lenient;              /* a folder was read leniently: meta.skipped_lines says so */
    unsigned long skipped[2]; /* the lines it skipped: hosts.jsonl, domains.jsonl */
    int finished;             /* summary_finish ran (it counts the providers' endpoints) */
    struct sum_issuers *issuers; /* `issuers` (sum_issuers.h) */
    struct sum_enforce *enforce; /* `enforcement` (sum_enforce.h) */
};

struct summary_acc *summary_new(void)
{
    struct summary_acc *a = xcalloc(1, sizeof(*a));
    hmap_init(&a->endpoints);
    hmap_init(&a->provider_ids);
    hmap_init(&a->pattern_ids);
    a->issuers = sum_issuers_new();
    a->enforce = sum_enforce_new();
    struct tally *t[] = {&a->d_status, &a->d_pattern, &a->d_consistent, &a->e_status,
                         &a->e_wildcard, &a->e_trust, &a->e_reason, &a->e_tls, &a->e_tls_max,
                         &a->e_key, &a->e_tlsrpt, &a->e_injection, &a->e_client_limit};
    for (size_t i = 0; i < ARRAY_LEN(t); i++)
        hmap_init(&t[i]->m);
    sum_provider_init(&a->prov_more);
    return a;
}

void summary_free(struct summary_acc *a)
{
    if (!a)
        return;
    hmap_free(&a->endpoints, NULL);
    sum_issuers_free(a->issuers);
    sum_enforce_free(a->enforce);
    hmap_free(&a->provider_ids, NULL);
    hmap_free(&a->pattern_ids, NULL);
    for (size_t i = 0; i < a->nproviders; i++) {
        free(a->providers[i]->patterns);
        free(a->providers[i]);
    }
    free(a->providers);
    for (size_t i = 0; i < a->npattern_names; i++)
        free(a->pattern_names[i]);
    free(a->pattern_names);
    free(a->key);
    sum_provider_free(&a->prov_more);
    sum_policy_free(&a->policies);
    struct tally *t[] = {&a->d_status, &a->d_pattern, &a->d_consistent, &a->e_status,
                         &a->e_wildcard, &a->e_trust, &a->e_reason, &a->e_tls, &a->e_tls_max,
                         &a->e_key, &a->e_tlsrpt, &a->e_injection, &a->e_client_limit};
    for (size_t i = 0; i < ARRAY_LEN(t); i++)
        hmap_free(&t[i]->m, NULL);
    free(a);
}

/* The join key of an endpoint: "<length of ip>:<ip> <mx_host>", unambiguous whatever the
 * strings hold. Returns a->key (valid until the next call), or NULL when either is not a
 * string. */
static const char *ep_key(struct summary_acc *a, const json_t *obj)
{
    const char *mx = json_string_value(json_object_get(obj, "mx_host"));
    const char *ip = json_string_value(json_object_get(obj, "ip"));
    if (!mx || !ip)
        return NULL;
    size_t need = strlen(mx) + strlen(ip) + 32;
    if (need > a->key_cap) {
        a->key = xrealloc(a->key, need);
        a->key_cap = need;
    }
    snprintf(a->key, a->key_cap, "%zu:%s %s", strlen(ip), ip, mx);
    return a->key;
}

/* The index + 1 of provider name, created on first sight. */
static size_t provider_id(struct summary_acc *a, const char *name)
{
    size_t id = (size_t)(uintptr_t)hmap_get(&a->provider_ids, name);
    if (id)
        return id;
    if (a->nproviders == a->provider_cap) {
        a->provider_cap = a->provider_cap ? a->provider_cap * 2 : 64;
        a->providers = xrealloc(a->providers, a->provider_cap * sizeof(*a->providers));
    }
    size_t len = strlen(name);
    struct provider *p = xcalloc(1, sizeof(*p) + len + 1);
    memcpy(p->name, name, len + 1);
    a->providers[a->nproviders++] = p;
    hmap_put(&a->provider_ids, name, (void *)(uintptr_t)a->nproviders);
    return a->nproviders;
}

static size_t pattern_id(struct summary_acc *a, const char *name)
{
    size_t id = (size_t)(uintptr_t)hmap_get(&a->pattern_ids, name);
    if (id)
        return id - 1;
    if (a->npattern_names == a->pattern_cap) {
        a->pattern_cap = a->pattern_cap ? a->pattern_cap * 2 : 16;
        a->pattern_names = xrealloc(a->pattern_names, a->pattern_cap * sizeof(char *));
    }
    a->pattern_names[a->npattern_names++] = xstrdup(name);
    hmap_put(&a->pattern_ids, name, (void *)(uintptr_t)a->npattern_names);
    return a->npattern_names - 1;
}

static void provider_count_pattern(struct summary_acc *a, struct provider *p, const char *pattern)
{
    size_t id = pattern_id(a, pattern);
    for (size_t i = 0; i < p->npatterns; i++)
        if (p->patterns[i].id == id) {
            p->patterns[i].n++;
            return;
        }
    p->patterns = xrealloc(p->patterns, (p->npatterns + 1) * sizeof(*p->patterns));
    p->patterns[p->npatterns++] = (struct pattern_count){.id = id, .n = 1};
}

/* ------------------------------------------------------------------ hosts.jsonl */

static void count_key_type(struct summary_acc *a, const json_t *h)
{
    const json_t *cert = json_object_get(h, "cert");
    if (!cert || json_is_null(cert)) {
        tally_add(&a->e_key, KEY_NULL);
        return;
    }
    const char *type = json_string_value(json_object_get(cert, "key_type"));
    const json_t *bits = json_object_get(cert, "key_bits");
    if (!type) {
        tally_add(&a->e_key, KEY_UNKNOWN);
        return;
    }
    if (!json_is_integer(bits)) {
        tally_add(&a->e_key, type);
        return;
    }
    size_t n = strlen(type) + 32;
    char *s = xmalloc(n);
    snprintf(s, n, "%s %" JSON_INTEGER_FORMAT, type, json_integer_value(bits));
    tally_add(&a->e_key, s);
    free(s);
}

/* Counts trust and its reasons (each distinct reason once per endpoint); returns the
 * endpoint's trust for the join. */
static enum trust count_trust(struct summary_acc *a, const json_t *h)
{
    const json_t *trust = json_object_get(h, "trust");
    const json_t *valid = json_object_get(trust, "valid");
    enum trust t = TRUST_NULL;
    if (!trust || json_is_null(trust)) {
        tally_add(&a->e_trust, KEY_NULL);
    } else if (json_is_boolean(valid)) {
        t = json_is_true(valid) ? TRUST_VALID : TRUST_INVALID;
        tally_add(&a->e_trust, t == TRUST_VALID ? "valid" : "invalid");
    } else {
        tally_add(&a->e_trust, KEY_UNKNOWN);
    }
    const json_t *reasons = json_object_get(trust, "reasons");
    size_t n = json_array_size(reasons);
    for (size_t i = 0; i < n; i++) {
        const char *r = str_key(json_array_get(reasons, i));
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(r, str_key(json_array_get(reasons, j))) == 0;
        if (!seen)
            tally_add(&a->e_reason, r);
    }
    return t;
}

void summary_add_endpoint(struct summary_acc *a, const json_t *h)
{
    a->nendpoints++;
    tally_add(&a->e_status, str_key(json_object_get(h, "status")));
    tally_add(&a->e_wildcard, str_key(json_object_get(h, "wildcard")));
    tally_add(&a->e_tls, member_key(h, "tls", "version"));
    tally_add(&a->e_tls_max, str_key(json_object_get(h, "tls_max")));
    tally_add(&a->e_tlsrpt, str_key(json_object_get(h, "tlsrpt")));
    tally_add(&a->e_injection, bool_key(json_object_get(h, "starttls_injection")));
    tally_add(&a->e_client_limit, bool_key(json_object_get(h, "tls_client_limit")));
    count_key_type(a, h);
    enum trust t = count_trust(a, h);

    const char *nf_s = json_string_value(json_object_get(h, "names_from"));
    enum names_from nf = !nf_s                      ? NF_NULL
                         : strcmp(nf_s, "san") == 0 ? NF_SAN
                         : strcmp(nf_s, "cn") == 0  ? NF_CN
                                                    : NF_OTHER;
    const char *prov = json_string_value(json_object_get(h, "provider"));
    size_t prov_id = prov ? provider_id(a, prov) : 0;
    const char *key = ep_key(a, h);
    if (key) /* a repeated endpoint: the last record wins */
        hmap_put(&a->endpoints, key, (void *)ep_pack(nf, t, sum_policy_endpoint_bits(h), prov_id));
    sum_issuers_endpoint(a->issuers, key, h);
    sum_provider_endpoint(&a->prov_more, prov_id, h);
    sum_enforce_endpoint(a->enforce, h);
}

/* ------------------------------------------------------------------ domains.jsonl */

void summary_add_domain(struct summary_acc *a, const json_t *d)
{
    a->ndomains++;
    const json_t *pattern = json_object_get(d, "pattern");
    const json_t *status = json_object_get(d, "status");
    tally_add(&a->d_status, str_key(status));
    /* A domain listed again counts once, by its first line's record: its later lines only
     * in total and by_status. */
    if (json_is_string(status) && strcmp(json_string_value(status), input_status_str(INPUT_DUPLICATE)) == 0)
        return;
    tally_add(&a->d_pattern, str_key(pattern));
    tally_add(&a->d_consistent, bool_key(json_object_get(d, "consistent")));

    /* The primary endpoint, joined with hosts.jsonl; 0 when null, absent or dangling. */
    const json_t *primary = json_object_get(d, "primary");
    const char *key = json_is_object(primary) ? ep_key(a, primary) : NULL;
    uintptr_t ep = key ? (uintptr_t)hmap_get(&a->endpoints, key) : 0;
    sum_issuers_domain(a->issuers, key, d);
    sum_enforce_domain(a->enforce, d);

    const struct pattern_def *pd = pattern_find(pattern);
    if (pd && pd->accepts_mail)
        a->starttls.den++;
    if (pd && pd->tls) {
        a->starttls.num++;
        a->strict.den++;
        a->multilabel.den++;
        a->rfc9525.den++;
        a->valid_chain.den++;
        a->strict.num += pd->strict;
        a->multilabel.num += pd->multilabel;
        a->rfc9525.num += pd->strict && !(ep && ep_names_from(ep) == NF_CN);
        a->valid_chain.num += ep && ep_trust(ep) == TRUST_VALID;
    }

    struct policy_facts facts;
    enum policy_verdict verdicts[POLICY_COUNT];
    sum_policy_facts(d, ep != 0, ep_policy_bits(ep), &facts);
    sum_policy_add(&a->policies, &facts, json_string_value(json_object_get(d, "domain")), verdicts);

    const char *prov = json_string_value(json_object_get(d, "provider"));
    if (prov) {
        size_t id = provider_id(a, prov); /* may grow a->providers: call it before reading it */
        struct provider *p = a->providers[id - 1];
        p->domains++;
        provider_count_pattern(a, p, str_key(pattern));
        sum_provider_domain(&a->prov_more, id, d, verdicts);
    }
}

/* ------------------------------------------------------------------ reading */

struct feed {
    struct summary_acc *a;
    void (*add)(struct summary_acc *, const json_t *);
};

static int feed_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    const struct feed *fd = arg;
    fd->add(fd->a, r->obj);
    return 0;
}

/* Feeds every record of DIR/name to add, by jsonl.h's rules (a damaged line is an error
 * naming file:line, or skipped when jo is lenient); *skipped gets the lines skipped. */
static int read_jsonl(struct summary_acc *a, const char *dir, const char *name,
                      void (*add)(struct summary_acc *, const json_t *), struct jsonl_opts *jo,
                      unsigned long *skipped, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct feed fd = {.a = a, .add = add};
    unsigned long before = jo ? jo->skipped : 0;
    int rc = jsonl_each(path, jo, feed_cb, &fd, err, errlen);
    *skipped += jo ? jo->skipped - before : 0;
    return rc == JSONL_OK ? SUMMARY_OK : SUMMARY_INPUT_ERROR;
}

int summary_add_dir(struct summary_acc *a, const char *dir, struct jsonl_opts *jo, char *err,
                    size_t errlen)
{
    if (jo && jo->lenient)
        a->lenient = 1;
    /* hosts.jsonl first: domains join their primary endpoint against it. */
    int rc = read_jsonl(a, dir, "hosts.jsonl", summary_add_endpoint, jo, &a->skipped[0], err,
                        errlen);
    if (rc == SUMMARY_OK)
        rc = read_jsonl(a, dir, "domains.jsonl", summary_add_domain, jo, &a->skipped[1], err,
                        errlen);
    return rc;
}

int summary_read_run(const char *dir, json_t **run, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    *run = NULL;
    struct stat st;
    if (stat(path, &st) < 0 && errno == ENOENT)
        return SUMMARY_OK;
    *run = jsonl_read_object(path, err, errlen);
    return *run ? SUMMARY_OK : SUMMARY_INPUT_ERROR;
}

/* ------------------------------------------------------------------ the summary object */

static json_t *meta_json(const json_t *run)
{
    static const char *const copied[] = {"tool",    "version",      "started",
                                         "finished", "input",        "input_sha256",
                                         "options", "interrupted",  "counts",
                                         "dns_errors",  "mode"};
    json_t *m = json_object();
    for (size_t i = 0; i < ARRAY_LEN(copied); i++) {
        json_t *v = json_object_get(run, copied[i]);
        json_object_set_new(m, copied[i], v ? json_deep_copy(v) : json_null());
    }
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(m, "generated", json_string(now));
    json_object_set_new(m, "generator_version", json_string(MXSURVEY_VERSION));
    return m;
}

static json_t *share_json(struct share s)
{
    json_t *o = json_object();
    json_object_set_new(o, "numerator", json_integer((json_int_t)s.num));
    json_object_set_new(o, "denominator", json_integer((json_int_t)s.den));
    json_object_set_new(o, "share", s.den ? json_real((double)s.num / (double)s.den) : json_null());
    return o;
}

/* Most domains first, then by name (byte order). */
static int cmp_providers(const void *x, const void *y)
{
    const struct provider *a = *(const struct provider *const *)x;
    const struct provider *b = *(const struct provider *const *)y;
    if (a->domains != b->domains)
        return a->domains > b->domains ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void count_provider_endpoint(void *arg, const char *key, void *val)
{
    (void)key;
    struct summary_acc *a = arg;
    size_t id = ep_provider((uintptr_t)val);
    if (id)
        a->providers[id - 1]->endpoints++;
}

static json_t *providers_json(struct summary_acc *a)
{
    hmap_foreach(&a->endpoints, count_provider_endpoint, a);
    struct provider **top = xcalloc(a->nproviders, sizeof(*top));
    size_t n = 0;
    for (size_t i = 0; i < a->nproviders; i++)
        if (a->providers[i]->domains)
            top[n++] = a->providers[i];
    qsort(top, n, sizeof(*top), cmp_providers);
    json_t *arr = json_array();
    size_t nout = n < SUMMARY_TOP_PROVIDERS ? n : SUMMARY_TOP_PROVIDERS;
    size_t *ids = xcalloc(nout + 1, sizeof(*ids));
    json_t **objs = xcalloc(nout + 1, sizeof(*objs));
    for (size_t i = 0; i < nout; i++) {
        json_t *o = json_object(), *bp = json_object();
        json_object_set_new(o, "provider", json_string(top[i]->name));
        json_object_set_new(o, "domains", json_integer((json_int_t)top[i]->domains));
        json_object_set_new(o, "endpoints", json_integer((json_int_t)top[i]->endpoints));
        for (size_t k = 0; k < top[i]->npatterns; k++)
            json_object_set_new(bp, a->pattern_names[top[i]->patterns[k].id],
                                json_integer((json_int_t)top[i]->patterns[k].n));
        json_object_set_new(o, "by_pattern", bp);
        json_array_append_new(arr, o);
        ids[i] = (size_t)(uintptr_t)hmap_get(&a->provider_ids, top[i]->name);
        objs[i] = o;
    }
    sum_provider_finish(&a->prov_more, ids, objs, nout);
    free(ids);
    free(objs);
    free(top);
    return arr;
}

static json_t *summary_json(struct summary_acc *a, const json_t *run)
{
    static const char *const trust_keys[] = {"valid", "invalid", NULL};
    static const char *const bool_keys[] = {"true", "false", NULL};
    json_t *s = json_object(), *d = json_object(), *e = json_object(), *sh = json_object();

    json_object_set_new(d, "total", json_integer((json_int_t)a->ndomains));
    json_object_set_new(d, "by_status", tally_json(&a->d_status, NULL));
    json_object_set_new(d, "by_pattern", tally_json(&a->d_pattern, NULL));
    json_object_set_new(d, "consistent", tally_json(&a->d_consistent, bool_keys));

    json_object_set_new(e, "total", json_integer((json_int_t)a->nendpoints));
    json_object_set_new(e, "by_status", tally_json(&a->e_status, NULL));
    json_object_set_new(e, "by_wildcard", tally_json(&a->e_wildcard, NULL));
    json_object_set_new(e, "by_trust", tally_json(&a->e_trust, trust_keys));
    json_object_set_new(e, "by_reason", tally_json(&a->e_reason, NULL));
    json_object_set_new(e, "by_tls_version", tally_json(&a->e_tls, NULL));
    json_object_set_new(e, "by_tls_max", tally_json(&a->e_tls_max, NULL));
    json_object_set_new(e, "by_key_type", tally_json(&a->e_key, NULL));
    json_object_set_new(e, "by_tlsrpt", tally_json(&a->e_tlsrpt, NULL));
    json_object_set_new(e, "by_starttls_injection", tally_json(&a->e_injection, bool_keys));
    json_object_set_new(e, "by_tls_client_limit", tally_json(&a->e_client_limit, bool_keys));

    json_object_set_new(sh, "starttls", share_json(a->starttls));
    json_object_set_new(sh, "strict", share_json(a->strict));
    json_object_set_new(sh, "multilabel_accepted", share_json(a->multilabel));
    json_object_set_new(sh, "rfc9525", share_json(a->rfc9525));
    json_object_set_new(sh, "valid_chain", share_json(a->valid_chain));

    json_object_set_new(s, "meta", meta_json(run));
    json_object_set_new(s, "domains", d);
    json_object_set_new(s, "endpoints", e);
    json_object_set_new(s, "shares", sh);
    json_object_set_new(s, "policies", sum_policy_json(&a->policies));
    json_object_set_new(s, "providers", providers_json(a));
    json_object_set_new(s, "issuers", sum_issuers_json(a->issuers));
    json_object_set_new(s, "enforcement", sum_enforce_json(a->enforce));
    return s;
}

json_t *summary_finish(struct summary_acc *a, const json_t *run)
{
    if (a->finished) /* providers_json counted the endpoints into the providers once */
        return NULL;
    a->finished = 1;
    json_t *s = summary_json(a, run);
    if (a->lenient) { /* the figures leave those lines out: say how many */
        json_t *m = json_object_get(s, "meta"), *sk = json_object();
        json_object_set_new(sk, "hosts.jsonl", json_integer((json_int_t)a->skipped[0]));
        json_object_set_new(sk, "domains.jsonl", json_integer((json_int_t)a->skipped[1]));
        json_object_set_new(m, "skipped_lines", sk);
    }
    return s;
}

int summary_build_opts(const char *dir, struct jsonl_opts *jo, json_t **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return SUMMARY_INPUT_ERROR;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return SUMMARY_INPUT_ERROR;
    }
    json_t *run = NULL;
    int rc = summary_read_run(dir, &run, err, errlen);
    if (rc != SUMMARY_OK)
        return rc;
    struct summary_acc *a = summary_new();
    rc = summary_add_dir(a, dir, jo, err, errlen);
    if (rc == SUMMARY_OK)
        *out = summary_finish(a, run);
    summary_free(a);
    json_decref(run);
    return rc;
}

int summary_build(const char *dir, json_t **out, char *err, size_t errlen)
{
    return summary_build_opts(dir, NULL, out, err, errlen);
}

int summary_write(const char *dir, char *err, size_t errlen)
{
    return summary_write_opts(dir, NULL, err, errlen);
}

int summary_write_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen)
{
    json_t *s;
    int rc = summary_build_opts(dir, jo, &s, err, errlen);
    if (rc != SUMMARY_OK)
        return rc;
    rc = summary_save(dir, s, err, errlen);
    json_decref(s);
    return rc;
}

int summary_save(const char *dir, const json_t *s, char *err, size_t errlen)
{
    struct outfile o;
    if (outfile_open(&o, dir, "summary.json", err, errlen) < 0)
        return SUMMARY_WRITE_ERROR;
    /* 15 significant digits: 0.6 prints as 0.6 (17 would print 0.59999999999999998). */
    errno = 0;
    if (json_dumpf(s, o.f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) < 0 ||
        fputc('\n', o.f) == EOF) {
        outfile_error(&o, errno ? errno : EIO, err, errlen);
        outfile_abort(&o);
        return SUMMARY_WRITE_ERROR;
    }
    return outfile_commit(&o, err, errlen) == 0 ? SUMMARY_OK : SUMMARY_WRITE_ERROR;
}

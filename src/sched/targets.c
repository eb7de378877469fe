/* targets: see targets.h. The records' shape is docs/schema.md, "targets.jsonl (staged
 * survey)": every field of struct resolve_result and struct sts_state, so that what `merge`
 * reads back is what `resolve` had (targets_parse(targets_domain_json(x)) == x).
 *
 * Words (statuses, DNSSEC states, the MTA-STS mode, ...) are written with their modules' own
 * *_str functions and read back with the same function (word_index, core/words.h): one table
 * per word, in its module, and a word read back is the module's own static pointer
 * (sender_sts.fetch_status is compared by pointer, as https_status_str gives it).
 *
 * The reader of the files is targets_reader.c.
 *
 * Ownership: the JSON made here is the caller's (decref); a struct target owns everything it
 * points to (target_clear). */
#include "targets.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/mtasts.h"
#include "classify/sender.h"
#include "core/hmap.h"
#include "core/text.h"
#include "core/jsonl.h"
#include "core/util.h"
#include "core/words.h"
#include "probe/https.h"
#include "report/record.h"
#include "sts_state.h"

/* The seed of survey_shard's hash. Not 0: a run shares its addresses among its loops by
 * hmap_hash_str(0, ip) % loops (sched_thread.c, run_loop_of); with that seed here too, every
 * address of probe shard I of N would have a hash equal to I mod N, so with loops and shards
 * sharing a factor (4 loops, 2 shards) part of the loops would get no address at all. With
 * another seed the two hashes are independent. Fixed forever ("mxsurvey" in ASCII): shards
 * written by one version must be read by the next. */
#define SURVEY_SHARD_SEED 0x6d78737572766579ULL

unsigned survey_shard(const char *key, size_t len, unsigned n)
{
    if (n <= 1)
        return 0;
    /* The hash of the key's text notation (core/text.h): the key itself for every host name
     * and address, and still every octet of an invalid line's, NULs and invalid UTF-8
     * included (hmap_hash_str stops at a NUL). Short plain keys skip the notation's copy. */
    char buf[320];
    int plain = len < sizeof(buf);
    for (size_t i = 0; plain && i < len; i++)
        plain = key[i] != '\0' && key[i] != '\\' && (unsigned char)key[i] < 0x80;
    uint64_t h;
    if (plain) {
        memcpy(buf, key, len);
        buf[len] = '\0';
        h = hmap_hash_str(SURVEY_SHARD_SEED, buf);
    } else {
        char *t = text_escape(key, len);
        h = hmap_hash_str(SURVEY_SHARD_SEED, t);
        free(t);
    }
    return (unsigned)(h % n);
}

/* ---------------------------------------------------------------- the words of each enum */

/* Each module's word function over an int, and the number of members of its enum (its last
 * member + 1: update when an enum grows; test_targets.c reads every word back). */
struct words {
    word_fn str;
    int n;
};

WORDS_OF(w_resolve, resolve_status_str, enum resolve_status)
WORDS_OF(w_dnssec, resolve_dnssec_str, enum resolve_dnssec)
WORDS_OF(w_https, https_status_str, enum https_status)
WORDS_OF(w_mode, mtasts_mode_str, enum mtasts_mode)
WORDS_OF(w_perr, mtasts_policy_error_str, enum mtasts_policy_error)
/* A record's kind: "domain", or the input reader's word for the line's status. */
static const char *w_kind(int i)
{
    return i == TARGET_DOMAIN    ? "domain"
           : i == TARGET_INVALID ? input_status_str(INPUT_INVALID)
                                 : input_status_str(INPUT_DUPLICATE);
}

static const struct words RESOLVE_WORDS = {w_resolve, RESOLVE_CANCELLED + 1};
static const struct words DNSSEC_WORDS = {w_dnssec, DNSSEC_BOGUS + 1};
static const struct words HTTPS_WORDS = {w_https, HTTPS_FETCH_FAILED + 1};
static const struct words MODE_WORDS = {w_mode, MTASTS_MODE_ENFORCE + 1};
static const struct words PERR_WORDS = {w_perr, MTASTS_POLICY_NO_MX + 1};
static const struct words KIND_WORDS = {w_kind, TARGET_DUPLICATE + 1};

/* ---------------------------------------------------------------- writing */

/* A TXT or TLSA lookup: null when it was not made. */
static json_t *rrset_json(const struct resolve_rrset *s)
{
    if (!s->asked)
        return json_null();
    json_t *o = json_object(), *rr = json_array();
    json_object_set_new(o, "qname", record_text(s->qname));
    json_object_set_new(o, "status", json_string(resolve_status_str(s->status)));
    json_object_set_new(o, "dnssec", jsonl_word(resolve_dnssec_str(s->dnssec)));
    json_object_set_new(o, "error", record_text(s->error));
    for (int i = 0; i < s->n; i++)
        json_array_append_new(rr, jsonl_hex(s->rr[i].data, s->rr[i].len));
    json_object_set_new(o, "rr", rr);
    return o;
}

static json_t *mx_json(const struct resolve_mx *m)
{
    json_t *o = json_object(), *ips = json_array();
    json_object_set_new(o, "host", record_text(m->host));
    json_object_set_new(o, "pref", json_integer(m->pref));
    for (int k = 0; k < m->nips; k++)
        json_array_append_new(ips, json_string(m->ips[k]));
    json_object_set_new(o, "ips", ips);
    json_object_set_new(o, "resolved", json_boolean(m->resolved));
    json_object_set_new(o, "error", record_text(m->error));
    json_object_set_new(o, "addr_dnssec", jsonl_word(resolve_dnssec_str(m->addr_dnssec)));
    json_object_set_new(o, "tlsa", rrset_json(&m->tlsa));
    return o;
}

static json_t *resolve_json(const struct resolve_result *rr)
{
    json_t *o = json_object(), *mx = json_array();
    json_object_set_new(o, "status", json_string(resolve_status_str(rr->status)));
    json_object_set_new(o, "error", record_text(rr->error));
    json_object_set_new(o, "implicit_mx", json_boolean(rr->implicit_mx));
    json_object_set_new(o, "mx_cut", json_integer(rr->mx_cut));
    json_object_set_new(o, "addrs_cut", json_integer(rr->addrs_cut));
    json_object_set_new(o, "mx_dnssec", jsonl_word(resolve_dnssec_str(rr->mx_dnssec)));
    for (int i = 0; i < rr->nmx; i++)
        json_array_append_new(mx, mx_json(&rr->mx[i]));
    json_object_set_new(o, "mx", mx);
    json_object_set_new(o, "sts", rrset_json(&rr->sts));
    json_object_set_new(o, "tlsrpt", rrset_json(&rr->tlsrpt));
    return o;
}

static json_t *policy_json(const struct mtasts_policy *p)
{
    json_t *o = json_object(), *mx = json_array();
    json_object_set_new(o, "mode", jsonl_word(mtasts_mode_str(p->mode)));
    json_object_set_new(o, "max_age", json_integer(p->max_age));
    for (size_t i = 0; i < p->nmx; i++)
        json_array_append_new(mx, record_text(p->mx[i]));
    json_object_set_new(o, "mx", mx);
    json_object_set_new(o, "has_version", json_boolean(p->has_version));
    return o;
}

/* The state as it is once linked (sts_state_link): null when there is none, or when it says
 * policy lookups were off (record.c writes `mta_sts` null for both). */
static json_t *sts_json(const struct sts_state *st)
{
    if (!st || !st->s.asked)
        return json_null();
    const struct sender_sts *s = &st->s;
    json_t *o = json_object();
    /* domains.jsonl's word; fetch_status and policy_error tell which kind of failure it is */
    json_object_set_new(o, "status", jsonl_word(sender_sts_status_str(s)));
    json_object_set_new(o, "id", s->id[0] ? record_text(s->id) : json_null());
    json_object_set_new(o, "error", record_text(st->error));
    json_object_set_new(o, "fetch_ip", jsonl_word(st->fetch_ip));
    json_object_set_new(o, "fetch_status", jsonl_word(s->fetch_status));
    json_object_set_new(o, "http_code", json_integer(s->http_code));
    json_object_set_new(o, "policy_error", jsonl_word(mtasts_policy_error_str(s->policy_error)));
    json_object_set_new(o, "policy_line", json_integer((json_int_t)s->policy_line));
    json_object_set_new(o, "policy", s->status == STS_OK ? policy_json(&st->policy) : json_null());
    return o;
}

json_t *targets_domain_json(unsigned long line, const char *domain,
                            const struct resolve_result *rr, const struct sts_state *sts)
{
    json_t *o = json_object();
    json_object_set_new(o, "line", json_integer((json_int_t)line));
    json_object_set_new(o, "kind", json_string(w_kind(TARGET_DOMAIN)));
    json_object_set_new(o, "domain", record_text(domain));
    json_object_set_new(o, "resolve", rr ? resolve_json(rr) : json_null());
    json_object_set_new(o, "mta_sts", sts_json(sts));
    return o;
}

json_t *targets_line_json(const struct input_line *l)
{
    if (l->status != INPUT_INVALID && l->status != INPUT_DUPLICATE)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "line", json_integer((json_int_t)l->lineno));
    if (l->status == INPUT_INVALID) {
        json_object_set_new(o, "kind", json_string(w_kind(TARGET_INVALID)));
        json_object_set_new(o, "input", record_textn(l->raw, l->raw_len));
        json_object_set_new(o, "error", record_text(l->why));
    } else {
        json_object_set_new(o, "kind", json_string(w_kind(TARGET_DUPLICATE)));
        json_object_set_new(o, "domain", record_text(l->name));
        json_object_set_new(o, "duplicate_of", json_integer((json_int_t)l->dup_of));
    }
    return o;
}

void target_clear(struct target *t)
{
    free(t->domain);
    free(t->raw);
    free(t->why);
    resolve_result_free(t->rr);
    sts_state_free(t->sts);
    memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- reading a record back */

/* Where a refusal goes: "resolve.mx[2].ips[0]: not an IP address". */
struct pc {
    char *why;
    size_t whylen;
};

#define PATH_MAX_LEN 160

static int fail(struct pc *c, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct pc *c, const char *path, const char *key, const char *fmt, ...)
{
    int n = snprintf(c->why, c->whylen, "%s%s%s: ", path, *path && *key ? "." : "", key);
    if (n < 0 || (size_t)n >= c->whylen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why + n, c->whylen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* path.key, for the members of an object or array below it. */
static void sub_path(char *out, const char *path, const char *key)
{
    snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key);
}

static const json_t *get(struct pc *c, const json_t *o, const char *path, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        fail(c, path, key, "missing");
    return v;
}

static int get_int(struct pc *c, const json_t *o, const char *path, const char *key,
                   long long min, long long max, long long *out)
{
    const json_t *v = get(c, o, path, key);
    if (!v)
        return -1;
    if (!json_is_integer(v))
        return fail(c, path, key, "not an integer");
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return fail(c, path, key, "%lld is out of range (%lld to %lld)", x, min, max);
    *out = x;
    return 0;
}

static int get_bool(struct pc *c, const json_t *o, const char *path, const char *key, int *out)
{
    const json_t *v = get(c, o, path, key);
    if (!v)
        return -1;
    if (!json_is_boolean(v))
        return fail(c, path, key, "not true or false");
    *out = json_is_true(v);
    return 0;
}

/* A string or (nullable) null. */
static int get_str(struct pc *c, const json_t *o, const char *path, const char *key,
                   int nullable, const json_t **out)
{
    const json_t *v = get(c, o, path, key);
    if (!v)
        return -1;
    if (json_is_null(v) && nullable) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return fail(c, path, key, nullable ? "not a string or null" : "not a string");
    *out = v;
    return 0;
}

/* Text in the notation of core/text.h, decoded: *out (NULL for null) and, when len is given,
 * its length (the octets may hold NULs); without len a NUL is refused (a C string). */
static int text_of(struct pc *c, const json_t *v, const char *path, const char *key,
                   char **out, size_t *len)
{
    size_t n;
    char *s = (char *)text_unescape(json_string_value(v), json_string_length(v), &n);
    if (!len && memchr(s, '\0', n)) {
        free(s);
        return fail(c, path, key, "holds a NUL octet");
    }
    *out = s;
    if (len)
        *len = n;
    return 0;
}

static int get_text(struct pc *c, const json_t *o, const char *path, const char *key,
                    int nullable, char **out)
{
    const json_t *v;
    *out = NULL;
    if (get_str(c, o, path, key, nullable, &v) < 0)
        return -1;
    return v ? text_of(c, v, path, key, out, NULL) : 0;
}

/* The enum member whose word (w->str) the string v is; null is the member whose word is NULL
 * (DNSSEC_UNKNOWN, MTASTS_MODE_UNSET, ...), or -1 when the enum has none and nullable. */
static int word_of(struct pc *c, const json_t *v, const struct words *w, int nullable,
                   const char *path, const char *key, int *out)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s && !json_is_null(v))
        return fail(c, path, key, "not a string");
    if ((*out = word_index(w->str, w->n, s)) >= 0)
        return 0;
    if (!s && nullable) {
        *out = -1;
        return 0;
    }
    return s ? fail(c, path, key, "unknown word \"%.40s\"", s) : fail(c, path, key, "null");
}

static int get_word(struct pc *c, const json_t *o, const char *path, const char *key,
                    const struct words *w, int nullable, int *out)
{
    const json_t *v = get(c, o, path, key);
    return v ? word_of(c, v, w, nullable, path, key, out) : -1;
}

static int get_array(struct pc *c, const json_t *o, const char *path, const char *key,
                     const json_t **out)
{
    const json_t *v = get(c, o, path, key);
    if (!v)
        return -1;
    if (!json_is_array(v))
        return fail(c, path, key, "not an array");
    if (json_array_size(v) > INT_MAX)
        return fail(c, path, key, "too many entries");
    *out = v;
    return 0;
}

/* An object or null (*out NULL). */
static int get_object(struct pc *c, const json_t *o, const char *path, const char *key,
                      const json_t **out)
{
    const json_t *v = get(c, o, path, key);
    if (!v)
        return -1;
    if (!json_is_object(v) && !json_is_null(v))
        return fail(c, path, key, "not an object or null");
    *out = json_is_object(v) ? v : NULL;
    return 0;
}

static int is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* An IP address as written: plain ASCII (never the text notation). */
static int ip_of(struct pc *c, const json_t *v, const char *path, const char *key, char **out)
{
    if (!json_is_string(v))
        return fail(c, path, key, "not a string");
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || !is_ip(s))
        return fail(c, path, key, "not an IP address");
    *out = xstrdup(s);
    return 0;
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

static int blob_of(struct pc *c, const json_t *v, const char *path, const char *key,
                   struct resolve_blob *b)
{
    if (!json_is_string(v))
        return fail(c, path, key, "not a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n % 2)
        return fail(c, path, key, "hex of odd length");
    b->data = xmalloc(n / 2 + 1); /* never NULL, and NUL-terminated for a TXT reader */
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            free(b->data);
            b->data = NULL;
            return fail(c, path, key, "not hex at offset %zu", i);
        }
        b->data[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    b->data[n / 2] = '\0';
    b->len = n / 2;
    return 0;
}

/* s (zeroed) from a lookup's object, or not asked for null. */
static int rrset_parse(struct pc *c, const json_t *o, const char *path, const char *key,
                       struct resolve_rrset *s)
{
    const json_t *r, *rr;
    if (get_object(c, o, path, key, &r) < 0)
        return -1;
    if (!r)
        return 0;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
    int st, dn;
    sub_path(p, path, key);
    s->asked = 1;
    if (get_text(c, r, p, "qname", 1, &s->qname) < 0 || get_word(c, r, p, "status", &RESOLVE_WORDS, 0, &st) < 0 ||
        get_word(c, r, p, "dnssec", &DNSSEC_WORDS, 0, &dn) < 0 || get_text(c, r, p, "error", 1, &s->error) < 0 ||
        get_array(c, r, p, "rr", &rr) < 0)
        return -1;
    s->status = (enum resolve_status)st;
    s->dnssec = (enum resolve_dnssec)dn;
    size_t n = json_array_size(rr);
    s->rr = n ? xcalloc(n, sizeof(*s->rr)) : NULL;
    for (size_t i = 0; i < n; i++) {
        snprintf(q, sizeof(q), "rr[%zu]", i);
        if (blob_of(c, json_array_get(rr, i), p, q, &s->rr[i]) < 0)
            return -1;
        s->n++; /* what resolve_rrset_clear frees */
    }
    return 0;
}

static int mx_parse(struct pc *c, const json_t *e, const char *p, struct resolve_mx *m)
{
    if (!json_is_object(e))
        return fail(c, p, "", "not an object");
    long long pref;
    const json_t *ips;
    int dn;
    if (get_text(c, e, p, "host", 0, &m->host) < 0 || get_int(c, e, p, "pref", 0, UINT_MAX, &pref) < 0 ||
        get_array(c, e, p, "ips", &ips) < 0 || get_bool(c, e, p, "resolved", &m->resolved) < 0 ||
        get_text(c, e, p, "error", 1, &m->error) < 0 ||
        get_word(c, e, p, "addr_dnssec", &DNSSEC_WORDS, 0, &dn) < 0)
        return -1;
    m->pref = (unsigned)pref;
    m->addr_dnssec = (enum resolve_dnssec)dn;
    size_t n = json_array_size(ips);
    m->ips = n ? xcalloc(n, sizeof(*m->ips)) : NULL;
    char q[PATH_MAX_LEN];
    for (size_t k = 0; k < n; k++) {
        snprintf(q, sizeof(q), "ips[%zu]", k);
        if (ip_of(c, json_array_get(ips, k), p, q, &m->ips[k]) < 0)
            return -1;
        m->nips++;
    }
    return rrset_parse(c, e, p, "tlsa", &m->tlsa);
}

static int resolve_parse(struct pc *c, const json_t *r, const char *domain, struct resolve_result *rr)
{
    const char *p = "resolve";
    const json_t *mx;
    long long mx_cut, addrs_cut;
    int st, dn;
    rr->domain = xstrdup(domain);
    if (get_word(c, r, p, "status", &RESOLVE_WORDS, 0, &st) < 0 || get_text(c, r, p, "error", 1, &rr->error) < 0 ||
        get_bool(c, r, p, "implicit_mx", &rr->implicit_mx) < 0 ||
        get_int(c, r, p, "mx_cut", 0, INT_MAX, &mx_cut) < 0 ||
        get_int(c, r, p, "addrs_cut", 0, INT_MAX, &addrs_cut) < 0 ||
        get_word(c, r, p, "mx_dnssec", &DNSSEC_WORDS, 0, &dn) < 0 || get_array(c, r, p, "mx", &mx) < 0)
        return -1;
    rr->status = (enum resolve_status)st;
    rr->mx_dnssec = (enum resolve_dnssec)dn;
    rr->mx_cut = (int)mx_cut;
    rr->addrs_cut = (int)addrs_cut;
    size_t n = json_array_size(mx);
    rr->mx = n ? xcalloc(n, sizeof(*rr->mx)) : NULL;
    rr->nmx = (int)n; /* zeroed entries: resolve_result_free frees what is filled */
    char q[PATH_MAX_LEN];
    for (size_t i = 0; i < n; i++) {
        snprintf(q, sizeof(q), "%s.mx[%zu]", p, i);
        if (mx_parse(c, json_array_get(mx, i), q, &rr->mx[i]) < 0)
            return -1;
    }
    return rrset_parse(c, r, p, "sts", &rr->sts) < 0 || rrset_parse(c, r, p, "tlsrpt", &rr->tlsrpt) < 0
               ? -1
               : 0;
}

static int policy_parse(struct pc *c, const json_t *o, struct mtasts_policy *pol)
{
    const char *p = "mta_sts.policy";
    const json_t *mx;
    long long max_age;
    int mode;
    if (get_word(c, o, p, "mode", &MODE_WORDS, 0, &mode) < 0 ||
        get_int(c, o, p, "max_age", -1, LONG_MAX, &max_age) < 0 || get_array(c, o, p, "mx", &mx) < 0 ||
        get_bool(c, o, p, "has_version", &pol->has_version) < 0)
        return -1;
    pol->mode = (enum mtasts_mode)mode;
    pol->max_age = (long)max_age;
    size_t n = json_array_size(mx);
    pol->mx = n ? xcalloc(n, sizeof(*pol->mx)) : NULL;
    char q[PATH_MAX_LEN];
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(mx, i);
        snprintf(q, sizeof(q), "mx[%zu]", i);
        if (!json_is_string(v))
            return fail(c, p, q, "not a string");
        if (text_of(c, v, p, q, &pol->mx[i], NULL) < 0)
            return -1;
        pol->nmx++;
    }
    return 0;
}

/* The state's status from domains.jsonl's word: the first member of the enum whose word,
 * with this fetch_status and policy_error, is the word written (sender_sts_status_str: a
 * failed fetch says fetch_status's word, a body's error policy_error's). */
static int sts_status_of(struct pc *c, const json_t *o, struct sender_sts *s)
{
    const json_t *v;
    if (get_str(c, o, "mta_sts", "status", 0, &v) < 0)
        return -1;
    const char *w = json_string_value(v);
    for (int i = STS_OK; i <= STS_POLICY; i++) {
        struct sender_sts cand = {.status = (enum sender_sts_status)i, .fetch_status = s->fetch_status,
                                 .policy_error = s->policy_error};
        const char *word = sender_sts_status_str(&cand);
        if (word && strcmp(word, w) == 0) {
            s->status = (enum sender_sts_status)i;
            return 0;
        }
    }
    return fail(c, "mta_sts", "status", "unknown word \"%.40s\" (with this fetch_status and policy_error)", w);
}

static int sts_parse(struct pc *c, const json_t *o, struct sts_state *st)
{
    const char *p = "mta_sts";
    struct sender_sts *s = &st->s;
    const json_t *fip, *pol;
    char *id;
    long long http_code, line;
    int fs, pe;
    if (get_text(c, o, p, "id", 1, &id) < 0)
        return -1;
    if (id && strlen(id) > MTASTS_ID_MAX) {
        free(id);
        return fail(c, p, "id", "longer than %d octets", MTASTS_ID_MAX);
    }
    snprintf(s->id, sizeof(s->id), "%s", id ? id : "");
    free(id);
    if (get_text(c, o, p, "error", 1, &st->error) < 0 || get_str(c, o, p, "fetch_ip", 1, &fip) < 0 ||
        (fip && ip_of(c, fip, p, "fetch_ip", &st->fetch_ip) < 0) ||
        get_word(c, o, p, "fetch_status", &HTTPS_WORDS, 1, &fs) < 0 ||
        get_int(c, o, p, "http_code", 0, LONG_MAX, &http_code) < 0 ||
        get_word(c, o, p, "policy_error", &PERR_WORDS, 0, &pe) < 0 ||
        get_int(c, o, p, "policy_line", 0, LLONG_MAX, &line) < 0)
        return -1;
    s->fetch_status = fs >= 0 ? https_status_str((enum https_status)fs) : NULL; /* its static word */
    s->http_code = (long)http_code;
    s->policy_error = (enum mtasts_policy_error)pe;
    s->policy_line = (unsigned long)line;
    if (sts_status_of(c, o, s) < 0 || get_object(c, o, p, "policy", &pol) < 0)
        return -1;
    if (s->status == STS_OK && !pol)
        return fail(c, p, "policy", "null with status ok");
    if (s->status != STS_OK && pol)
        return fail(c, p, "policy", "an object with a status other than ok");
    if (pol && policy_parse(c, pol, &st->policy) < 0)
        return -1;
    sts_state_link(st);
    return 0;
}

static int domain_parse(struct pc *c, const json_t *rec, struct target *t)
{
    const json_t *r, *m;
    if (get_text(c, rec, "", "domain", 0, &t->domain) < 0 || get_object(c, rec, "", "resolve", &r) < 0 ||
        get_object(c, rec, "", "mta_sts", &m) < 0)
        return -1;
    if (!t->domain[0])
        return fail(c, "", "domain", "empty");
    if (!r)
        return fail(c, "", "resolve", "null in a domain record");
    t->rr = xcalloc(1, sizeof(*t->rr));
    if (resolve_parse(c, r, t->domain, t->rr) < 0)
        return -1;
    if (m) {
        t->sts = xcalloc(1, sizeof(*t->sts));
        if (sts_parse(c, m, t->sts) < 0)
            return -1;
    }
    return 0;
}

static int invalid_parse(struct pc *c, const json_t *rec, struct target *t)
{
    const json_t *v;
    if (get_str(c, rec, "", "input", 0, &v) < 0 || text_of(c, v, "", "input", &t->raw, &t->raw_len) < 0)
        return -1;
    if (t->raw_len > INPUT_LINE_MAX)
        return fail(c, "", "input", "longer than %d octets", INPUT_LINE_MAX);
    return get_text(c, rec, "", "error", 0, &t->why);
}

static int duplicate_parse(struct pc *c, const json_t *rec, struct target *t)
{
    long long of;
    if (get_text(c, rec, "", "domain", 0, &t->domain) < 0 ||
        get_int(c, rec, "", "duplicate_of", 1, LLONG_MAX, &of) < 0)
        return -1;
    if (!t->domain[0])
        return fail(c, "", "domain", "empty");
    t->dup_of = (unsigned long)of;
    return 0;
}

int targets_parse(const json_t *rec, struct target *t, char *why, size_t whylen)
{
    struct pc c = {why, whylen};
    memset(t, 0, sizeof(*t));
    long long line;
    int kind, rc;
    if (!json_is_object(rec))
        rc = fail(&c, "", "record", "not a JSON object");
    else if (get_int(&c, rec, "", "line", 1, LLONG_MAX, &line) < 0 ||
             get_word(&c, rec, "", "kind", &KIND_WORDS, 0, &kind) < 0)
        rc = -1;
    else {
        t->line = (unsigned long)line;
        t->kind = (enum target_kind)kind;
        rc = kind == TARGET_DOMAIN ? domain_parse(&c, rec, t)
             : kind == TARGET_INVALID ? invalid_parse(&c, rec, t)
                                      : duplicate_parse(&c, rec, t);
    }
    if (rc < 0)
        target_clear(t);
    return rc;
}

/* sum_enforce: see sum_enforce.h. The words are read from their tables (classify/sender.h,
 * dane.h, mtasts.h, probe/https.h, resolve_result.h); the definitions are in docs/schema.md. */
#include "sum_enforce.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/sender.h"
#include "core/hmap.h"
#include "core/util.h"
#include "probe/https.h"

#define KEY_NULL "null"       /* as summary.c: the field is null or absent */
#define KEY_UNKNOWN "unknown" /* of an unexpected type, or no word of its table */
#define KEY_NO_POLICY "no-policy" /* pattern_x_mta_sts: no policy in force (status not ok, or
                                   * mode none) */
/* The words the figures single out: the MTA-STS check's pass and not-covered, and a host
 * with TLSA records (classify/sender_words.c's tables). */
#define sts_check_pass sender_check_str(CHECK_PASS)
#define sts_check_not_covered sender_check_str(CHECK_NOT_COVERED)
#define tlsa_records sender_tlsa_str(TLSA_RECORDS)

static const enum dane_verdict dane_verdicts[] = {DANE_PASS, DANE_FAIL, DANE_UNUSABLE, DANE_NONE};
static const enum mtasts_mode sts_modes[] = {MTASTS_MODE_ENFORCE, MTASTS_MODE_TESTING, MTASTS_MODE_NONE};
static const enum resolve_dnssec dnssec_states[] = {DNSSEC_SECURE, DNSSEC_INSECURE, DNSSEC_BOGUS};
static const enum sender_policy policies[] = {SENDER_DANE_REQUIRED, SENDER_MTA_STS_ENFORCE,
                                              SENDER_MTA_STS_TESTING, SENDER_OPPORTUNISTIC};

struct share {
    unsigned long num, den;
};

struct sum_enforce {
    int seen;                /* some record had one of the fields */
    unsigned long domains;   /* `policy` not null */
    unsigned long dnssec_mx[ARRAY_LEN(dnssec_states) + 1]; /* + unknown */
    unsigned long with_tlsa, dane_required, dane_delivers;
    unsigned long dane_ep[ARRAY_LEN(dane_verdicts) + 1];   /* + unknown */
    unsigned long sts_present, sts_mode[ARRAY_LEN(sts_modes)], fetched, fetch_failures;
    unsigned long not_covered, with_outcome, would_fail;
    unsigned long tlsrpt_present;
    unsigned long policy_domains[ARRAY_LEN(policies)], policy_delivers[ARRAY_LEN(policies)];
    struct hmap sts_status, sts_outcome, tlsrpt_status; /* word -> count */
    struct hmap cross;       /* pattern -> struct hmap * (outcome -> count) */
};

struct sum_enforce *sum_enforce_new(void)
{
    struct sum_enforce *e = xcalloc(1, sizeof(*e));
    hmap_init(&e->sts_status);
    hmap_init(&e->sts_outcome);
    hmap_init(&e->tlsrpt_status);
    hmap_init(&e->cross);
    return e;
}

static void free_row(void *v)
{
    hmap_free(v, NULL);
    free(v);
}

void sum_enforce_free(struct sum_enforce *e)
{
    if (!e)
        return;
    hmap_free(&e->sts_status, NULL);
    hmap_free(&e->sts_outcome, NULL);
    hmap_free(&e->tlsrpt_status, NULL);
    hmap_free(&e->cross, free_row);
    free(e);
}

static void count(struct hmap *m, const char *key)
{
    uintptr_t n = (uintptr_t)hmap_get(m, key);
    hmap_put(m, key, (void *)(n + 1));
}

/* The key a string field counts under (summary.c's rule): itself, "null", "unknown". */
static const char *str_key(const json_t *v)
{
    if (!v || json_is_null(v))
        return KEY_NULL;
    return json_is_string(v) ? json_string_value(v) : KEY_UNKNOWN;
}

static int str_is(const json_t *v, const char *word)
{
    return word && json_is_string(v) && strcmp(json_string_value(v), word) == 0;
}

/* The word "ok" of the MTA-STS status (sender.h), which TLSRPT's status shares. */
static const char *word_ok(void)
{
    static const struct sender_sts ok = {.status = STS_OK};
    return sender_sts_status_str(&ok);
}

static int present(const json_t *v)
{
    return v && !json_is_null(v);
}

void sum_enforce_endpoint(struct sum_enforce *e, const json_t *h)
{
    const json_t *dane = json_object_get(h, "dane");
    if (!present(dane))
        return;
    e->seen = 1;
    const json_t *verdict = json_object_get(dane, "verdict");
    size_t i = 0;
    while (i < ARRAY_LEN(dane_verdicts) && !str_is(verdict, dane_verdict_str(dane_verdicts[i])))
        i++;
    e->dane_ep[i]++; /* i == ARRAY_LEN: unknown */
}

/* Some element of the array arr has member key equal to word. */
static int any_member_is(const json_t *arr, const char *key, const char *word)
{
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x)
        if (str_is(json_object_get(x, key), word))
            return 1;
    return 0;
}

static void count_sts(struct sum_enforce *e, const json_t *d, const json_t *sts)
{
    const json_t *status = json_object_get(sts, "status"), *mode = json_object_get(sts, "mode");
    const json_t *outcome = json_object_get(sts, "outcome");
    count(&e->sts_status, str_key(status));
    int ok = str_is(status, word_ok());
    e->sts_present += ok;
    size_t m = 0;
    while (ok && m < ARRAY_LEN(sts_modes) && !str_is(mode, mtasts_mode_str(sts_modes[m])))
        m++;
    if (ok && m < ARRAY_LEN(sts_modes))
        e->sts_mode[m]++;
    e->fetched += present(json_object_get(sts, "fetch"));
    for (int f = HTTPS_OK + 1; f <= HTTPS_FETCH_FAILED; f++)
        if (str_is(status, https_status_str((enum https_status)f))) {
            e->fetch_failures++;
            break;
        }
    e->not_covered += any_member_is(json_object_get(sts, "hosts"), "check", sts_check_not_covered);
    if (json_is_string(outcome)) {
        e->with_outcome++;
        e->would_fail += !str_is(outcome, sts_check_pass);
        count(&e->sts_outcome, json_string_value(outcome));
    }
    /* The Postini cross-tab: the domain's naming pattern against what MTA-STS would do. */
    int in_force = ok && !str_is(mode, mtasts_mode_str(MTASTS_MODE_NONE));
    const char *pattern = str_key(json_object_get(d, "pattern"));
    struct hmap *row = hmap_get(&e->cross, pattern);
    if (!row) {
        row = xcalloc(1, sizeof(*row));
        hmap_init(row);
        hmap_put(&e->cross, pattern, row);
    }
    count(row, in_force ? str_key(outcome) : KEY_NO_POLICY);
}

void sum_enforce_domain(struct sum_enforce *e, const json_t *d)
{
    const json_t *dnssec = json_object_get(d, "dnssec"), *sts = json_object_get(d, "mta_sts");
    const json_t *tlsrpt = json_object_get(d, "tlsrpt"), *policy = json_object_get(d, "policy");
    if (present(dnssec) || present(sts) || present(tlsrpt) || present(policy))
        e->seen = 1;
    if (!present(policy))
        return; /* no mail route, or lookups off: in no figure */
    e->domains++;
    const json_t *mx = json_object_get(dnssec, "mx");
    size_t i = 0;
    while (i < ARRAY_LEN(dnssec_states) && !str_is(mx, resolve_dnssec_str(dnssec_states[i])))
        i++;
    e->dnssec_mx[i]++;
    e->with_tlsa += any_member_is(json_object_get(dnssec, "hosts"), "tlsa", tlsa_records);

    const json_t *name = json_object_get(policy, "name");
    int delivers = json_is_true(json_object_get(policy, "delivers"));
    for (size_t p = 0; p < ARRAY_LEN(policies); p++)
        if (str_is(name, sender_policy_str(policies[p]))) {
            e->policy_domains[p]++;
            e->policy_delivers[p] += delivers;
        }
    e->dane_required += str_is(name, sender_policy_str(SENDER_DANE_REQUIRED));
    e->dane_delivers += str_is(name, sender_policy_str(SENDER_DANE_REQUIRED)) && delivers;

    count_sts(e, d, sts);
    const json_t *ts = json_object_get(tlsrpt, "status");
    count(&e->tlsrpt_status, str_key(ts));
    e->tlsrpt_present += str_is(ts, word_ok());
}

/* ------------------------------------------------------------------ the object */

static json_t *num(unsigned long n)
{
    return json_integer((json_int_t)n);
}

static void map_cb(void *arg, const char *key, void *val)
{
    json_object_set_new(arg, key, num((unsigned long)(uintptr_t)val));
}

static json_t *map_json(const struct hmap *m)
{
    json_t *o = json_object();
    hmap_foreach(m, map_cb, o);
    return o;
}

static void cross_cb(void *arg, const char *key, void *val)
{
    json_object_set_new(arg, key, map_json(val));
}

static json_t *share_json(unsigned long n, unsigned long d)
{
    json_t *o = json_object();
    json_object_set_new(o, "numerator", num(n));
    json_object_set_new(o, "denominator", num(d));
    json_object_set_new(o, "share", d ? json_real((double)n / (double)d) : json_null());
    return o;
}

/* The adoption and outcome shares, each with its denominator (report.html, summary.csv). */
static json_t *shares_json(const struct sum_enforce *e)
{
    unsigned long dane_with_records = e->dane_ep[0] + e->dane_ep[1] + e->dane_ep[2];
    json_t *o = json_object();
    json_object_set_new(o, "dnssec_mx", share_json(e->dnssec_mx[0], e->domains));
    json_object_set_new(o, "dane_present", share_json(e->with_tlsa, e->domains));
    json_object_set_new(o, "dane_required", share_json(e->dane_required, e->domains));
    json_object_set_new(o, "dane_endpoints_pass", share_json(e->dane_ep[0], dane_with_records));
    json_object_set_new(o, "mta_sts_present", share_json(e->sts_present, e->domains));
    json_object_set_new(o, "mta_sts_enforce", share_json(e->sts_mode[0], e->domains));
    json_object_set_new(o, "mta_sts_testing", share_json(e->sts_mode[1], e->domains));
    json_object_set_new(o, "mta_sts_fetch_failures", share_json(e->fetch_failures, e->fetched));
    json_object_set_new(o, "mta_sts_mx_not_covered", share_json(e->not_covered, e->sts_present));
    json_object_set_new(o, "mta_sts_would_fail", share_json(e->would_fail, e->with_outcome));
    json_object_set_new(o, "tlsrpt_present", share_json(e->tlsrpt_present, e->domains));
    return o;
}

json_t *sum_enforce_json(struct sum_enforce *e)
{
    if (!e->seen)
        return json_null();
    json_t *o = json_object(), *dm = json_object(), *dane = json_object(), *eps = json_object();
    json_object_set_new(o, "domains", num(e->domains));
    for (size_t i = 0; i < ARRAY_LEN(dnssec_states); i++)
        json_object_set_new(dm, resolve_dnssec_str(dnssec_states[i]), num(e->dnssec_mx[i]));
    json_object_set_new(dm, KEY_UNKNOWN, num(e->dnssec_mx[ARRAY_LEN(dnssec_states)]));
    json_object_set_new(o, "dnssec_mx", dm);

    json_object_set_new(dane, "domains_with_tlsa", num(e->with_tlsa));
    json_object_set_new(dane, "domains_dane_required", num(e->dane_required));
    json_object_set_new(dane, "domains_dane_delivers", num(e->dane_delivers));
    for (size_t i = 0; i < ARRAY_LEN(dane_verdicts); i++)
        json_object_set_new(eps, dane_verdict_str(dane_verdicts[i]), num(e->dane_ep[i]));
    if (e->dane_ep[ARRAY_LEN(dane_verdicts)])
        json_object_set_new(eps, KEY_UNKNOWN, num(e->dane_ep[ARRAY_LEN(dane_verdicts)]));
    json_object_set_new(dane, "endpoints", eps);
    json_object_set_new(o, "dane", dane);

    json_t *sts = json_object(), *modes = json_object();
    json_object_set_new(sts, "present", num(e->sts_present));
    json_object_set_new(sts, "status", map_json(&e->sts_status));
    for (size_t i = 0; i < ARRAY_LEN(sts_modes); i++)
        json_object_set_new(modes, mtasts_mode_str(sts_modes[i]), num(e->sts_mode[i]));
    json_object_set_new(sts, "mode", modes);
    json_object_set_new(sts, "fetch_failures", num(e->fetch_failures));
    json_object_set_new(sts, "mx_not_covered", num(e->not_covered));
    json_object_set_new(sts, "would_fail", num(e->would_fail));
    json_object_set_new(sts, "outcome", map_json(&e->sts_outcome));
    json_object_set_new(o, "mta_sts", sts);

    json_t *tr = json_object();
    json_object_set_new(tr, "present", num(e->tlsrpt_present));
    json_object_set_new(tr, "status", map_json(&e->tlsrpt_status));
    json_object_set_new(o, "tlsrpt", tr);

    json_t *pol = json_object();
    for (size_t p = 0; p < ARRAY_LEN(policies); p++) {
        json_t *x = json_object();
        json_object_set_new(x, "domains", num(e->policy_domains[p]));
        json_object_set_new(x, "delivers", num(e->policy_delivers[p]));
        json_object_set_new(pol, sender_policy_str(policies[p]), x);
    }
    json_object_set_new(o, "policy", pol);
    json_t *cross = json_object();
    hmap_foreach(&e->cross, cross_cb, cross);
    json_object_set_new(o, "pattern_x_mta_sts", cross);
    json_object_set_new(o, "shares", shares_json(e));
    return o;
}

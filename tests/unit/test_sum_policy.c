/* summary.json's `policies` (report/sum_policy.c) and the providers' policies, presented
 * names and MX host shapes (report/sum_provider.c), from a small scan folder written by hand
 * in which every policy accepts some domains and rejects others. ' stands for ". */
#include <stdarg.h>
#include <stdlib.h>

#include <jansson.h>

#include "report/summary.h"
#include "test.h"
#include "testfs.h"

/* Four endpoints: a valid SAN wildcard; a CN-only certificate that matches the PTR name; a
 * certificate naming the email domain (listed twice) whose EHLO name matches; no STARTTLS. */
static const char *const hosts[] = {
    "{'mx_host':'mx.p1.example','ip':'192.0.2.1','status':'ok','presented':['*.p1.example'],"
    "'names_from':'san','match':{'domain':'none','mx_host':'wildcard','ptr':'none','banner_host':null,"
    "'ehlo_host':'none'},'trust':{'valid':true,'reasons':[]},'provider':'p1.example'}",
    "{'mx_host':'a.example.s1.p1.example','ip':'192.0.2.2','status':'ok','presented':['*.p1.example'],"
    "'names_from':'cn','match':{'domain':'none','mx_host':'multilabel','ptr':'exact','banner_host':'none',"
    "'ehlo_host':'none'},'trust':{'valid':false,'reasons':['unknown-ca']},'provider':'p1.example'}",
    "{'mx_host':'mx.p2.example','ip':'192.0.2.3','status':'ok',"
    "'presented':['b.example','*.p2.example','b.example'],'names_from':'san',"
    "'match':{'domain':'exact','mx_host':'none','ptr':null,'banner_host':'none','ehlo_host':'wildcard'},"
    "'trust':{'valid':true,'reasons':[]},'provider':'p2.example'}",
    "{'mx_host':'mx.p3.example','ip':'192.0.2.4','status':'no-starttls','presented':null,'match':null,"
    "'trust':null,'provider':'p3.example'}",
    NULL,
};

/* a: strict by a wildcard (its pattern) on a CN-only certificate, and the PTR; b: the domain
 * only; c: a multi-label wildcard with a valid chain; d: exact, its primary dangling; e: no
 * TLS (in no policy's figures); f: a duplicate line (counted nowhere). */
static const char *const domains[] = {
    "{'domain':'a.example','status':'ok','pattern':'mx-wildcard','provider':'p1.example','match_domain':'none',"
    "'mx':[{'host':'a.example.s1.p1.example','pref':10}],'primary':{'mx_host':'a.example.s1.p1.example','ip':'192.0.2.2'}}",
    "{'domain':'b.example','status':'ok','pattern':'domain','provider':'p2.example','match_domain':'exact',"
    "'mx':[{'host':'mx.p2.example','pref':10}],'primary':{'mx_host':'mx.p2.example','ip':'192.0.2.3'}}",
    "{'domain':'c.example','status':'ok','pattern':'mx-multilabel','provider':'p1.example','match_domain':'none',"
    "'mx':[{'host':'c-example.s1.p1.example','pref':5},{'host':'mx.p1.example','pref':10}],"
    "'primary':{'mx_host':'mx.p1.example','ip':'192.0.2.1'}}",
    "{'domain':'d.example','status':'ok','pattern':'mx-exact','provider':'p1.example','match_domain':null,"
    "'mx':[{'host':'mx.p1.example','pref':10}],'primary':{'mx_host':'mx.gone.example','ip':'192.0.2.99'}}",
    "{'domain':'e.example','status':'ok','pattern':'no-tls','provider':'p3.example','match_domain':null,"
    "'mx':[{'host':'mx.p3.example','pref':10}],'primary':null}",
    "{'domain':'b.example','status':'duplicate','duplicate_of':2,'pattern':null,'provider':null,'primary':null}",
    NULL,
};

static json_t *build(void)
{
    char *dir = tfs_mkdtemp("mxs-sumpolicy");
    CHECK(dir != NULL);
    if (!dir)
        return NULL;
    tfs_write_lines(dir, "hosts.jsonl", hosts);
    tfs_write_lines(dir, "domains.jsonl", domains);
    char err[512] = "";
    json_t *s = NULL;
    CHECK_INT(summary_build(dir, &s, err, sizeof(err)), SUMMARY_OK);
    tfs_rmtree(dir);
    free(dir);
    return s;
}

static long long int_at(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void check_ratio(const json_t *v, long long n, long long d)
{
    if (d == 0) {
        CHECK(json_is_null(v));
        return;
    }
    CHECK(json_is_real(v));
    double want = (double)n / (double)d, got = json_real_value(v);
    CHECK(got > want - 1e-12 && got < want + 1e-12);
}

static void check_policy(const json_t *s, const char *name, long long n, long long acc, long long rej)
{
    const json_t *p = json_object_get(json_object_get(s, "policies"), name);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "  no policies.%s\n", name);
        return;
    }
    if (int_at(p, "n") != n || int_at(p, "newly_accepted") != acc || int_at(p, "newly_rejected") != rej)
        fprintf(stderr, "  policies.%s: n %lld, newly_accepted %lld, newly_rejected %lld\n", name,
                int_at(p, "n"), int_at(p, "newly_accepted"), int_at(p, "newly_rejected"));
    CHECK_INT(int_at(p, "N"), 4);
    CHECK_INT(int_at(p, "n"), n);
    CHECK_INT(int_at(p, "newly_accepted"), acc);
    CHECK_INT(int_at(p, "newly_rejected"), rej);
    check_ratio(json_object_get(p, "share"), n, 4);
}

/* policies.<name>.<key> holds exactly the strings given (up to NULL), in order. */
static void check_examples(const json_t *s, const char *name, const char *key, ...)
{
    const json_t *arr = json_object_get(json_object_get(json_object_get(s, "policies"), name), key);
    CHECK(json_is_array(arr));
    va_list ap;
    va_start(ap, key);
    size_t i = 0;
    for (const char *want; (want = va_arg(ap, const char *)); i++)
        CHECK_STR(json_string_value(json_array_get(arr, i)), want);
    va_end(ap);
    if (json_array_size(arr) != i)
        fprintf(stderr, "  policies.%s.%s has %zu elements\n", name, key, json_array_size(arr));
    CHECK_INT(json_array_size(arr), i);
}

TEST(summary_policies_side_by_side)
{
    json_t *s = build();
    if (!s)
        return;
    CHECK_INT(json_object_size(json_object_get(s, "policies")), 8);
    check_policy(s, "strict", 2, 0, 0);       /* a, d */
    check_policy(s, "rfc9525", 1, 0, 1);      /* d (dangling: counted as SAN); not a (CN only) */
    check_policy(s, "multilabel", 3, 1, 0);   /* + c */
    check_policy(s, "domain", 1, 1, 2);       /* b; not a, d */
    check_policy(s, "mx-or-domain", 3, 1, 0); /* a, b, d */
    check_policy(s, "ptr", 1, 0, 1);          /* a; not d */
    check_policy(s, "any-name", 3, 1, 0);     /* a, b (domain and EHLO), d */
    check_policy(s, "chain-only", 2, 2, 2);   /* b, c; not a (unknown-ca), d (dangling) */
    /* The examples: the domains themselves, sorted. */
    check_examples(s, "domain", "examples_newly_accepted", "b.example", NULL);
    check_examples(s, "domain", "examples_newly_rejected", "a.example", "d.example", NULL);
    check_examples(s, "chain-only", "examples_newly_accepted", "b.example", "c.example", NULL);
    check_examples(s, "chain-only", "examples_newly_rejected", "a.example", "d.example", NULL);
    check_examples(s, "strict", "examples_newly_accepted", NULL);
    check_examples(s, "rfc9525", "examples_newly_rejected", "a.example", NULL);
    /* The policies that are headline shares say the same. */
    const json_t *sh = json_object_get(s, "shares"), *pol = json_object_get(s, "policies");
    static const char *const same[][2] = {{"strict", "strict"}, {"multilabel", "multilabel_accepted"},
                                          {"rfc9525", "rfc9525"}, {"chain-only", "valid_chain"}};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        CHECK_INT(int_at(json_object_get(pol, same[i][0]), "n"),
                  int_at(json_object_get(sh, same[i][1]), "numerator"));
        CHECK_INT(int_at(json_object_get(pol, same[i][0]), "N"),
                  int_at(json_object_get(sh, same[i][1]), "denominator"));
    }
    json_decref(s);
}

static const json_t *provider(const json_t *s, const char *name)
{
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(s, "providers"), i, p)
        if (strcmp(json_string_value(json_object_get(p, "provider")), name) == 0)
            return p;
    fprintf(stderr, "  no provider %s\n", name);
    return NULL;
}

static void check_provider_policy(const json_t *p, const char *name, long long n, long long d)
{
    const json_t *sh = json_object_get(json_object_get(p, "policies"), name);
    CHECK_INT(int_at(sh, "numerator"), n);
    CHECK_INT(int_at(sh, "denominator"), d);
    check_ratio(json_object_get(sh, "share"), n, d);
}

static void check_name(const json_t *p, size_t i, const char *name, long long endpoints)
{
    const json_t *e = json_array_get(json_object_get(p, "presented_top"), i);
    CHECK_STR(json_string_value(json_object_get(e, "name")), name);
    CHECK_INT(int_at(e, "endpoints"), endpoints);
}

TEST(summary_provider_policies_names_shapes)
{
    json_t *s = build();
    if (!s)
        return;
    const json_t *p1 = provider(s, "p1.example"), *p2 = provider(s, "p2.example"),
                 *p3 = provider(s, "p3.example");
    CHECK(p1 && p2 && p3);
    if (p1 && p2 && p3) {
        CHECK_INT(int_at(p1, "domains"), 3);
        check_provider_policy(p1, "strict", 2, 3);
        check_provider_policy(p1, "multilabel", 3, 3);
        check_provider_policy(p1, "rfc9525", 1, 3);
        CHECK_INT(json_array_size(json_object_get(p1, "presented_top")), 1);
        check_name(p1, 0, "*.p1.example", 2); /* two endpoints, one name each */
        const json_t *shape = json_object_get(p1, "mx_shape");
        CHECK_STR(json_string_value(json_object_get(shape, "shape")), "{domain}.s1.p1.example");
        CHECK_INT(int_at(shape, "domains"), 2); /* a.example's labels and c-example */

        check_provider_policy(p2, "strict", 0, 1);
        check_provider_policy(p2, "multilabel", 0, 1);
        CHECK_INT(json_array_size(json_object_get(p2, "presented_top")), 2);
        check_name(p2, 0, "*.p2.example", 1); /* a tie: byte order; b.example once per endpoint */
        check_name(p2, 1, "b.example", 1);
        CHECK_STR(json_string_value(json_object_get(json_object_get(p2, "mx_shape"), "shape")),
                  "mx.p2.example");

        check_provider_policy(p3, "strict", 0, 0); /* no domain with STARTTLS: null share */
        CHECK_INT(json_array_size(json_object_get(p3, "presented_top")), 0);
        CHECK_INT(int_at(json_object_get(p3, "mx_shape"), "domains"), 1);
    }
    json_decref(s);
}

TEST(summary_provider_top_names_capped)
{
    char *dir = tfs_mkdtemp("mxs-sumpolicy");
    if (!dir)
        return;
    /* Five names over four endpoints: the three most presented, most first, ties by name. */
    const char *h[] = {
        "{'mx_host':'mx1.p.example','ip':'192.0.2.1','status':'ok','presented':['z.p.example','y.p.example'],'provider':'p.example'}",
        "{'mx_host':'mx2.p.example','ip':'192.0.2.2','status':'ok','presented':['z.p.example','x.p.example'],'provider':'p.example'}",
        "{'mx_host':'mx3.p.example','ip':'192.0.2.3','status':'ok','presented':['z.p.example','w.p.example'],'provider':'p.example'}",
        "{'mx_host':'mx4.p.example','ip':'192.0.2.4','status':'ok','presented':['v.p.example','w.p.example'],'provider':'p.example'}",
        NULL};
    const char *d[] = {
        "{'domain':'a.example','status':'ok','pattern':'unrelated','provider':'p.example',"
        "'mx':[{'host':'mx1.p.example','pref':1}],'primary':{'mx_host':'mx1.p.example','ip':'192.0.2.1'}}",
        NULL};
    tfs_write_lines(dir, "hosts.jsonl", h);
    tfs_write_lines(dir, "domains.jsonl", d);
    char err[512] = "";
    json_t *s = NULL;
    CHECK_INT(summary_build(dir, &s, err, sizeof(err)), SUMMARY_OK);
    const json_t *p = s ? provider(s, "p.example") : NULL;
    CHECK(p != NULL);
    if (p) {
        CHECK_INT(json_array_size(json_object_get(p, "presented_top")), 3);
        check_name(p, 0, "z.p.example", 3);
        check_name(p, 1, "w.p.example", 2);
        check_name(p, 2, "v.p.example", 1);
    }
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

TEST(summary_policy_examples_first_five)
{
    char *dir = tfs_mkdtemp("mxs-sumpolicy");
    if (!dir)
        return;
    /* Seven domains that only domain accepts, written in no order: the first five by name. */
    const char *names[] = {"g.example", "c.example", "a.example", "f.example", "b.example",
                           "e.example", "d.example"};
    char *lines[8] = {0};
    for (int i = 0; i < 7; i++) {
        char buf[256];
        snprintf(buf, sizeof(buf), "{'domain':'%s','status':'ok','pattern':'domain','match_domain':'exact',"
                                   "'primary':null}", names[i]);
        lines[i] = strdup(buf);
    }
    tfs_write_lines(dir, "hosts.jsonl", (const char *[]){NULL});
    tfs_write_lines(dir, "domains.jsonl", (const char *const *)lines);
    char err[512] = "";
    json_t *s = NULL;
    CHECK_INT(summary_build(dir, &s, err, sizeof(err)), SUMMARY_OK);
    if (s) {
        check_examples(s, "domain", "examples_newly_accepted", "a.example", "b.example", "c.example",
                       "d.example", "e.example", NULL);
        CHECK_INT(int_at(json_object_get(json_object_get(s, "policies"), "domain"), "newly_accepted"), 7);
        check_examples(s, "domain", "examples_newly_rejected", NULL);
    }
    json_decref(s);
    for (int i = 0; i < 7; i++)
        free(lines[i]);
    tfs_rmtree(dir);
    free(dir);
}

/* summary.json `enforcement` (sum_enforce.c) fed hand-made records: every count, the shares'
 * denominators, the pattern × MTA-STS cross-tab, and null for runs without the fields (a
 * --no-policy run, a folder from an older version, which `report DIR` must still take). In
 * the fixtures, ' stands for ". */
#include <stdlib.h>

#include <jansson.h>

#include "cmd/report.h"
#include "report/out_csv.h"
#include "report/summary.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

static json_t *parse(const char *fixture)
{
    char *t = tfs_unquote(fixture);
    json_error_t je;
    json_t *j = json_loads(t, 0, &je);
    if (!j)
        fprintf(stderr, "  fixture: %s: %s\n", je.text, t);
    CHECK(j != NULL);
    free(t);
    return j;
}

static void check_map(json_t *root, const char *path, const char *want)
{
    char *s = json_dumps(tfs_json_at(root, path), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *w = tfs_unquote(want);
    CHECK_STR(s, w);
    free(s);
    free(w);
}

static void check_share(json_t *e, const char *name, long long n, long long d)
{
    char p[128];
    snprintf(p, sizeof(p), "shares.%s.numerator", name);
    CHECK_INT(tfs_json_int(e, p), n);
    snprintf(p, sizeof(p), "shares.%s.denominator", name);
    CHECK_INT(tfs_json_int(e, p), d);
    snprintf(p, sizeof(p), "shares.%s.share", name);
    json_t *v = tfs_json_at(e, p);
    CHECK(d ? json_is_real(v) && json_real_value(v) == (double)n / (double)d : json_is_null(v));
}

static const char *const hosts[] = {
    "{'mx_host':'a','ip':'127.0.0.1','dane':{'verdict':'pass'}}",
    "{'mx_host':'b','ip':'127.0.0.2','dane':{'verdict':'fail'}}",
    "{'mx_host':'c','ip':'127.0.0.3','dane':{'verdict':'unusable'}}",
    "{'mx_host':'d','ip':'127.0.0.4','dane':{'verdict':'none'}}",
    "{'mx_host':'e','ip':'127.0.0.5','dane':null}",
    "{'mx_host':'f','ip':'127.0.0.6','dane':{'verdict':7}}",
    NULL,
};

static const char *const domains[] = {
    /* DANE required and met; MTA-STS enforce passes. */
    "{'domain':'d1','status':'ok','pattern':'mx-exact',"
    "'dnssec':{'mx':'secure','hosts':[{'host':'a','addresses':'secure','tlsa':'records'}]},"
    "'mta_sts':{'status':'ok','mode':'enforce','fetch':{'status':'ok'},'hosts':[{'host':'a','check':'pass'}],'outcome':'pass'},"
    "'tlsrpt':{'status':'ok'},'policy':{'name':'dane-required','delivers':true}}",
    /* The Postini case: a multi-label MX under a one-label pattern, enforced. */
    "{'domain':'d2','status':'ok','pattern':'mx-multilabel',"
    "'dnssec':{'mx':'insecure','hosts':[{'host':'x','addresses':'insecure','tlsa':null}]},"
    "'mta_sts':{'status':'ok','mode':'enforce','fetch':{'status':'ok'},"
    "'hosts':[{'host':'x','check':'not-covered'}],'outcome':'not-covered'},"
    "'tlsrpt':{'status':'syntax'},'policy':{'name':'mta-sts-enforce','delivers':false}}",
    "{'domain':'d3','status':'ok','pattern':'mx-multilabel','dnssec':{'mx':'bogus','hosts':[]},"
    "'mta_sts':{'status':'ok','mode':'testing','fetch':{'status':'ok'},'hosts':[{'host':'y','check':'no-tls'}],"
    "'outcome':'not-covered'},'tlsrpt':{'status':'none'},'policy':{'name':'mta-sts-testing','delivers':true}}",
    /* A fetch failure: no policy. */
    "{'domain':'d4','status':'ok','pattern':'mx-exact','dnssec':{'mx':null,'hosts':[]},"
    "'mta_sts':{'status':'bad-certificate','mode':null,'fetch':{'status':'bad-certificate'},'hosts':[],'outcome':null},"
    "'tlsrpt':{'status':'ok'},'policy':{'name':'opportunistic','delivers':true}}",
    /* Mode none: a policy that asks for nothing. */
    "{'domain':'d5','status':'ok','pattern':'mx-exact','dnssec':null,"
    "'mta_sts':{'status':'ok','mode':'none','fetch':{'status':'ok'},'hosts':[{'host':'z','check':null}],'outcome':null},"
    "'tlsrpt':{'status':'ok'},'policy':{'name':'opportunistic','delivers':false}}",
    "{'domain':'d6','status':'ok','pattern':'mx-exact',"
    "'dnssec':{'mx':'secure','hosts':[{'host':'w','addresses':'secure','tlsa':'none'}]},"
    "'mta_sts':{'status':'no-txt','fetch':null,'hosts':[],'outcome':null},"
    "'tlsrpt':{'status':'none'},'policy':{'name':'opportunistic','delivers':true}}",
    /* No mail route: in no figure, though it has fields. */
    "{'domain':'d7','status':'nxdomain','pattern':'no-mail','dnssec':{'mx':'insecure','hosts':[]},"
    "'mta_sts':null,'tlsrpt':null,'policy':null}",
    "{'domain':'d8','status':'ok','pattern':'mx-wildcard',"
    "'dnssec':{'mx':'secure','hosts':[{'host':'v','addresses':'secure','tlsa':'dns-error'},"
    "{'host':'u','addresses':'secure','tlsa':'records'}]},"
    "'mta_sts':{'status':'no-txt','fetch':null,'hosts':[],'outcome':null},"
    "'tlsrpt':{'status':'dns-error'},'policy':{'name':'dane-required','delivers':false}}",
    /* Older and --no-policy records: counted nowhere here. */
    "{'domain':'d9','status':'ok','pattern':'mx-exact'}",
    "{'domain':'d10','status':'ok','pattern':'mx-exact','dnssec':null,'mta_sts':null,'tlsrpt':null,'policy':null}",
    NULL,
};

static json_t *summary_of(const char *const *h, const char *const *d)
{
    struct summary_acc *a = summary_new();
    for (; h && *h; h++) {
        json_t *j = parse(*h);
        summary_add_endpoint(a, j);
        json_decref(j);
    }
    for (; d && *d; d++) {
        json_t *j = parse(*d);
        summary_add_domain(a, j);
        json_decref(j);
    }
    json_t *s = summary_finish(a, NULL);
    summary_free(a);
    return s;
}

TEST(summary_enforcement_counts)
{
    json_t *s = summary_of(hosts, domains);
    json_t *e = json_object_get(s, "enforcement");
    CHECK(json_is_object(e));
    CHECK_INT(tfs_json_int(e, "domains"), 7);
    check_map(e, "dnssec_mx", "{'bogus':1,'insecure':1,'secure':3,'unknown':2}");
    CHECK_INT(tfs_json_int(e, "dane.domains_with_tlsa"), 2);
    CHECK_INT(tfs_json_int(e, "dane.domains_dane_required"), 2);
    CHECK_INT(tfs_json_int(e, "dane.domains_dane_delivers"), 1);
    check_map(e, "dane.endpoints", "{'fail':1,'none':1,'pass':1,'unknown':1,'unusable':1}");
    CHECK_INT(tfs_json_int(e, "mta_sts.present"), 4);
    check_map(e, "mta_sts.status", "{'bad-certificate':1,'no-txt':2,'ok':4}");
    check_map(e, "mta_sts.mode", "{'enforce':2,'none':1,'testing':1}");
    CHECK_INT(tfs_json_int(e, "mta_sts.fetch_failures"), 1);
    CHECK_INT(tfs_json_int(e, "mta_sts.mx_not_covered"), 1);
    CHECK_INT(tfs_json_int(e, "mta_sts.would_fail"), 2);
    check_map(e, "mta_sts.outcome", "{'not-covered':2,'pass':1}");
    CHECK_INT(tfs_json_int(e, "tlsrpt.present"), 3);
    check_map(e, "tlsrpt.status", "{'dns-error':1,'none':2,'ok':3,'syntax':1}");
    check_map(e, "policy", "{'dane-required':{'delivers':1,'domains':2},'mta-sts-enforce':{'delivers':0,'domains':1},"
                           "'mta-sts-testing':{'delivers':1,'domains':1},'opportunistic':{'delivers':2,'domains':3}}");
    /* The Postini cross-tab: pattern by what MTA-STS would do; mode none and no policy apart. */
    check_map(e, "pattern_x_mta_sts", "{'mx-exact':{'no-policy':3,'pass':1},'mx-multilabel':{'not-covered':2},"
                                      "'mx-wildcard':{'no-policy':1}}");
    check_share(e, "dnssec_mx", 3, 7);
    check_share(e, "dane_present", 2, 7);
    check_share(e, "dane_required", 2, 7);
    check_share(e, "dane_endpoints_pass", 1, 3);
    check_share(e, "mta_sts_present", 4, 7);
    check_share(e, "mta_sts_enforce", 2, 7);
    check_share(e, "mta_sts_testing", 1, 7);
    check_share(e, "mta_sts_fetch_failures", 1, 5);
    check_share(e, "mta_sts_mx_not_covered", 1, 4);
    check_share(e, "mta_sts_would_fail", 2, 3);
    check_share(e, "tlsrpt_present", 3, 7);
    /* summary.csv: a row per figure, the cross-tab's cells and the shares among them. */
    char *dir = tfs_mkdtemp("mxs-enforce-csv"), err[256] = "";
    CHECK(dir != NULL);
    if (dir) {
        CHECK_INT(csv_write_summary(dir, s, err, sizeof(err)), SUMMARY_OK);
        char *csv = tfs_read(dir, "summary.csv");
        CHECK(csv && strstr(csv, "\r\nenforcement.pattern_x_mta_sts.mx-multilabel.not-covered,2\r\n"));
        CHECK(csv && strstr(csv, "\r\nenforcement.shares.mta_sts_would_fail.share,0.666666666666667\r\n"));
        CHECK(csv && strstr(csv, "\r\nenforcement.shares.mta_sts_would_fail.denominator,3\r\n"));
        CHECK(csv && strstr(csv, "\r\nenforcement.policy.opportunistic.delivers,2\r\n"));
        free(csv);
        tfs_rmtree(dir);
        free(dir);
    }
    json_decref(s);
}

/* No record with the fields: null, whether they are absent (older files) or null (a
 * --no-policy run); a single endpoint with `dane` is enough for the object. */
TEST(summary_enforcement_null_without_fields)
{
    static const char *const old_h[] = {"{'mx_host':'a','ip':'127.0.0.1','status':'ok'}", NULL};
    static const char *const nopol_h[] = {"{'mx_host':'a','ip':'127.0.0.1','status':'ok','dane':null}", NULL};
    json_t *s = summary_of(old_h, domains + 8);
    CHECK(json_is_null(json_object_get(s, "enforcement")));
    json_decref(s);
    s = summary_of(nopol_h, domains + 9);
    CHECK(json_is_null(json_object_get(s, "enforcement")));
    json_decref(s);
    s = summary_of(hosts, NULL);
    json_t *e = json_object_get(s, "enforcement");
    CHECK_INT(tfs_json_int(e, "domains"), 0);
    CHECK_INT(tfs_json_int(e, "dane.endpoints.pass"), 1);
    check_share(e, "dnssec_mx", 0, 0);
    json_decref(s);
}

/* `report DIR` on a folder written before the fields existed: every report is made, and
 * summary.json's enforcement is null. */
TEST(summary_enforcement_report_old_folder)
{
    char *dir = tfs_mkdtemp("mxs-enforce-old");
    CHECK(dir != NULL);
    if (!dir)
        return;
    static const char *const h[] = {
        "{'mx_host':'mx.a.example','ip':'127.0.0.1','port':25,'status':'ok','tls':{'version':'TLSv1.2','cipher':'X'}}",
        NULL};
    static const char *const d[] = {
        "{'line':1,'domain':'a.example','status':'ok','pattern':'mx-exact','endpoints':[],"
        "'primary':{'mx_host':'mx.a.example','ip':'127.0.0.1'}}",
        NULL};
    static const char *const run[] = {
        "{'tool':'mxsurvey','version':'0.1.0','started':'2026-01-02T03:04:05Z','finished':'2026-01-02T03:09:00Z'}",
        NULL};
    tfs_write_lines(dir, "hosts.jsonl", h);
    tfs_write_lines(dir, "domains.jsonl", d);
    tfs_write_lines(dir, "run.json", run);
    CHECK_INT(tfs_run(cmd_report, "report", dir, "--quiet", (const char *)NULL), 0);
    json_t *s = tfs_load_json(dir, "summary.json");
    CHECK(json_is_null(json_object_get(s, "enforcement")));
    CHECK_INT(tfs_json_int(s, "domains.total"), 1);
    json_decref(s);
    char *html = tfs_read(dir, "report.html");
    CHECK(html && !strstr(html, "id=\"enforcement\""));
    free(html);
    char *csv = tfs_read(dir, "domains.csv");
    CHECK(csv && strstr(csv, ",policy,policy_delivers\r\n"));
    free(csv);
    tfs_rmtree(dir);
    free(dir);
}

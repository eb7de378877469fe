/* summary.json from small scan folders written by hand, checked number by number; the
 * `mxsurvey report` command; and docs/schema.md listing every key summary.json has. In the
 * JSONL fixtures below, ' stands for " (none of the values needs an apostrophe). */
#include <stdlib.h>

#include <jansson.h>

#include "cmd/report.h"
#include "report/output.h"
#include "report/summary.h"
#include "report/sum_issuers.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

/* ------------------------------------------------------------------ helpers */

/* Writes text and a line break to dir/name, with ' turned into ". */
static void write_text(const char *dir, const char *name, const char *text)
{
    const char *lines[] = {text, NULL};
    tfs_write_lines(dir, name, lines);
}

/* The number of keys (object) or elements (array) at path, -1 when neither. */
static long long size_at(json_t *root, const char *path)
{
    json_t *v = tfs_json_at(root, path);
    return json_is_object(v) ? (long long)json_object_size(v)
           : json_is_array(v) ? (long long)json_array_size(v)
                              : -1;
}

static void check_share(json_t *s, const char *name, long long n, long long d)
{
    char p[128];
    snprintf(p, sizeof(p), "shares.%s.numerator", name);
    CHECK_INT(tfs_json_int(s, p), n);
    snprintf(p, sizeof(p), "shares.%s.denominator", name);
    CHECK_INT(tfs_json_int(s, p), d);
    snprintf(p, sizeof(p), "shares.%s.share", name);
    json_t *v = tfs_json_at(s, p);
    if (d == 0) {
        CHECK(json_is_null(v));
    } else {
        CHECK(json_is_real(v));
        double want = (double)n / (double)d, got = json_real_value(v);
        if (got < want - 1e-12 || got > want + 1e-12)
            fprintf(stderr, "  %s == %g, expected %g\n", p, got, want);
        CHECK(got >= want - 1e-12 && got <= want + 1e-12);
    }
}

/* ------------------------------------------------------------------ the main fixture */

/* Six endpoints (the first with a `dane`, as a.example has the policy fields: enforcement):
 * full records, one from an older version (no classification fields), one
 * without TLS, one whose certificate could not be parsed and whose trust is malformed, one
 * whose provider has no domain; plus a line that is blank. */
static const char *const hosts_lines[] = {
    "{'mx_host':'mx1.prov-a.example','ip':'192.0.2.1','status':'ok','tls':{'version':'TLSv1.2','cipher':'X'},"
    "'cert':{'key_type':'RSA','key_bits':2048},'presented':['mx1.prov-a.example'],'names_from':'san',"
    "'wildcard':'none','trust':{'valid':true,'reasons':[]},"
    "'tlsrpt':'v=TLSRPTv1; rua=mailto:tls@prov-a.example','provider':'prov-a.example',"
    "'issuer':{'o':'Acme','cn':'Acme CA','root':'Acme Root','self_signed':false},'dane':{'verdict':'pass'}}",
    "{'mx_host':'mx2.prov-a.example','ip':'192.0.2.2','status':'ok','tls':{'version':'TLSv1.2','cipher':'X'},"
    "'cert':{'key_type':'EC','key_bits':256},'names_from':'cn','wildcard':'leftmost',"
    "'trust':{'valid':false,'reasons':['expired','self-signed']},'tlsrpt':null,'provider':'prov-a.example',"
    "'issuer':{'o':null,'cn':'mx2.prov-a.example','root':null,'self_signed':true}}",
    "",
    "{'mx_host':'mx.prov-b.example','ip':'192.0.2.3','status':'ok','tls':{'version':'TLSv1.0','cipher':'X'},"
    "'cert':{'key_type':'RSA','key_bits':1024},'names_from':'san','wildcard':'bare',"
    "'trust':{'valid':false,'reasons':['weak-key','weak-key']},"
    "'tlsrpt':'v=TLSRPTv1; rua=mailto:tls@prov-b.example','provider':'prov-b.example'}",
    "{'mx_host':'mx.old.example','ip':'192.0.2.4','status':'no-starttls','tls':null,'cert':null}",
    "{'mx_host':'mx.dead.example','ip':'192.0.2.5','status':'connect-failed','tls':null,'cert':null,"
    "'presented':[],'names_from':null,'match':null,'wildcard':null,'trust':null,'tlsrpt':null,"
    "'provider':'dead.example'}",
    "{'mx_host':'mx2.prov-b.example','ip':'192.0.2.6','status':'ok','tls':{'version':'TLSv1.2','cipher':'X'},"
    "'cert':{'key_type':null,'key_bits':null,'parse_error':'bad'},'names_from':null,'wildcard':'none',"
    "'trust':{'valid':'yes','reasons':[7]},'tlsrpt':null,'provider':'prov-b.example'}",
    "{'mx_host':'backup.example','ip':'192.0.2.7','status':'timeout','tls':null,'cert':null,"
    "'wildcard':null,'trust':null,'tlsrpt':null,'provider':'backup.example'}",
    NULL,
};

/* Ten domains: every share has members and non-members; d.example's primary is dangling;
 * i.example comes from an older version; prov-a and prov-b tie with two domains each. */
static const char *const domains_lines[] = {
    "{'domain':'a.example','status':'ok','pattern':'mx-exact','provider':'prov-a.example','consistent':true,"
    "'match_domain':'none','primary':{'mx_host':'mx1.prov-a.example','ip':'192.0.2.1'},"
    "'mx':[{'host':'mx1.prov-a.example','pref':10,'ips':['192.0.2.1']}],"
    "'dnssec':{'mx':'secure','hosts':[{'host':'mx1.prov-a.example','addresses':'secure','tlsa':'records'}]},"
    "'mta_sts':{'status':'ok','mode':'enforce','hosts':[],'outcome':'pass'},'tlsrpt':{'status':'ok'},"
    "'policy':{'name':'dane-required','delivers':true}}",
    "{'domain':'c.example','status':'ok','pattern':'mx-multilabel','provider':'prov-b.example','consistent':false,"
    "'primary':{'mx_host':'mx.prov-b.example','ip':'192.0.2.3'}}",
    "{'domain':'b.example','status':'ok','pattern':'mx-wildcard','provider':'prov-a.example','consistent':true,"
    "'primary':{'mx_host':'mx2.prov-a.example','ip':'192.0.2.2'}}",
    "{'domain':'d.example','status':'ok','pattern':'mx-exact','provider':'prov-b.example','consistent':true,"
    "'primary':{'mx_host':'mx.gone.example','ip':'192.0.2.99'}}",
    "{'domain':'e.example','status':'ok','pattern':'provider','provider':'prov-c.example','consistent':true,"
    "'primary':{'mx_host':'mx1.prov-a.example','ip':'192.0.2.1'}}",
    "{'domain':'f.example','status':'ok','pattern':'no-tls','provider':'old.example','consistent':true,'primary':null}",
    "{'domain':'g.example','status':'ok','pattern':'unreachable','provider':'dead.example','consistent':false,'primary':null}",
    "{'domain':'h.example','status':'null-mx','pattern':'no-mail','provider':null,'consistent':true,'primary':null}",
    "{'line':9,'domain':'i.example','status':'ok','endpoints':[]}",
    "{'domain':'bad line','status':'invalid','pattern':null,'consistent':null}",
    NULL,
};

static const char run_interrupted[] =
    "{'tool':'mxsurvey','version':'0.1.0','started':'2026-01-02T03:04:05Z','finished':'2026-01-02T03:09:00Z',"
    "'input':'list.txt','input_sha256':null,'options':{'port':'2525','resolver':['127.0.0.1']},"
    "'interrupted':true,'counts':{'lines':12,'domains':10,'endpoints':7},"
    "'dns_errors':{'failed_share':0.5,'limit':0.2,'exceeded':true,'no_answer':false,"
    "'message':'50.0% of DNS queries failed'}}";

static char *main_fixture(void)
{
    char *dir = tfs_mkdtemp("mxs-summary");
    CHECK(dir != NULL);
    if (!dir)
        return NULL;
    tfs_write_lines(dir, "hosts.jsonl", hosts_lines);
    tfs_write_lines(dir, "domains.jsonl", domains_lines);
    write_text(dir, "run.json", run_interrupted);
    return dir;
}

TEST(summary_counts_and_shares)
{
    char *dir = main_fixture();
    if (!dir)
        return;
    char err[512] = "";
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    CHECK_STR(err, "");
    json_t *s = tfs_load_json(dir, "summary.json");
    CHECK(s != NULL);
    if (!s) {
        tfs_rmtree(dir);
        free(dir);
        return;
    }

    /* meta: run.json copied, including the interruption */
    CHECK(json_is_true(tfs_json_at(s, "meta.interrupted")));
    CHECK_STR(json_string_value(tfs_json_at(s, "meta.tool")), "mxsurvey");
    CHECK_STR(json_string_value(tfs_json_at(s, "meta.started")), "2026-01-02T03:04:05Z");
    CHECK_STR(json_string_value(tfs_json_at(s, "meta.input")), "list.txt");
    CHECK(json_is_null(tfs_json_at(s, "meta.input_sha256")));
    CHECK_STR(json_string_value(tfs_json_at(s, "meta.options.port")), "2525");
    CHECK_INT(tfs_json_int(s, "meta.counts.lines"), 12);
    CHECK(json_is_true(tfs_json_at(s, "meta.dns_errors.exceeded")));
    CHECK_STR(json_string_value(tfs_json_at(s, "meta.dns_errors.message")), "50.0% of DNS queries failed");
    CHECK(json_is_null(tfs_json_at(s, "meta.mode"))); /* a run.json from before --mode */
    CHECK_INT(size_at(s, "meta"), 13);
    const char *gen = json_string_value(tfs_json_at(s, "meta.generated"));
    CHECK(gen && strlen(gen) == 20 && gen[10] == 'T' && gen[19] == 'Z');
    CHECK(json_is_string(tfs_json_at(s, "meta.generator_version")));

    /* domains */
    CHECK_INT(tfs_json_int(s, "domains.total"), 10);
    CHECK_INT(tfs_json_int(s, "domains.by_status.ok"), 8);
    CHECK_INT(tfs_json_int(s, "domains.by_status.null-mx"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_status.invalid"), 1);
    CHECK_INT(size_at(s, "domains.by_status"), 3);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.mx-exact"), 2);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.mx-wildcard"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.mx-multilabel"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.provider"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.no-tls"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.unreachable"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.no-mail"), 1);
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.null"), 2); /* absent (older record) and null */
    CHECK_INT(size_at(s, "domains.by_pattern"), 8);
    CHECK_INT(tfs_json_int(s, "domains.consistent.true"), 6);
    CHECK_INT(tfs_json_int(s, "domains.consistent.false"), 2);
    CHECK_INT(tfs_json_int(s, "domains.consistent.null"), 2);
    CHECK_INT(size_at(s, "domains.consistent"), 3);

    /* endpoints */
    CHECK_INT(tfs_json_int(s, "endpoints.total"), 7);
    CHECK_INT(tfs_json_int(s, "endpoints.by_status.ok"), 4);
    CHECK_INT(tfs_json_int(s, "endpoints.by_status.no-starttls"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_status.connect-failed"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_status.timeout"), 1);
    CHECK_INT(size_at(s, "endpoints.by_status"), 4);
    CHECK_INT(tfs_json_int(s, "endpoints.by_wildcard.none"), 2);
    CHECK_INT(tfs_json_int(s, "endpoints.by_wildcard.leftmost"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_wildcard.bare"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_wildcard.null"), 3);
    CHECK_INT(size_at(s, "endpoints.by_wildcard"), 4);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.valid"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.invalid"), 2);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.null"), 3);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.unknown"), 1);
    CHECK_INT(size_at(s, "endpoints.by_trust"), 4);
    CHECK_INT(tfs_json_int(s, "endpoints.by_reason.expired"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_reason.self-signed"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_reason.weak-key"), 1); /* listed twice, one endpoint */
    CHECK_INT(tfs_json_int(s, "endpoints.by_reason.unknown"), 1);  /* a reason that is not a string */
    CHECK_INT(size_at(s, "endpoints.by_reason"), 4);
    json_t *tv = tfs_json_at(s, "endpoints.by_tls_version");
    CHECK_INT(json_integer_value(json_object_get(tv, "TLSv1.2")), 3);
    CHECK_INT(json_integer_value(json_object_get(tv, "TLSv1.0")), 1);
    CHECK_INT(json_integer_value(json_object_get(tv, "null")), 3);
    CHECK_INT(json_object_size(tv), 3);
    CHECK_INT(tfs_json_int(s, "endpoints.by_key_type.RSA 2048"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_key_type.RSA 1024"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_key_type.EC 256"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_key_type.unknown"), 1); /* unparsable certificate */
    CHECK_INT(tfs_json_int(s, "endpoints.by_key_type.null"), 3);
    CHECK_INT(size_at(s, "endpoints.by_key_type"), 5);
    json_t *rpt = tfs_json_at(s, "endpoints.by_tlsrpt");
    CHECK_INT(json_integer_value(json_object_get(rpt, "v=TLSRPTv1; rua=mailto:tls@prov-a.example")), 1);
    CHECK_INT(json_integer_value(json_object_get(rpt, "v=TLSRPTv1; rua=mailto:tls@prov-b.example")), 1);
    CHECK_INT(json_integer_value(json_object_get(rpt, "null")), 5);
    CHECK_INT(json_object_size(rpt), 3);

    /* shares: TLS patterns a, b, c, d, e; accepting mail also f, g */
    check_share(s, "starttls", 5, 7);
    check_share(s, "strict", 3, 5);              /* a, b, d */
    check_share(s, "multilabel_accepted", 4, 5); /* a, b, c, d */
    check_share(s, "rfc9525", 2, 5);             /* b's primary names come from the CN; d dangles */
    check_share(s, "valid_chain", 2, 5);         /* a, e; d dangles */

    /* providers: the tie prov-a/prov-b by name; backup.example has endpoints but no domain */
    CHECK_INT(size_at(s, "providers"), 5);
    static const struct {
        const char *name;
        long long domains, endpoints;
    } want[] = {
        {"prov-a.example", 2, 2}, {"prov-b.example", 2, 2}, {"dead.example", 1, 1},
        {"old.example", 1, 0},    {"prov-c.example", 1, 0},
    };
    json_t *provs = tfs_json_at(s, "providers");
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        json_t *p = json_array_get(provs, i);
        CHECK_STR(json_string_value(json_object_get(p, "provider")), want[i].name);
        CHECK_INT(tfs_json_int(p, "domains"), want[i].domains);
        CHECK_INT(tfs_json_int(p, "endpoints"), want[i].endpoints);
    }
    json_t *p0 = json_array_get(provs, 0), *p1 = json_array_get(provs, 1);
    CHECK_INT(tfs_json_int(p0, "by_pattern.mx-exact"), 1);
    CHECK_INT(tfs_json_int(p0, "by_pattern.mx-wildcard"), 1);
    CHECK_INT(size_at(p0, "by_pattern"), 2);
    CHECK_INT(tfs_json_int(p1, "by_pattern.mx-exact"), 1);
    CHECK_INT(tfs_json_int(p1, "by_pattern.mx-multilabel"), 1);
    CHECK_INT(tfs_json_int(json_array_get(provs, 3), "by_pattern.no-tls"), 1);
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ more than 50 providers */

TEST(summary_top_providers)
{
    char *dir = tfs_mkdtemp("mxs-summary");
    if (!dir)
        return;
    /* Provider pNN has 1 + NN % 4 domains; written round-robin so no provider's domains
     * are adjacent; plus domains with a null and an absent provider. */
    FILE *f = tfs_fopen(dir, "domains.jsonl", "w");
    CHECK(f != NULL);
    if (!f) {
        tfs_rmtree(dir);
        free(dir);
        return;
    }
    for (int round = 0; round < 4; round++)
        for (int i = 59; i >= 0; i--)
            if (round < 1 + i % 4)
                fprintf(f, "{\"domain\":\"d%d-%d.example\",\"status\":\"ok\",\"pattern\":\"%s\","
                           "\"provider\":\"p%02d.example\"}\n",
                        i, round, round == 0 ? "mx-exact" : "unrelated", i);
    fprintf(f, "{\"domain\":\"x.example\",\"status\":\"ok\",\"pattern\":\"no-mail\",\"provider\":null}\n"
               "{\"domain\":\"y.example\",\"status\":\"nxdomain\"}\n");
    fclose(f);
    const char *hosts[] = {"{'mx_host':'mx.p59.example','ip':'192.0.2.1','provider':'p59.example'}",
                           "{'mx_host':'mx2.p59.example','ip':'192.0.2.1','provider':'p59.example'}",
                           "{'mx_host':'mx.p59.example','ip':'192.0.2.1','provider':'p59.example'}",
                           NULL};
    tfs_write_lines(dir, "hosts.jsonl", hosts);
    char err[512] = "";
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    json_t *s = tfs_load_json(dir, "summary.json");
    json_t *provs = tfs_json_at(s, "providers");
    CHECK_INT(json_array_size(provs), SUMMARY_TOP_PROVIDERS);
    /* 15 with 4 domains (p03, p07, ... p59), 15 with 3, 15 with 2, then 5 of the 15 with 1. */
    static const struct {
        size_t index;
        const char *name;
        long long domains;
    } want[] = {
        {0, "p03.example", 4},  {1, "p07.example", 4},  {14, "p59.example", 4},
        {15, "p02.example", 3}, {29, "p58.example", 3}, {30, "p01.example", 2},
        {45, "p00.example", 1}, {46, "p04.example", 1}, {49, "p16.example", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        json_t *p = json_array_get(provs, want[i].index);
        CHECK_STR(json_string_value(json_object_get(p, "provider")), want[i].name);
        CHECK_INT(tfs_json_int(p, "domains"), want[i].domains);
    }
    json_t *p59 = json_array_get(provs, 14);
    CHECK_INT(tfs_json_int(p59, "endpoints"), 2); /* a repeated record counts once */
    CHECK_INT(tfs_json_int(p59, "by_pattern.mx-exact"), 1);
    CHECK_INT(tfs_json_int(p59, "by_pattern.unrelated"), 3);
    CHECK_INT(tfs_json_int(s, "domains.total"), 152);
    CHECK_INT(tfs_json_int(s, "endpoints.total"), 3);
    check_share(s, "starttls", 150, 150);
    check_share(s, "strict", 60, 150);
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ edge folders */

TEST(summary_empty_folder)
{
    char *dir = tfs_mkdtemp("mxs-summary");
    if (!dir)
        return;
    const char *none[] = {NULL};
    tfs_write_lines(dir, "hosts.jsonl", none);
    tfs_write_lines(dir, "domains.jsonl", none);
    char err[512] = "";
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    json_t *s = tfs_load_json(dir, "summary.json");
    CHECK_INT(tfs_json_int(s, "domains.total"), 0);
    CHECK_INT(tfs_json_int(s, "endpoints.total"), 0);
    CHECK_INT(size_at(s, "domains.by_status"), 0);
    CHECK_INT(size_at(s, "domains.by_pattern"), 0);
    CHECK_INT(size_at(s, "domains.consistent"), 2);
    CHECK_INT(tfs_json_int(s, "domains.consistent.true"), 0);
    CHECK_INT(tfs_json_int(s, "domains.consistent.false"), 0);
    CHECK_INT(size_at(s, "endpoints.by_trust"), 2);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.valid"), 0);
    CHECK_INT(tfs_json_int(s, "endpoints.by_trust.invalid"), 0);
    CHECK_INT(size_at(s, "endpoints.by_reason"), 0);
    CHECK_INT(size_at(s, "endpoints.by_key_type"), 0);
    static const char *const shares[] = {"starttls", "strict", "multilabel_accepted", "rfc9525",
                                         "valid_chain"};
    for (size_t i = 0; i < ARRAY_LEN(shares); i++)
        check_share(s, shares[i], 0, 0);
    CHECK_INT(size_at(s, "providers"), 0);
    /* no run.json: its fields are null */
    CHECK(json_is_null(tfs_json_at(s, "meta.tool")));
    CHECK(json_is_null(tfs_json_at(s, "meta.interrupted")));
    CHECK(json_is_null(tfs_json_at(s, "meta.counts")));
    CHECK(json_is_string(tfs_json_at(s, "meta.generated")));
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

/* A domain whose endpoints were all blocked (never contacted) counts by its pattern and its
 * endpoints by their status, but in no share: like no-mail, it says nothing about mail
 * servers. */
TEST(summary_blocked_in_no_share)
{
    char *dir = tfs_mkdtemp("mxs-summary");
    if (!dir)
        return;
    const char *hosts[] = {
        "{'mx_host':'mx.a.example','ip':'192.0.2.1','status':'ok','trust':{'valid':true,'reasons':[]},"
        "'names_from':'san'}",
        "{'mx_host':'mx.b.example','ip':'10.0.0.1','status':'blocked','error':'blocked: 10.0.0.0/8 "
        "(Private-Use, RFC 1918)','trust':null}",
        "{'mx_host':'mx.c.example','ip':'192.0.2.9','status':'connect-failed','trust':null}",
        NULL};
    const char *domains[] = {
        "{'domain':'a.example','status':'ok','pattern':'mx-exact','provider':'a.example','consistent':true,"
        "'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
        "{'domain':'b.example','status':'ok','pattern':'blocked','provider':'b.example','consistent':true,'primary':null}",
        "{'domain':'c.example','status':'ok','pattern':'unreachable','provider':'c.example','consistent':true,'primary':null}",
        NULL};
    tfs_write_lines(dir, "hosts.jsonl", hosts);
    tfs_write_lines(dir, "domains.jsonl", domains);
    char err[512] = "";
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    json_t *s = tfs_load_json(dir, "summary.json");
    CHECK_INT(tfs_json_int(s, "domains.by_pattern.blocked"), 1);
    CHECK_INT(tfs_json_int(s, "endpoints.by_status.blocked"), 1);
    check_share(s, "starttls", 1, 2); /* a.example of a.example and c.example */
    check_share(s, "strict", 1, 1);
    check_share(s, "valid_chain", 1, 1);
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

TEST(summary_input_errors)
{
    char *dir = tfs_mkdtemp("mxs-summary");
    if (!dir)
        return;
    char err[512] = "";
    json_t *s = NULL;

    /* both files missing, then only domains.jsonl */
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_check_err(err, "hosts.jsonl: No such file");
    tfs_write_lines(dir, "hosts.jsonl", hosts_lines);
    CHECK_INT(summary_build(dir, &s, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK(s == NULL);
    tfs_check_err(err, "domains.jsonl: No such file");

    /* a malformed line, cut short as a killed writer would leave it */
    const char *bad[] = {domains_lines[0], domains_lines[1], "{'domain':'z.example','stat", NULL};
    tfs_write_lines(dir, "domains.jsonl", bad);
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_check_err(err, "/domains.jsonl:3: malformed JSON");

    /* valid JSON that is not an object; the blank line 3 still counts as a line */
    const char *arr[] = {hosts_lines[0], hosts_lines[1], "", "[1, 2]", NULL};
    tfs_write_lines(dir, "hosts.jsonl", arr);
    tfs_write_lines(dir, "domains.jsonl", domains_lines);
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_check_err(err, "/hosts.jsonl:4: not a JSON object");

    /* a broken run.json */
    tfs_write_lines(dir, "hosts.jsonl", hosts_lines);
    write_text(dir, "run.json", "{'tool':");
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_check_err(err, "run.json");

    /* nothing was written by the failures */
    CHECK(!tfs_exists(dir, "summary.json"));

    /* a folder that is a file */
    char path[512];
    snprintf(path, sizeof(path), "%s/hosts.jsonl", dir);
    CHECK_INT(summary_write(path, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_check_err(err, "not a directory");
    tfs_rmtree(dir);
    free(dir);
}

/* The text of dir/summary.json without its "generated" line; caller frees. */
static char *text_without_generated(const char *dir)
{
    char line[4096];
    FILE *f = tfs_fopen(dir, "summary.json", "r");
    if (!f)
        return xstrdup("");
    size_t len = 0;
    char *out = xcalloc(1, 1);
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "\"generated\":"))
            continue;
        size_t n = strlen(line);
        out = xrealloc(out, len + n + 1);
        memcpy(out + len, line, n + 1);
        len += n;
    }
    fclose(f);
    return out;
}

TEST(summary_regenerate_identical)
{
    char *dir = main_fixture();
    if (!dir)
        return;
    char err[512] = "";
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    char *first = text_without_generated(dir);
    /* Every map is seeded at random per run, so only sorting makes the output stable. */
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    char *second = text_without_generated(dir);
    CHECK(strlen(first) > 1000);
    CHECK_STR(second, first);
    /* no temporary file left behind: hosts, domains, run, summary */
    CHECK_INT(tfs_count_files(dir), 4);
    free(first);
    free(second);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ fed in pieces */

/* The records of a fixture's lines (blank ones left out), parsed; *n gets their number.
 * Caller decrefs each and frees the array. */
static json_t **records_of(const char *const *lines, size_t *n)
{
    size_t cap = 0;
    while (lines[cap])
        cap++;
    json_t **out = xcalloc(cap + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; lines[i]; i++) {
        if (!lines[i][0])
            continue;
        char *text = tfs_unquote(lines[i]);
        out[*n] = json_loads(text, 0, NULL);
        CHECK(out[*n] != NULL);
        (*n)++;
        free(text);
    }
    return out;
}

static void free_records(json_t **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(r[i]);
    free(r);
}

/* s without meta.generated (the one key that differs between two makings), as sorted text. */
static char *text_of(json_t *s)
{
    json_object_del(json_object_get(s, "meta"), "generated");
    return json_dumps(s, JSON_SORT_KEYS | JSON_INDENT(1));
}

/* The aggregator fed one record at a time as a scan feeds it (endpoints in pieces, each
 * domain after the endpoints it names, through summary_add_* and through the output
 * `summary`), and the folder's files fed to it by `mxsurvey report DIR` (summary_build) give
 * the same summary; a --resume's output reads the records the folder keeps, whole lines only,
 * before this round's. */
TEST(summary_fed_in_pieces)
{
    char *dir = main_fixture();
    if (!dir)
        return;
    char err[512] = "";
    json_t *want = NULL;
    CHECK_INT(summary_build(dir, &want, err, sizeof(err)), SUMMARY_OK);
    char *want_text = want ? text_of(want) : xstrdup("");
    json_t *run = NULL;
    CHECK_INT(summary_read_run(dir, &run, err, sizeof(err)), SUMMARY_OK);
    CHECK(run != NULL);
    size_t nh, nd;
    json_t **hosts = records_of(hosts_lines, &nh), **doms = records_of(domains_lines, &nd);
    CHECK_INT(nh, 7);
    CHECK_INT(nd, 10);

    /* 1. summary_add_*: the first three endpoints, the three domains whose primary they are,
     * the other endpoints, then the other domains. */
    struct summary_acc *a = summary_new();
    for (size_t i = 0; i < 3; i++)
        summary_add_endpoint(a, hosts[i]);
    for (size_t i = 0; i < 3; i++)
        summary_add_domain(a, doms[i]);
    for (size_t i = 3; i < nh; i++)
        summary_add_endpoint(a, hosts[i]);
    for (size_t i = 3; i < nd; i++)
        summary_add_domain(a, doms[i]);
    json_t *got = summary_finish(a, run);
    CHECK(got != NULL);
    CHECK(summary_finish(a, run) == NULL); /* once */
    char *got_text = got ? text_of(got) : xstrdup("");
    CHECK(strlen(want_text) > 1000);
    CHECK_STR(got_text, want_text);
    free(got_text);
    json_decref(got);
    summary_free(a);

    /* 2. The output `summary`, every endpoint then every domain, as records come. */
    const struct output_ops *ops = output_find("summary");
    CHECK(ops != NULL);
    if (ops) {
        a = summary_new();
        void *st = NULL;
        struct output_where w = {.dir = dir, .arg = a};
        CHECK_INT(ops->open(&st, &w, err, sizeof(err)), 0);
        for (size_t i = 0; i < nh; i++)
            CHECK_INT(ops->endpoint(st, hosts[i]), 0);
        for (size_t i = 0; i < nd; i++)
            CHECK_INT(ops->domain(st, doms[i]), 0);
        CHECK_INT(ops->close(st), 0);
        got = summary_finish(a, run);
        got_text = got ? text_of(got) : xstrdup("");
        CHECK_STR(got_text, want_text);
        free(got_text);
        json_decref(got);
        summary_free(a);

        /* 3. --resume: the folder keeps the first four endpoints and five domains, and a
         * killed writer's cut line at the end of each file; this round brings the rest. */
        char *part = tfs_mkdtemp("mxs-summary-part");
        CHECK(part != NULL);
        FILE *f = part ? tfs_fopen(part, "hosts.jsonl", "w") : NULL;
        for (size_t i = 0; f && i < 4; i++) {
            char *t = json_dumps(hosts[i], JSON_COMPACT);
            fprintf(f, "%s\n", t);
            free(t);
        }
        if (f) {
            fputs("{\"mx_host\":\"cut.example\",\"ip\":\"192.0.2.9\",\"stat", f);
            fclose(f);
        }
        f = part ? tfs_fopen(part, "domains.jsonl", "w") : NULL;
        for (size_t i = 0; f && i < 5; i++) {
            char *t = json_dumps(doms[i], JSON_COMPACT);
            fprintf(f, "%s\n", t);
            free(t);
        }
        if (f) {
            fputs("{\"domain\":\"cut.example\",\"pattern\":\"mx-ex", f);
            fclose(f);
        }
        a = summary_new();
        struct output_where wa = {.dir = part, .append = 1, .arg = a};
        CHECK_INT(ops->open(&st, &wa, err, sizeof(err)), 0);
        CHECK_STR(err, "");
        for (size_t i = 4; i < nh; i++)
            CHECK_INT(ops->endpoint(st, hosts[i]), 0);
        for (size_t i = 5; i < nd; i++)
            CHECK_INT(ops->domain(st, doms[i]), 0);
        CHECK_INT(ops->close(st), 0);
        got = summary_finish(a, run);
        got_text = got ? text_of(got) : xstrdup("");
        CHECK_STR(got_text, want_text);
        free(got_text);
        json_decref(got);
        summary_free(a);
        if (part)
            tfs_rmtree(part);
        free(part);

        /* No aggregator: refused. */
        struct output_where none = {.dir = dir};
        CHECK_INT(ops->open(&st, &none, err, sizeof(err)), -1);
        CHECK(strstr(err, "aggregator") != NULL);
    }
    free_records(hosts, nh);
    free_records(doms, nd);
    json_decref(run);
    json_decref(want);
    free(want_text);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ mxsurvey report */

/* cmd_report with the arguments up to the first NULL. */
#define run_report(...) tfs_run(cmd_report, "report", __VA_ARGS__, (const char *)NULL)

TEST(report_command)
{
    CHECK_INT(run_report("/nonexistent/mxs-scan-folder", NULL), 2);
    CHECK_INT(run_report(NULL, NULL), 2);
    CHECK_INT(run_report("--no-such-option", "/tmp"), 2);
    char *dir = main_fixture();
    if (!dir)
        return;
    CHECK_INT(run_report(dir, "--quiet"), 0);
    json_t *s = tfs_load_json(dir, "summary.json");
    CHECK_INT(tfs_json_int(s, "domains.total"), 10);
    json_decref(s);
    /* An unfinished scan is refused before anything is made from it. */
    tfs_unlink(dir, "summary.json");
    write_text(dir, "run.json", "{'started':'2026-01-02T03:04:05Z','finished':null}");
    CHECK_INT(run_report(dir, "--quiet"), 2);
    CHECK(!tfs_exists(dir, "summary.json"));
    write_text(dir, "run.json", run_interrupted);
    write_text(dir, "domains.jsonl", "not json");
    CHECK_INT(run_report("-q", dir), 2);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ docs/schema.md */

/* Maps (objects whose keys are values of a field) and the objects copied from run.json end
 * a path. */
static int stop_at_maps(const char *prefix)
{
    static const char *const leaves[] = {"meta.options", "meta.counts", "meta.dns_errors", "domains.consistent",
                                         "providers[].by_pattern", "enforcement.mta_sts.status",
                                         "enforcement.mta_sts.outcome", "enforcement.tlsrpt.status",
                                         "enforcement.pattern_x_mta_sts"};
    const char *last = strrchr(prefix, '.');
    if (str_starts_with(last ? last + 1 : prefix, "by_"))
        return 1;
    for (size_t i = 0; i < ARRAY_LEN(leaves); i++)
        if (strcmp(prefix, leaves[i]) == 0)
            return 1;
    return 0;
}

TEST(summary_schema_documented)
{
    char *dir = main_fixture();
    if (!dir)
        return;
    char err[512] = "";
    json_t *s = NULL;
    /* read leniently: meta.skipped_lines is there too */
    struct jsonl_opts jo = {.lenient = 1};
    CHECK_INT(summary_build_opts(dir, &jo, &s, err, sizeof(err)), SUMMARY_OK);
    json_t *have = json_object(), *doc = tfs_schema_names("summary.json");
    tfs_key_paths(s, "", have, stop_at_maps);
    tfs_check_documented(have, doc, "summary.json");
    CHECK(json_object_size(have) > 50);
    json_decref(have);
    json_decref(doc);
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

/* summary.json `issuers`: endpoints with a certificate under their leaf's issuer (a CA row,
 * self-signed, unknown), domains under their primary endpoint's, the strict share per issuer. */
TEST(summary_issuers)
{
    char *dir = main_fixture();
    if (!dir)
        return;
    char err[512] = "";
    json_t *s = NULL;
    CHECK_INT(summary_build(dir, &s, err, sizeof(err)), SUMMARY_OK);
    json_t *is = json_object_get(s, "issuers");
    CHECK_INT(tfs_json_int(is, "endpoints"), 4); /* the four with a certificate */
    CHECK_INT(tfs_json_int(is, "domains"), 4);   /* d.example's primary is dangling */
    CHECK_INT(tfs_json_int(is, "issuers"), 1);
    CHECK_INT(size_at(is, "top"), 1);
    json_t *acme = json_array_get(json_object_get(is, "top"), 0);
    CHECK_STR(json_string_value(json_object_get(acme, "o")), "Acme");
    CHECK_STR(json_string_value(json_object_get(acme, "cn")), "Acme CA");
    CHECK_INT(tfs_json_int(acme, "endpoints"), 1);
    CHECK_INT(tfs_json_int(acme, "domains"), 2);
    CHECK_INT(tfs_json_int(acme, "by_root.Acme Root"), 1);
    CHECK_INT(tfs_json_int(acme, "by_wildcard.none"), 1);
    CHECK_INT(tfs_json_int(acme, "by_pattern.mx-exact"), 1);
    CHECK_INT(tfs_json_int(acme, "by_pattern.provider"), 1);
    CHECK_INT(tfs_json_int(acme, "strict.numerator"), 1);
    CHECK_INT(tfs_json_int(acme, "strict.denominator"), 2);
    CHECK(json_real_value(tfs_json_at(acme, "strict.share")) == 0.5);
    /* mx2.prov-a.example signs itself: its own row whatever its names; b.example's. */
    CHECK_INT(tfs_json_int(is, "self_signed.endpoints"), 1);
    CHECK_INT(tfs_json_int(is, "self_signed.domains"), 1);
    CHECK_INT(tfs_json_int(is, "self_signed.by_wildcard.leftmost"), 1);
    CHECK_INT(tfs_json_int(is, "self_signed.strict.numerator"), 1);
    CHECK(tfs_json_at(is, "self_signed.o") == NULL);
    /* A record from before `issuer`, and an unparsable leaf: unknown; c.example's. */
    CHECK_INT(tfs_json_int(is, "unknown.endpoints"), 2);
    CHECK_INT(tfs_json_int(is, "unknown.domains"), 1);
    CHECK_INT(tfs_json_int(is, "unknown.by_pattern.mx-multilabel"), 1);
    CHECK_INT(tfs_json_int(is, "unknown.strict.numerator"), 0);
    CHECK_INT(tfs_json_int(is, "unknown.strict.denominator"), 1);
    CHECK_INT(tfs_json_int(is, "others.endpoints"), 0);
    CHECK_INT(tfs_json_int(is, "others.issuers"), 0);
    CHECK(json_is_null(tfs_json_at(is, "others.strict.share")));
    json_decref(s);
    tfs_rmtree(dir);
    free(dir);
}

/* The 30 CA rows with the most endpoints; the rest merged into `other`; hostile names kept as
 * they are (JSON escapes them; the page escapes them again). */
TEST(summary_issuers_top_and_other)
{
    struct summary_acc *a = summary_new();
    char line[512];
    for (int i = 0; i < 33; i++) /* issuer i has 40 - i endpoints; ties none */
        for (int k = 0; k < 40 - i; k++) {
            snprintf(line, sizeof(line),
                     "{\"mx_host\":\"mx%d.example\",\"ip\":\"192.0.2.%d\",\"cert\":{},"
                     "\"wildcard\":\"none\",\"issuer\":{\"o\":\"</td><script>%d\",\"cn\":%s,"
                     "\"root\":null,\"self_signed\":false}}",
                     k, i, i, i == 5 ? "null" : "\"CA\"");
            json_t *h = json_loads(line, 0, NULL);
            summary_add_endpoint(a, h);
            json_decref(h);
        }
    json_t *d = json_loads("{\"domain\":\"x.example\",\"status\":\"ok\",\"pattern\":\"mx-exact\","
                           "\"primary\":{\"mx_host\":\"mx0.example\",\"ip\":\"192.0.2.32\"}}",
                           0, NULL);
    summary_add_domain(a, d);
    json_decref(d);
    json_t *s = summary_finish(a, NULL);
    json_t *is = json_object_get(s, "issuers");
    CHECK_INT(tfs_json_int(is, "issuers"), 33);
    CHECK_INT(size_at(is, "top"), SUM_ISSUERS_TOP);
    json_t *top = json_object_get(is, "top");
    CHECK_STR(json_string_value(json_object_get(json_array_get(top, 0), "o")), "</td><script>0");
    CHECK_INT(tfs_json_int(json_array_get(top, 0), "endpoints"), 40);
    CHECK(json_is_null(json_object_get(json_array_get(top, 5), "cn")));
    CHECK_INT(tfs_json_int(json_array_get(top, 29), "endpoints"), 11);
    /* issuers 30, 31, 32: 10 + 9 + 8 endpoints, and x.example (served by issuer 32) */
    CHECK_INT(tfs_json_int(is, "others.issuers"), 3);
    CHECK_INT(tfs_json_int(is, "others.endpoints"), 27);
    CHECK_INT(tfs_json_int(is, "others.domains"), 1);
    CHECK_INT(tfs_json_int(is, "others.by_wildcard.none"), 27);
    CHECK_INT(tfs_json_int(is, "others.strict.numerator"), 1);
    CHECK_INT(tfs_json_int(is, "endpoints"), 40 * 33 - (32 * 33) / 2);
    json_decref(s);
    summary_free(a);
}

/* mxsurvey diff on small scan folders written by hand: every kind of change, appeared and
 * vanished domains, duplicates, identical runs, malformed lines (file:line), formula-looking
 * domain strings in diff.csv, the readable summary, the command line, and docs/schema.md
 * listing every key of diff.json and column of diff.csv. In the fixtures, ' stands for " and
 * \' for \" (a quote inside a JSON string). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "report/diff.h"
#include "report/diff_out.h"
#include "cmd/diffcmd.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

/* ------------------------------------------------------------------ helpers */

/* got equals the JSON text want (in fixture quoting); prints both otherwise. */
static void check_json(const json_t *got, const char *want_text)
{
    char *w = tfs_unquote(want_text);
    json_error_t je;
    json_t *want = json_loads(w, 0, &je);
    if (!want)
        fprintf(stderr, "  bad expected JSON: %s: %s\n", je.text, w);
    int eq = want && got && json_equal(got, want);
    if (!eq) {
        char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
        fprintf(stderr, "  got      %s\n  expected %s\n", g ? g : "(null)", w);
        free(g);
    }
    CHECK(eq);
    json_decref(want);
    free(w);
}

/* ------------------------------------------------------------------ the fixture */

static const char *const old_hosts[] = {
    "{'mx_host':'mx.a.example','ip':'192.0.2.1','status':'ok','cert':{'sha256':'aa'},'trust':{'valid':true,'reasons':[]}}",
    "{'mx_host':'mx.c.example','ip':'192.0.2.3','status':'ok','cert':{'sha256':'cc'},'trust':{'valid':true,'reasons':[]}}",
    "",
    "{'mx_host':'mx.d.example','ip':'192.0.2.4','status':'ok','cert':{'sha256':'dd'},'trust':{'valid':false,'reasons':['unknown-ca']}}",
    NULL,
};

/* a: pattern changes; b: MX set written in another order with a repeat (no change); c: the
 * certificate; d: trust; f: the MX set; gone, and three formula-looking invalid lines,
 * vanish; same stays. */
static const char *const old_domains[] = {
    "{'domain':'a.example','status':'ok','pattern':'mx-exact','mx':[{'host':'mx.a.example','pref':10}],"
    "'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
    "{'domain':'b.example','status':'ok','pattern':'mx-exact','mx':[{'host':'mx.a.example','pref':10},"
    "{'host':'mx2.a.example','pref':20}],'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
    "{'domain':'c.example','status':'ok','pattern':'mx-exact',"
    "'policy':{'name':'mta-sts-enforce','delivers':true},'mta_sts':{'status':'ok','mode':'enforce','id':'1','outcome':'pass'},'dnssec':{'mx':null},'mx':[{'host':'mx.c.example','pref':0}],"
    "'primary':{'mx_host':'mx.c.example','ip':'192.0.2.3'}}",
    "{'domain':'d.example','status':'ok','pattern':'mx-wildcard','mx':[{'host':'mx.d.example','pref':5}],"
    "'primary':{'mx_host':'mx.d.example','ip':'192.0.2.4'}}",
    "{'domain':'f.example','status':'ok','pattern':'unreachable','mx':[{'host':'mx.f.example','pref':10}],'primary':null}",
    "{'domain':'gone.example','status':'ok','pattern':'no-tls','mx':[],'primary':null}",
    "{'domain':'same.example','status':'null-mx','pattern':'no-mail','mx':[],'primary':null}",
    "{'domain':'@SUM(A1)','status':'invalid','pattern':'no-mail','mx':[],'primary':null}",
    "{'domain':'-2+3','status':'invalid','pattern':'no-mail','mx':[],'primary':null}",
    "",
    "{'domain':'+cmd','status':'invalid','pattern':'no-mail','mx':[],'primary':null}",
    NULL,
};

static const char *const new_hosts[] = {
    "{'mx_host':'mx.a.example','ip':'192.0.2.1','status':'ok','cert':{'sha256':'aa'},'trust':{'valid':true,'reasons':[]}}",
    "{'mx_host':'mx.c.example','ip':'192.0.2.3','status':'ok','cert':{'sha256':'c2'},'trust':{'valid':true,'reasons':[]}}",
    "{'mx_host':'mx.d.example','ip':'192.0.2.4','status':'ok','cert':{'sha256':'dd'},'trust':{'valid':true,'reasons':[]}}",
    NULL,
};

static const char *const new_domains[] = {
    /* the policy fields in the new run only (the old one was --no-policy): not compared */
    "{'domain':'same.example','status':'null-mx','pattern':'no-mail','mx':[],'primary':null,"
    "'policy':null,'mta_sts':{'status':'no-txt','mode':null,'id':null,'outcome':null},'dnssec':{'mx':'insecure'}}",
    "{'domain':'f.example','status':'ok','pattern':'unreachable','mx':[{'host':'mx2.f.example','pref':20},"
    "{'host':'mx.f.example','pref':10}],'primary':null}",
    "{'domain':'b.example','status':'ok','pattern':'mx-exact','mx':[{'host':'mx2.a.example','pref':20},"
    "{'host':'mx.a.example','pref':10},{'host':'mx.a.example','pref':10}],"
    "'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
    "{'domain':'a.example','status':'ok','pattern':'mx-wildcard','mx':[{'host':'mx.a.example','pref':10}],"
    "'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
    "{'domain':'c.example','status':'ok','pattern':'mx-exact',"
    "'policy':{'name':'mta-sts-enforce','delivers':true},'mta_sts':{'status':'ok','mode':'enforce','id':'2','outcome':'pass'},'dnssec':{'mx':null},'mx':[{'host':'mx.c.example','pref':0}],"
    "'primary':{'mx_host':'mx.c.example','ip':'192.0.2.3'}}",
    "{'domain':'d.example','status':'ok','pattern':'mx-wildcard','mx':[{'host':'mx.d.example','pref':5}],"
    "'primary':{'mx_host':'mx.d.example','ip':'192.0.2.4'}}",
    "{'domain':'e.example','status':'ok','pattern':'mx-exact','mx':[{'host':'mx.a.example','pref':10}],"
    "'primary':{'mx_host':'mx.a.example','ip':'192.0.2.1'}}",
    "{'domain':'=1+2,\\'q\\'','status':'invalid','pattern':'no-mail','mx':[],'primary':null}",
    "{'domain':'two\\nlines','status':'invalid','pattern':'no-mail','mx':[],'primary':null}",
    /* listed again, differently: the first record counts */
    "{'domain':'b.example','status':'ok','pattern':'unrelated','mx':[],'primary':null}",
    NULL,
};

static const char *const run_old =
    "{'tool':'mxsurvey','started':'2026-01-01T03:17:00Z','finished':'2026-01-01T03:20:00Z'}";

/* OLD and NEW folders (no summary.json: diff makes them) inside a parent folder. */
struct fixture {
    char *parent;
    char old[256], new[256], out[256];
};

static int fixture_make(struct fixture *fx)
{
    fx->parent = tfs_mkdtemp("mxs-diff");
    CHECK(fx->parent != NULL);
    if (!fx->parent)
        return -1;
    snprintf(fx->old, sizeof(fx->old), "%s/old", fx->parent);
    snprintf(fx->new, sizeof(fx->new), "%s/new", fx->parent);
    snprintf(fx->out, sizeof(fx->out), "%s/out", fx->parent);
    mkdir(fx->old, 0755);
    mkdir(fx->new, 0755);
    mkdir(fx->out, 0755);
    tfs_write_lines(fx->old, "hosts.jsonl", old_hosts);
    tfs_write_lines(fx->old, "domains.jsonl", old_domains);
    const char *run[] = {run_old, NULL};
    tfs_write_lines(fx->old, "run.json", run);
    tfs_write_lines(fx->new, "hosts.jsonl", new_hosts);
    tfs_write_lines(fx->new, "domains.jsonl", new_domains);
    return 0;
}

static void fixture_free(struct fixture *fx)
{
    tfs_rmtree(fx->parent);
    free(fx->parent);
}

/* ------------------------------------------------------------------ the comparison */

TEST(diff_every_kind)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    char *text = NULL;
    size_t textlen = 0;
    FILE *tf = open_memstream(&text, &textlen);
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new, .out_dir = fx.out, .text = tf,
                          .text_lines = 1};
    struct diff_counts c;
    char err[512] = "";
    CHECK_INT(diff_dirs(&o, &c, err, sizeof(err)), DIFF_CHANGED);
    CHECK_STR(err, "");
    fclose(tf);

    CHECK_INT(c.old_domains, 10);
    CHECK_INT(c.new_domains, 9);
    CHECK_INT(c.appeared, 3);
    CHECK_INT(c.vanished, 4);
    CHECK_INT(c.changed, 4);
    CHECK_INT(c.unchanged, 2);
    CHECK_INT(c.kind[DIFF_PATTERN], 1);
    CHECK_INT(c.kind[DIFF_TRUST_VALID], 1);
    CHECK_INT(c.kind[DIFF_CERT_SHA256], 1);
    CHECK_INT(c.kind[DIFF_MX], 1);
    CHECK_INT(c.kind[DIFF_POLICY], 1);
    CHECK_INT(c.shares_changed, 5);

    /* the missing summaries were made; the outputs went to --out, not NEW */
    CHECK(tfs_exists(fx.old, "summary.json"));
    CHECK(tfs_exists(fx.new, "summary.json"));
    CHECK(!tfs_exists(fx.new, "diff.json"));

    json_t *d = tfs_load_json(fx.out, "diff.json");
    char want[512];
    snprintf(want, sizeof(want),
             "{'dir':'%s','started':'2026-01-01T03:17:00Z','finished':'2026-01-01T03:20:00Z'}", fx.old);
    check_json(json_object_get(d, "old"), want);
    snprintf(want, sizeof(want), "{'dir':'%s','started':null,'finished':null}", fx.new);
    check_json(json_object_get(d, "new"), want);
    check_json(json_object_get(d, "counts"),
               "{'old_domains':10,'new_domains':9,'appeared':3,'vanished':4,'changed':4,'unchanged':2,"
               "'pattern':1,'trust_valid':1,'cert_sha256':1,'mx':1,'policy':1,'shares_changed':5}");
    check_json(json_object_get(d, "appeared"),
               "[{'domain':'=1+2,\\'q\\'','pattern':'no-mail'},{'domain':'e.example','pattern':'mx-exact'},"
               "{'domain':'two\\nlines','pattern':'no-mail'}]");
    check_json(json_object_get(d, "vanished"),
               "[{'domain':'+cmd','pattern':'no-mail'},{'domain':'-2+3','pattern':'no-mail'},"
               "{'domain':'@SUM(A1)','pattern':'no-mail'},{'domain':'gone.example','pattern':'no-tls'}]");
    check_json(json_object_get(d, "changed"),
               "[{'domain':'a.example','changes':{'pattern':['mx-exact','mx-wildcard']}},"
               "{'domain':'c.example','changes':{'cert_sha256':['cc','c2'],"
               "'policy':['policy mta-sts-enforce, delivers yes; mta-sts ok, mode enforce, id 1, outcome pass; dnssec -',"
               "'policy mta-sts-enforce, delivers yes; mta-sts ok, mode enforce, id 2, outcome pass; dnssec -']}},"
               "{'domain':'d.example','changes':{'trust_valid':[false,true]}},"
               "{'domain':'f.example','changes':{'mx':[[{'pref':10,'host':'mx.f.example'}],"
               "[{'pref':10,'host':'mx.f.example'},{'pref':20,'host':'mx2.f.example'}]]}}]");
    /* shares, from summary.json, which counts records (the repeated b.example too): TLS
     * patterns old a b c d of 6 accepting mail, new a b b' c d e of 7; strict, multilabel and
     * rfc9525 old 4/4, new 5/6 (b' is unrelated); valid chains old a b c, new a b c d e */
    json_t *sh = json_object_get(d, "shares");
    CHECK_INT(json_object_size(sh), 5);
    check_json(json_object_get(sh, "starttls"),
               "{'old':0.666666666666667,'new':0.857142857142857,'delta':0.19047619047619}");
    check_json(json_object_get(sh, "strict"),
               "{'old':1.0,'new':0.833333333333333,'delta':-0.166666666666667}");
    check_json(json_object_get(sh, "rfc9525"),
               "{'old':1.0,'new':0.833333333333333,'delta':-0.166666666666667}");
    check_json(json_object_get(sh, "valid_chain"),
               "{'old':0.75,'new':0.833333333333333,'delta':0.083333333333333}");
    json_decref(d);

    /* diff.csv: RFC 4180, formula-looking cells neutralised, one row per kind of change */
    char *csv = tfs_read(fx.out, "diff.csv");
    CHECK_STR(csv, "domain,change,old,new\r\n"
                   "\"'=1+2,\"\"q\"\"\",appeared,,no-mail\r\n"
                   "e.example,appeared,,mx-exact\r\n"
                   "two\\x0alines,appeared,,no-mail\r\n" /* csvw.h: no raw LF in a cell */
                   "'+cmd,vanished,no-mail,\r\n"
                   "'-2+3,vanished,no-mail,\r\n"
                   "'@SUM(A1),vanished,no-mail,\r\n"
                   "gone.example,vanished,no-tls,\r\n"
                   "a.example,pattern,mx-exact,mx-wildcard\r\n"
                   "c.example,cert_sha256,cc,c2\r\n"
                   "c.example,policy,\"policy mta-sts-enforce, delivers yes; mta-sts ok, mode enforce, "
                   "id 1, outcome pass; dnssec -\",\"policy mta-sts-enforce, delivers yes; mta-sts ok, "
                   "mode enforce, id 2, outcome pass; dnssec -\"\r\n"
                   "d.example,trust_valid,false,true\r\n"
                   "f.example,mx,10 mx.f.example,\"10 mx.f.example, 20 mx2.f.example\"\r\n");
    free(csv);

    /* the text: one domain per kind (text_lines 1), control characters escaped */
    CHECK(text && strstr(text, "appeared (3):\n  =1+2,\"q\"  no-mail\n  ... and 2 more\n"));
    CHECK(text && strstr(text, "vanished (4):\n  +cmd  no-mail\n  ... and 3 more\n"));
    CHECK(text && strstr(text, "pattern (1):\n  a.example  mx-exact -> mx-wildcard\n"));
    CHECK(text && strstr(text, "trust_valid (1):\n  d.example  false -> true\n"));
    CHECK(text && strstr(text, "cert_sha256 (1):\n  c.example  cc -> c2\n"));
    CHECK(text && strstr(text, "mx (1):\n  f.example  10 mx.f.example -> 10 mx.f.example, 20 mx2.f.example\n"));
    CHECK(text && strstr(text, "policy (1):\n  c.example  policy mta-sts-enforce, delivers yes; "
                               "mta-sts ok, mode enforce, id 1, outcome pass; dnssec - -> policy "
                               "mta-sts-enforce, delivers yes; mta-sts ok, mode enforce, id 2, "
                               "outcome pass; dnssec -\n"));
    CHECK(text && strstr(text, "valid_chain          75.00% (3/4)"));
    CHECK(text && strstr(text, "+8.33\n"));
    CHECK(text && !strstr(text, "no changes"));
    free(text);

    /* the text shows a line break in attacker text as \x0a, never raw */
    text = NULL;
    tf = open_memstream(&text, &textlen);
    o.text = tf;
    o.text_lines = 0;
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_CHANGED);
    fclose(tf);
    CHECK(text && strstr(text, "  two\\x0alines  no-mail\n"));
    CHECK(text && !strstr(text, "two\nlines"));
    free(text);
    fixture_free(&fx);
}

TEST(diff_identical_runs)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    char *text = NULL;
    size_t textlen = 0;
    FILE *tf = open_memstream(&text, &textlen);
    struct diff_opts o = {.old_dir = fx.new, .new_dir = fx.new, .text = tf};
    struct diff_counts c;
    char err[512] = "";
    CHECK_INT(diff_dirs(&o, &c, err, sizeof(err)), DIFF_SAME);
    fclose(tf);
    CHECK_INT(c.old_domains, 9);
    CHECK_INT(c.new_domains, 9);
    CHECK_INT(c.unchanged, 9);
    CHECK_INT(c.appeared + c.vanished + c.changed + c.shares_changed, 0);
    CHECK(text && strstr(text, "no changes\n"));
    free(text);
    /* the default output folder is NEW */
    char *csv = tfs_read(fx.new, "diff.csv");
    CHECK_STR(csv, "domain,change,old,new\r\n");
    free(csv);
    json_t *d = tfs_load_json(fx.new, "diff.json");
    check_json(json_object_get(d, "changed"), "[]");
    check_json(json_object_get(d, "appeared"), "[]");
    check_json(json_object_get(d, "shares"),
               "{'starttls':{'old':0.857142857142857,'new':0.857142857142857,'delta':0.0},"
               "'strict':{'old':0.833333333333333,'new':0.833333333333333,'delta':0.0},"
               "'multilabel_accepted':{'old':0.833333333333333,'new':0.833333333333333,'delta':0.0},"
               "'rfc9525':{'old':0.833333333333333,'new':0.833333333333333,'delta':0.0},"
               "'valid_chain':{'old':0.833333333333333,'new':0.833333333333333,'delta':0.0}}");
    json_decref(d);
    /* a summary with a share but no value (denominator 0) gives nulls */
    const char *none[] = {NULL};
    tfs_write_lines(fx.out, "hosts.jsonl", none);
    tfs_write_lines(fx.out, "domains.jsonl", none);
    o.old_dir = o.new_dir = fx.out;
    o.text = NULL;
    CHECK_INT(diff_dirs(&o, &c, err, sizeof(err)), DIFF_SAME);
    d = tfs_load_json(fx.out, "diff.json");
    check_json(json_object_get(json_object_get(d, "shares"), "strict"),
               "{'old':null,'new':null,'delta':null}");
    json_decref(d);
    fixture_free(&fx);
}

TEST(diff_input_errors)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new};
    char err[512] = "";

    /* a missing folder, a missing file */
    o.old_dir = "/nonexistent/mxs-diff";
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/nonexistent/mxs-diff: No such file");
    o.old_dir = fx.out;
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/out/hosts.jsonl: No such file");
    o.old_dir = fx.old;

    /* a line cut short, as a killed writer leaves it */
    const char *cut[] = {new_domains[0], "", "{'domain':'z.example','stat", NULL};
    tfs_write_lines(fx.new, "domains.jsonl", cut);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    /* summary.json is made first and reads the same line */
    tfs_check_err(err, "/new/domains.jsonl:3: malformed JSON");

    /* the same once summary.json exists: the comparison's own reading says it */
    tfs_write_lines(fx.new, "domains.jsonl", new_domains);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_CHANGED);
    tfs_write_lines(fx.new, "domains.jsonl", cut);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/new/domains.jsonl:3: malformed JSON");

    /* valid JSON that is not an object; an object without a domain */
    const char *arr[] = {old_hosts[0], "[1]", NULL};
    tfs_write_lines(fx.old, "hosts.jsonl", arr);
    tfs_write_lines(fx.new, "domains.jsonl", new_domains);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/old/hosts.jsonl:2: not a JSON object");
    tfs_write_lines(fx.old, "hosts.jsonl", old_hosts);
    const char *nodomain[] = {old_domains[0], "{'status':'ok'}", NULL};
    tfs_write_lines(fx.old, "domains.jsonl", nodomain);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/old/domains.jsonl:2: no \"domain\" string");

    /* a broken summary.json */
    tfs_write_lines(fx.old, "domains.jsonl", old_domains);
    const char *broken[] = {"{'shares':", NULL};
    tfs_write_lines(fx.old, "summary.json", broken);
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/old/summary.json:");

    /* an output folder that cannot be made (under a file: even root cannot; a missing
     * folder under /nonexistent root would make); one that is missing is made, parents too */
    tfs_unlink(fx.old, "summary.json");
    char nowhere[300];
    snprintf(nowhere, sizeof(nowhere), "%s/domains.jsonl/missing", fx.old);
    o.out_dir = nowhere;
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "/domains.jsonl/missing: Not a directory");
    snprintf(nowhere, sizeof(nowhere), "%s/made/with/parents", fx.parent);
    CHECK(diff_dirs(&o, NULL, err, sizeof(err)) != DIFF_ERROR);
    CHECK(tfs_exists(nowhere, "diff.json") && tfs_exists(nowhere, "diff.csv"));
    fixture_free(&fx);
}

/* The old MX set of a changed domain is read back from its line by offset: with many domains,
 * listed in the other order in the new run, every one comes back right. */
TEST(diff_mx_read_back)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    /* Many domains before f.example in the old file, so its offset is far in. */
    FILE *f = tfs_fopen(fx.old, "domains.jsonl", "w");
    CHECK(f != NULL);
    if (!f) {
        fixture_free(&fx);
        return;
    }
    for (int i = 0; i < 2000; i++)
        fprintf(f, "{\"domain\":\"d%d.example\",\"pattern\":\"no-tls\",\"mx\":[{\"host\":\"mx%d.example\",\"pref\":%d}]}\n",
                i, i, i);
    fclose(f);
    f = tfs_fopen(fx.new, "domains.jsonl", "w");
    CHECK(f != NULL);
    if (!f) {
        fixture_free(&fx);
        return;
    }
    for (int i = 1999; i >= 0; i--) /* every third domain moves its MX to pref + 1 */
        fprintf(f, "{\"domain\":\"d%d.example\",\"pattern\":\"no-tls\",\"mx\":[{\"host\":\"mx%d.example\",\"pref\":%d}]}\n",
                i, i, i + (i % 3 == 0));
    fclose(f);
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new, .out_dir = fx.out};
    struct diff_counts c;
    char err[512] = "";
    CHECK_INT(diff_dirs(&o, &c, err, sizeof(err)), DIFF_CHANGED);
    CHECK_INT(c.changed, 667);
    CHECK_INT(c.kind[DIFF_MX], 667);
    CHECK_INT(c.unchanged, 1333);
    json_t *d = tfs_load_json(fx.out, "diff.json");
    json_t *ch = json_object_get(d, "changed");
    CHECK_INT(json_array_size(ch), 667);
    /* sorted by key in byte order: d0, d1002, d1005, ... */
    check_json(json_array_get(ch, 0),
               "{'domain':'d0.example','changes':{'mx':[[{'pref':0,'host':'mx0.example'}],[{'pref':1,'host':'mx0.example'}]]}}");
    check_json(json_array_get(ch, 1),
               "{'domain':'d1002.example','changes':{'mx':[[{'pref':1002,'host':'mx1002.example'}],"
               "[{'pref':1003,'host':'mx1002.example'}]]}}");
    json_decref(d);
    fixture_free(&fx);
}

/* The start times in the readable summary come from the folders' files too: a control
 * character there (a terminal escape) is shown as \xHH like any other text of the files. */
TEST(diff_text_started_escaped)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    const char *run[] = {"{'tool':'mxsurvey','started':'2026\\u001b[2J\\u0007'}", NULL};
    tfs_write_lines(fx.old, "run.json", run);
    char *text = NULL;
    size_t textlen = 0;
    FILE *tf = open_memstream(&text, &textlen);
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new, .out_dir = fx.out, .text = tf};
    char err[512] = "";
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_CHANGED);
    fclose(tf);
    CHECK(text && strchr(text, 0x1b) == NULL && strchr(text, 0x07) == NULL);
    CHECK(text && strstr(text, "(started 2026\\x1b[2J\\x07)") != NULL);
    free(text);
    fixture_free(&fx);
}

/* The readable summary prints the folder names: one holding a lone octet 0x9b (CSI to an 8-bit
 * terminal; not UTF-8) and a C1 U+009B must show both as \xHH. diff_out.c's own escaper let
 * the lone octet through; it now uses text.c's visible form. */
TEST(diff_text_dir_c1_escaped)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    char odd[300];
    snprintf(odd, sizeof(odd), "%s-\x9b-\xc2\x9b-\x7f", fx.new);
    CHECK(rename(fx.new, odd) == 0);
    char *text = NULL;
    size_t textlen = 0;
    FILE *tf = open_memstream(&text, &textlen);
    struct diff_opts o = {.old_dir = fx.old, .new_dir = odd, .out_dir = fx.out, .text = tf};
    char err[512] = "";
    CHECK(diff_dirs(&o, NULL, err, sizeof(err)) != DIFF_ERROR);
    fclose(tf);
    CHECK(text && memchr(text, 0x9b, textlen) == NULL && memchr(text, 0x7f, textlen) == NULL);
    CHECK(text && strstr(text, "-\\x9b-\\xc2\\x9b-\\x7f") != NULL);
    free(text);
    CHECK(rename(odd, fx.new) == 0);
    fixture_free(&fx);
}

/* ------------------------------------------------------------------ mxsurvey diff */

/* cmd_diff with the arguments up to the first NULL. */
#define run_diff(...) tfs_run(cmd_diff, "diff", __VA_ARGS__, (const char *)NULL)

TEST(diff_command)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    CHECK_INT(run_diff(NULL, NULL, NULL, NULL), 2);
    CHECK_INT(run_diff(fx.old, NULL, NULL, NULL), 2);
    CHECK_INT(run_diff("--no-such-option", fx.old, fx.new, NULL), 2);
    CHECK_INT(run_diff(fx.old, fx.new, fx.out, NULL), 2);
    CHECK_INT(run_diff("--quiet", "--out", fx.out, NULL), 2);
    CHECK_INT(run_diff("-q", "--out", fx.out, fx.old), 2);
    char under_file[400]; /* cannot be made, even by root */
    snprintf(under_file, sizeof(under_file), "--out=%s/hosts.jsonl/mxs", fx.new);
    CHECK_INT(run_diff("--quiet", under_file, fx.old, fx.new), 2);
    CHECK(!tfs_exists(fx.out, "diff.json"));
    CHECK_INT(run_diff("--quiet", fx.old, fx.new, NULL), 1);
    CHECK(tfs_exists(fx.new, "diff.json") && tfs_exists(fx.new, "diff.csv"));
    char out[300];
    snprintf(out, sizeof(out), "--out=%s", fx.out);
    CHECK_INT(run_diff("-q", out, fx.new, fx.new), 0);
    CHECK(tfs_exists(fx.out, "diff.json") && tfs_exists(fx.out, "diff.csv"));
    /* A scan still running (or killed): run.json says "finished": null. Refused either way
     * round, nothing written. */
    tfs_unlink(fx.out, "diff.json");
    tfs_write(fx.new, "run.json", "{\"started\": \"2026-01-01T04:00:00Z\", \"finished\": null}\n");
    CHECK_INT(run_diff("-q", out, fx.old, fx.new), 2);
    CHECK_INT(run_diff("-q", out, fx.new, fx.old), 2);
    CHECK(!tfs_exists(fx.out, "diff.json"));
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new, .out_dir = fx.out};
    char err[1024] = "";
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_ERROR);
    tfs_check_err(err, "is an unfinished scan: its run.json says \"finished\": null");
    fixture_free(&fx);
}

/* ------------------------------------------------------------------ docs/schema.md */

/* A change pair ends a path. */
static int stop_at_changes(const char *prefix)
{
    return strstr(prefix, ".changes.") != NULL;
}

TEST(diff_schema_documented)
{
    struct fixture fx;
    if (fixture_make(&fx) < 0)
        return;
    /* options that differ, so options_differ has an element to show its members */
    tfs_write(fx.old, "run.json", "{\"tool\":\"mxsurvey\",\"started\":\"2026-01-01T03:17:00Z\","
                                  "\"finished\":\"2026-01-01T03:20:00Z\",\"options\":{\"ehlo\":\"a.example\"}}\n");
    tfs_write(fx.new, "run.json", "{\"tool\":\"mxsurvey\",\"started\":\"2026-02-01T03:17:00Z\","
                                  "\"finished\":\"2026-02-01T03:20:00Z\",\"options\":{\"ehlo\":\"b.example\"}}\n");
    struct diff_opts o = {.old_dir = fx.old, .new_dir = fx.new};
    char err[512] = "";
    CHECK_INT(diff_dirs(&o, NULL, err, sizeof(err)), DIFF_CHANGED);
    json_t *d = tfs_load_json(fx.new, "diff.json");
    CHECK(json_array_size(json_object_get(d, "options_differ")) == 1);
    json_t *have = json_object(), *list = tfs_schema_names("diff.json");
    tfs_key_paths(d, "", have, stop_at_changes);
    tfs_check_documented(have, list, "diff.json");
    CHECK(json_object_size(have) > 40);
    json_decref(list);

    /* diff.csv: the columns, in order */
    list = tfs_schema_names("diff.csv");
    char cols[256] = "";
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (i)
            strcat(cols, ",");
        strncat(cols, json_string_value(v), 64);
    }
    char *csv = tfs_read(fx.new, "diff.csv");
    CHECK(csv && str_starts_with(csv, cols) && csv[strlen(cols)] == '\r');
    CHECK_STR(cols, "domain,change,old,new");
    free(csv);
    json_decref(list);
    json_decref(have);
    json_decref(d);
    fixture_free(&fx);
}

/* What `mxsurvey check` prints of the policy fields (out_text.c): the DANE verdict of an
 * endpoint, the domain's DNSSEC, MTA-STS, TLSRPT and policy lines, from hand-written records;
 * control characters of hostile text shown, never written raw to the terminal. */
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "report/output.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

/* Everything out_text prints for the records (hosts then domains, ' standing for "). */
static char *printed(const char *host, const char *domain)
{
    char *dir = tfs_mkdtemp("mxs-out-text");
    CHECK(dir != NULL);
    if (!dir)
        return NULL;
    char path[512];
    snprintf(path, sizeof(path), "%s/out", dir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    CHECK(freopen(path, "w", stdout) != NULL);
    struct out_text_result res = {0};
    struct output_where w = {.arg = &res};
    void *state;
    char err[128];
    CHECK_INT(out_text_ops.open(&state, &w, err, sizeof(err)), 0);
    if (host) {
        char *t = tfs_unquote(host);
        json_t *j = json_loads(t, 0, NULL);
        CHECK(j != NULL);
        out_text_ops.endpoint(state, j);
        json_decref(j);
        free(t);
    }
    char *t = tfs_unquote(domain);
    json_t *j = json_loads(t, 0, NULL);
    CHECK(j != NULL);
    out_text_ops.domain(state, j);
    json_decref(j);
    free(t);
    out_text_ops.close(state);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    char *out = tfs_read(dir, "out");
    tfs_rmtree(dir);
    free(dir);
    return out;
}

static const char host[] =
    "{'mx_host':'mx.a.example','ip':'127.0.0.1','port':25,'status':'ok',"
    "'dane':{'verdict':'pass','why':null,'addresses':'secure',"
    "'tlsa':{'name':'_25._tcp.mx.a.example','status':'ok','dnssec':'secure','error':null,"
    "'records':[{'usage':0,'selector':0,'matching_type':1,'data':'abcd','usable':'pkix-usage'},"
    "{'usage':3,'selector':1,'matching_type':1,'data':'00ff','usable':'usable'}]},"
    "'matched':1,'matched_depth':0,'applies':true}}";

static const char domain[] =
    "{'domain':'a.example','status':'ok','mx':[],'pattern':'mx-exact',"
    "'dnssec':{'mx':'secure','hosts':[{'host':'mx.a.example','addresses':'secure','tlsa':'records'}]},"
    "'mta_sts':{'status':'ok','id':'id\\u001b[2J1','error':null,'line':null,"
    "'fetch':{'ip':'127.0.0.1','status':'ok','http_status':200},"
    "'mode':'enforce','max_age':86400,'mx':['*.a.example'],"
    "'hosts':[{'host':'mx.a.example','pattern':'*.a.example','check':'pass'}],'outcome':'pass'},"
    "'tlsrpt':{'status':'ok','mailto':1,'https':0,'bad':0},"
    "'policy':{'name':'dane-required','delivers':true,'via':'mx.a.example',"
    "'hosts':[{'host':'mx.a.example','policy':'dane','accepts':true}]}}";

TEST(out_text_policy_lines)
{
    char *out = printed(host, domain);
    if (!out)
        return;
    CHECK(strstr(out, "DANE: pass (record 1: 3 1 1); DANE governs this host; addresses secure\n") != NULL);
    CHECK(strstr(out, "  TLSA _25._tcp.mx.a.example: ok, secure\n") != NULL);
    CHECK(strstr(out, "    [0] 0 0 1 abcd (pkix-usage)\n    [1] 3 1 1 00ff (usable)\n") != NULL);
    CHECK(strstr(out, "DNSSEC: MX secure; mx.a.example addresses secure, TLSA records\n") != NULL);
    /* The id's ESC is shown as \x1b, never sent to the terminal. */
    CHECK(strstr(out, "MTA-STS: ok, mode enforce, id id\\x1b[2J1, HTTP 200; mx.a.example covered by "
                      "*.a.example: pass; outcome pass\n") != NULL);
    CHECK(strchr(out, 0x1b) == NULL);
    CHECK(strstr(out, "TLSRPT: ok (1 mailto)\n") != NULL);
    CHECK(strstr(out, "Policy: dane-required; delivers via mx.a.example [mx.a.example dane accepts]\n") != NULL);
    free(out);
}

TEST(out_text_policy_failures_and_off)
{
    /* A failed fetch and a DANE failure with its reason; a domain that would not be
     * delivered to. */
    char *out = printed("{'mx_host':'mx.b.example','ip':'127.0.0.2','port':25,'status':'ok',"
                        "'dane':{'verdict':'fail','why':'TLSA bogus','addresses':'secure',"
                        "'tlsa':{'name':'_25._tcp.mx.b.example','status':'dns-error','dnssec':'bogus',"
                        "'error':'TLSA query: SERVFAIL','records':[]},'matched':null,'matched_depth':null,"
                        "'applies':true}}",
                        "{'domain':'b.example','status':'ok','mx':[],"
                        "'mta_sts':{'status':'http-status','id':'x1','error':'HTTP 404','line':null,"
                        "'fetch':{'ip':'127.0.0.1','status':'http-status','http_status':404},"
                        "'mode':null,'max_age':null,'mx':null,'hosts':[],'outcome':null},"
                        "'tlsrpt':{'status':'bad-uri','mailto':0,'https':0,'bad':2},"
                        "'policy':{'name':'dane-required','delivers':false,'via':null,'hosts':[]}}");
    if (!out)
        return;
    CHECK(strstr(out, "DANE: fail (TLSA bogus); DANE governs this host; addresses secure\n") != NULL);
    CHECK(strstr(out, "  TLSA _25._tcp.mx.b.example: dns-error, bogus (TLSA query: SERVFAIL)\n") != NULL);
    CHECK(strstr(out, "MTA-STS: http-status, id x1, HTTP 404 (HTTP 404)\n") != NULL);
    CHECK(strstr(out, "TLSRPT: bad-uri (2 bad)\n") != NULL);
    CHECK(strstr(out, "Policy: dane-required; would NOT deliver") != NULL);
    free(out);
    /* Lookups off: not a word of it. */
    out = printed("{'mx_host':'mx.c.example','ip':'127.0.0.3','port':25,'status':'ok','dane':null}",
                  "{'domain':'c.example','status':'ok','mx':[],'dnssec':null,'mta_sts':null,"
                  "'tlsrpt':null,'policy':null}");
    if (!out)
        return;
    CHECK(strstr(out, "DANE") == NULL && strstr(out, "DNSSEC") == NULL && strstr(out, "MTA-STS") == NULL);
    CHECK(strstr(out, "TLSRPT:") == NULL && strstr(out, "Policy:") == NULL);
    free(out);
}

/* out_csv: flattening hand-written records (every kind of field; fields missing; values of
 * unexpected types) into rows, the four files of a small scan folder, and docs/schema.md
 * listing every column in order. */
#include <stdlib.h>

#include <jansson.h>
#include <mbedtls/x509_crt.h>

#include "classify/classify.h"
#include "report/csv_tidy.h"
#include "report/out_csv.h"
#include "report/output.h"
#include "report/record.h"
#include "report/summary.h"
#include "test.h"
#include "testfs.h"
#include "core/text.h"
#include "core/util.h"

/* ------------------------------------------------------------------ helpers */

/* The row of table t for the JSON text rec, CRLF included, as a new string. */
static char *row_of(enum csv_table t, const char *rec)
{
    json_error_t je;
    json_t *j = json_loads(rec, 0, &je);
    if (!j)
        fprintf(stderr, "  bad test JSON: %s\n", je.text);
    CHECK(j != NULL);
    struct csv_row r;
    csv_row_init(&r);
    csv_record_row(t, j, &r);
    size_t n;
    const char *s = csv_row_end(&r, &n);
    char *out = xstrndup(s, n);
    csv_row_free(&r);
    json_decref(j);
    return out;
}

static void check_row(enum csv_table t, const char *rec, const char *want, int line)
{
    char *got = row_of(t, rec);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  (row from line %d)\n", line);
    CHECK_STR(got, want);
    free(got);
}
#define ROW(t, rec, want) check_row(t, rec, want, __LINE__)

static size_t ncolumns(enum csv_table t)
{
    size_t n = 0;
    while (csv_column_name(t, n))
        n++;
    return n;
}

/* A row of n empty cells. */
static char *empty_row(size_t n)
{
    char *s = xmalloc(n + 2);
    memset(s, ',', n - 1);
    memcpy(s + n - 1, "\r\n", 3);
    return s;
}

/* ------------------------------------------------------------------ hosts.csv */

/* Every kind of field: strings, numbers, booleans, null, nested objects, lists; hostile text. */
static const char full_host[] =
    "{\"mx_host\":\"mx.a.example\",\"ip\":\"192.0.2.1\",\"port\":25,\"ptr\":null,"
    "\"ptr_status\":\"nxdomain\",\"first_domain\":\"a.example\",\"status\":\"ok\","
    "\"error\":null,\"smtp_code\":220,\"temporary\":false,\"attempts\":2,"
    "\"banner_host\":\"=HYPERLINK(\\\"http://x\\\")\",\"ehlo_host\":\" mx, \\\"b\\\"\\nc\","
    "\"tls\":{\"version\":\"TLSv1.2\",\"cipher\":\"TLS_X\"},\"tls_alert\":null,\"tls_max\":\"TLSv1.3\","
    "\"tls_max_from\":\"mx.a.example\",\"tls_max_hello_retry\":false,"
    "\"tls_max_cipher\":\"TLS_AES_256_GCM_SHA384\",\"tls_max_group\":\"x25519\",\"tls_max_error\":null,"
    "\"cert\":{\"subject_cn\":\"b\\u00fccher.example\",\"san_dns\":[\"*.a.example\",\"x;y\",\"-z\"],"
    "\"subject\":\"O=Acme, Inc., CN=mx\",\"issuer\":\"CN=CA\","
    "\"not_before\":\"2026-01-02T03:04:05Z\",\"not_after\":\"2027-01-02T03:04:05Z\","
    "\"sha256\":\"ab12\",\"key_type\":\"RSA\",\"key_bits\":2048,\"sig_alg\":\"RSA-SHA256\","
    "\"self_signed\":true,\"chain_len\":1,\"parse_error\":null},"
    "\"chain_sha256\":[\"ab12\",\"cd34\"],\"chain_file\":\"chains/ab12.pem\","
    "\"presented\":[\"*.a.example\"],\"names_from\":\"san\",\"cn_in_san\":false,"
    "\"match\":{\"domain\":\"wildcard\",\"mx_host\":\"multilabel\",\"ptr\":null,"
    "\"banner_host\":\"none\",\"ehlo_host\":\"exact\"},"
    "\"matched_by\":{\"domain\":\"*.a.example\",\"mx_host\":null,\"ptr\":null,"
    "\"banner_host\":null,\"ehlo_host\":\"mx.a.example\"},"
    "\"wildcard\":\"leftmost\",\"trust\":{\"valid\":false,\"reasons\":[\"self-signed\",\"weak-key\"]},"
    "\"tlsrpt\":\"certificate-not-trusted\",\"provider\":\"a.example\",\"cert_provider_match\":true,"
    "\"issuer\":{\"o\":\"=Evil, Inc.\",\"cn\":\"CA\",\"root\":null,\"self_signed\":true},"
    "\"dane\":{\"verdict\":\"fail\",\"why\":\"TLSA bogus\",\"tlsa\":{\"status\":\"dns-error\",\"dnssec\":\"bogus\"}}}";

TEST(out_csv_host_row)
{
    CHECK_INT(ncolumns(CSV_HOSTS), 63);
    CHECK_STR(csv_column_name(CSV_HOSTS, 0), "mx_host");
    CHECK_STR(csv_column_name(CSV_HOSTS, 13), "tls_version");
    CHECK_STR(csv_column_name(CSV_HOSTS, 15), "tls_alert");
    CHECK_STR(csv_column_name(CSV_HOSTS, 16), "tls_max");
    CHECK_STR(csv_column_name(CSV_HOSTS, 55), "cert_provider_match");
    CHECK_STR(csv_column_name(CSV_HOSTS, 56), "issuer_o"); /* added at the end */
    CHECK_STR(csv_column_name(CSV_HOSTS, 59), "issuer_self_signed");
    CHECK_STR(csv_column_name(CSV_HOSTS, 60), "dane_verdict"); /* added at the end */
    CHECK_STR(csv_column_name(CSV_HOSTS, 62), "dane_tlsa_dnssec");
    ROW(CSV_HOSTS, full_host,
        "mx.a.example,192.0.2.1,25,,nxdomain,a.example,ok,,220,false,2,"
        "\"'=HYPERLINK(\"\"http://x\"\")\",\" mx, \"\"b\"\"\\x0ac\","
        "TLSv1.2,TLS_X,,TLSv1.3,mx.a.example,false,TLS_AES_256_GCM_SHA384,x25519,,b\xc3\xbc" "cher.example,*.a.example;x\\x3by;-z,"
        "\"O=Acme, Inc., CN=mx\",CN=CA,2026-01-02T03:04:05Z,2027-01-02T03:04:05Z,ab12,RSA,2048,"
        "RSA-SHA256,true,1,,ab12;cd34,chains/ab12.pem,*.a.example,san,false,"
        "wildcard,multilabel,,none,exact,*.a.example,,,,mx.a.example,"
        "leftmost,false,self-signed;weak-key,certificate-not-trusted,a.example,true,"
        "\"'=Evil, Inc.\",CA,,true,fail,dns-error,bogus\r\n");
    /* A failed probe: the nested objects are null, so are their columns. */
    ROW(CSV_HOSTS,
        "{\"mx_host\":\"mx.b.example\",\"ip\":\"2001:db8::1\",\"port\":25,\"ptr\":\"mx.b.example\","
        "\"ptr_status\":\"ok\",\"first_domain\":\"b.example\",\"status\":\"timeout\","
        "\"error\":\"timeout waiting for the greeting\",\"smtp_code\":null,\"temporary\":true,"
        "\"attempts\":1,\"banner_host\":null,\"ehlo_host\":null,\"tls\":null,\"cert\":null,"
        "\"chain_sha256\":[],\"chain_file\":null,\"presented\":null,\"names_from\":null,"
        "\"cn_in_san\":null,\"match\":null,\"matched_by\":null,\"wildcard\":null,\"trust\":null,"
        "\"tlsrpt\":null,\"provider\":\"b.example\",\"cert_provider_match\":null}",
        "mx.b.example,2001:db8::1,25,mx.b.example,ok,b.example,timeout,"
        "timeout waiting for the greeting,,true,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,b.example,,,,,,,,\r\n");
}

TEST(out_csv_host_row_missing_and_odd_fields)
{
    /* A record lacking every field: one empty cell per column, never fewer. */
    char *want = empty_row(ncolumns(CSV_HOSTS));
    ROW(CSV_HOSTS, "{}", want);
    free(want);
    /* Some fields only (an older file): the others are empty, the columns stay in place. */
    ROW(CSV_HOSTS, "{\"ip\":\"192.0.2.9\",\"mx_host\":\"mx.c.example\",\"status\":\"ok\","
                   "\"trust\":{\"valid\":true}}",
        "mx.c.example,192.0.2.9,,,,,ok,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,true,,,,,,,,,,,\r\n");
    /* Unexpected types are written as their JSON text, never an error; a parent that is not
     * an object gives empty members. */
    ROW(CSV_HOSTS, "{\"mx_host\":7,\"ip\":[\"a\",1,true,null,{\"k\":\"v;w\"}],\"port\":\"25\","
                   "\"ptr\":2.5,\"ptr_status\":{\"x\":1},\"tls\":\"TLSv1.2\","
                   "\"trust\":{\"valid\":\"yes\",\"reasons\":\"expired\"},"
                   "\"dane\":{\"verdict\":\"pass\",\"tlsa\":\"x\"}}",
        "7,\"a;1;true;null;{\"\"k\"\":\"\"v\\x3bw\"\"}\",25,2.5,\"{\"\"x\"\":1}\","
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,yes,expired,,,,,,,,pass,,\r\n");
}

/* The hosts.jsonl record of an endpoint serving tests/unit/data/hostile-names.pem (names with
 * a space, a backslash, a literal \x41, a NUL, ESC[31m, U+009B, invalid UTF-8), with an ESC
 * and a raw 0x9b in its greeting word: assess and record as the scan runs them. */
static json_t *hostile_record(void)
{
    struct cert_info *ci = tfs_load_cert("tests/unit/data/hostile-names.pem");
    CHECK(ci != NULL);
    if (!ci)
        return NULL;
    psl_ctx_t *psl = classify_psl_load();
    char err[256];
    struct trust_ctx *trust = trust_ctx_new("tests/unit/data/ca.pem", NULL, err, sizeof(err));
    struct cert_info *chain[1] = {ci};
    struct probe_result res = {.status = PROBE_OK, .banner_host = "=x\x1b[2J\x9b",
                               .chain = chain, .chain_len = 1};
    struct assess_endpoint as;
    assess_endpoint(psl, trust, "ok.example", NULL, "ok.example", &res, &as);
    struct endpoint_rec r = {.mx_host = "ok.example", .ip = "192.0.2.1", .port = 25,
                             .ptr_status = "nxdomain", .attempts = 1,
                             .first_domain = "ok.example", .res = &res, .as = &as};
    json_t *o = record_endpoint_json(&r);
    assess_endpoint_clear(&as);
    assess_names_clear(&as.keep);
    trust_ctx_free(trust);
    psl_free(psl);
    cert_info_free(ci);
    return o;
}

/* Raw control characters never reach a CSV cell: every C0, DEL and C1 (raw or as UTF-8) of
 * the names is written \xHH, and each cell still decodes to the certificate's octets. */
TEST(out_csv_hostile_certificate)
{
    json_t *rec = hostile_record();
    if (!rec)
        return;
    struct csv_row r;
    csv_row_init(&r);
    csv_record_row(CSV_HOSTS, rec, &r);
    size_t n;
    const char *row = csv_row_end(&r, &n);
    for (size_t i = 0, l; i + 2 < n; i += l) { /* up to the CRLF, character by character */
        uint32_t cp = 0;
        l = text_utf8_char((const unsigned char *)row + i, n - i, &cp);
        if (l == 0 || text_is_control(cp)) {
            fprintf(stderr, "  %s:%d: octet 0x%02x at %zu of the row\n", __FILE__, __LINE__,
                    (unsigned char)row[i], i);
            test_failed_checks++;
            break;
        }
    }
    CHECK(n >= 2 && memcmp(row + n - 2, "\r\n", 2) == 0);
    char *text = xstrndup(row, n);
    CHECK(strstr(text, ",a b.example;back\\slash.example;x\\x5cx41.example;nul\\x00.example;"
                       "esc\\x1b[31m.example;csi\\xc2\\x9b.example;bad\\xff\\xc0\\xaf.example;"
                       "b\xc3\xbc" "cher.example;ok.example,") != NULL);
    CHECK(strstr(text, ",X\\X41.EXAMPLE,") != NULL); /* cert_subject_cn */
    CHECK(strstr(text, ",\"O=Caf\xc3\xa9\\, Inc., OU=a\\x1bb\\\\x5cx41, CN=X\\\\X41.EXAMPLE\",") != NULL);
    CHECK(strstr(text, ",'=x\\x1b[2J\\x9b,") != NULL); /* banner_host: escaped, neutralised */
    /* the cells decode, by the notation's rule, to the octets */
    const char *cell = strstr(text, ";esc\\x1b");
    size_t len = 0;
    unsigned char *oct = cell ? text_unescape(cell + 1, 19, &len) : NULL;
    CHECK(oct && len == 16 && memcmp(oct, "esc\x1b[31m.example", 16) == 0);
    free(oct);
    free(text);
    csv_row_free(&r);
    json_decref(rec);
}

/* ------------------------------------------------------------------ domains.csv */

TEST(out_csv_domain_row)
{
    CHECK_INT(ncolumns(CSV_DOMAINS), 26);
    CHECK_STR(csv_column_name(CSV_DOMAINS, 18), "duplicate_of"); /* added at the end */
    CHECK_STR(csv_column_name(CSV_DOMAINS, 19), "dnssec_mx");    /* added at the end */
    CHECK_STR(csv_column_name(CSV_DOMAINS, 25), "policy_delivers");
    ROW(CSV_DOMAINS,
        "{\"line\":3,\"domain\":\"a.example\",\"status\":\"ok\",\"error\":null,"
        "\"mx\":[{\"host\":\"mx1.a.example\",\"pref\":5,\"ips\":[\"192.0.2.1\",\"2001:db8::1\"],"
        "\"error\":null},{\"host\":\"mx2.a.example\",\"pref\":10,\"ips\":[],\"error\":\"NXDOMAIN\"}],"
        "\"implicit_mx\":false,\"endpoints\":[{\"mx_host\":\"mx1.a.example\",\"ip\":\"192.0.2.1\","
        "\"status\":\"ok\"},{\"mx_host\":\"mx1.a.example\",\"ip\":\"2001:db8::1\","
        "\"status\":\"timeout\"}],\"pattern\":\"mx-exact\",\"provider\":\"a.example\","
        "\"consistent\":true,\"match_domain\":\"none\","
        "\"primary\":{\"mx_host\":\"mx1.a.example\",\"ip\":\"192.0.2.1\"},"
        "\"truncated\":{\"mx\":990,\"addrs\":0},\"dnssec\":{\"mx\":\"secure\",\"hosts\":[]},"
        "\"mta_sts\":{\"status\":\"ok\",\"mode\":\"enforce\",\"outcome\":\"not-covered\"},"
        "\"tlsrpt\":{\"status\":\"bad-uri\",\"mailto\":0},"
        "\"policy\":{\"name\":\"mta-sts-enforce\",\"delivers\":false,\"via\":null}}",
        "3,a.example,ok,,5:mx1.a.example;10:mx2.a.example,192.0.2.1;2001:db8::1,"
        "mx2.a.example=NXDOMAIN,false,mx1.a.example@192.0.2.1;mx1.a.example@2001:db8::1,"
        "ok;timeout,mx-exact,a.example,true,none,mx1.a.example,192.0.2.1,990,0,,"
        "secure,ok,enforce,not-covered,bad-uri,mta-sts-enforce,false\r\n");
    /* The implicit MX; a DNS error with a comma. */
    ROW(CSV_DOMAINS,
        "{\"line\":4,\"domain\":\"nomx.example\",\"status\":\"no-mx\",\"error\":null,"
        "\"mx\":[{\"host\":\"nomx.example\",\"pref\":0,\"ips\":[\"192.0.2.7\"],\"error\":null}],"
        "\"implicit_mx\":true,\"endpoints\":[],\"pattern\":\"unreachable\","
        "\"provider\":\"nomx.example\",\"consistent\":true,\"match_domain\":null,\"primary\":null,"
        "\"truncated\":null}",
        "4,nomx.example,no-mx,,0:nomx.example,192.0.2.7,,true,,,unreachable,nomx.example,true,"
        ",,,,,,,,,,,,\r\n");
    /* An invalid line lacking the later fields; the raw line is neutralised. */
    ROW(CSV_DOMAINS,
        "{\"line\":7,\"domain\":\"-x.example\",\"status\":\"invalid\","
        "\"error\":\"label starts with a hyphen\"}",
        "7,'-x.example,invalid,label starts with a hyphen,,,,,,,,,,,,,,,,,,,,,,\r\n");
    /* A duplicate line: its first line in the last column. */
    ROW(CSV_DOMAINS,
        "{\"line\":9,\"domain\":\"a.example\",\"status\":\"duplicate\",\"error\":null,"
        "\"mx\":[],\"implicit_mx\":false,\"truncated\":null,\"endpoints\":[],"
        "\"duplicate_of\":3,\"pattern\":null,\"provider\":null,\"consistent\":true,"
        "\"match_domain\":null,\"primary\":null,\"dnssec\":null,\"mta_sts\":null,\"tlsrpt\":null,"
        "\"policy\":null}",
        "9,a.example,duplicate,,,,,false,,,,,true,,,,,,3,,,,,,,\r\n");
    char *want = empty_row(ncolumns(CSV_DOMAINS));
    ROW(CSV_DOMAINS, "{}", want);
    free(want);
    /* Lists of objects holding odd members; mx not a list. */
    ROW(CSV_DOMAINS,
        "{\"line\":8,\"mx\":[{\"host\":\"h\"},{\"pref\":1},5],"
        "\"endpoints\":[{\"mx_host\":\"h\",\"ip\":null}]}",
        "8,,,,:h;1:;:,,,,h@,,,,,,,,,,,,,,,,,\r\n");
    ROW(CSV_DOMAINS, "{\"mx\":\"x,y\"}", ",,,,\"x,y\",\"x,y\",\"x,y\",,,,,,,,,,,,,,,,,,,\r\n");
}

/* ------------------------------------------------------------------ providers.csv */

TEST(out_csv_provider_row)
{
    CHECK_INT(ncolumns(CSV_PROVIDERS), 20);
    CHECK_STR(csv_column_name(CSV_PROVIDERS, 3), "pattern_mx_exact");
    CHECK_STR(csv_column_name(CSV_PROVIDERS, 13), "pattern_other");
    CHECK_STR(csv_column_name(CSV_PROVIDERS, 14), "pattern_blocked"); /* added at the end */
    ROW(CSV_PROVIDERS,
        "{\"provider\":\"p.example\",\"domains\":7,\"endpoints\":3,"
        "\"by_pattern\":{\"mx-exact\":2,\"no-mail\":1,\"null\":3,\"weird\":1}}",
        "p.example,7,3,2,0,0,0,0,0,0,0,0,1,4,0,,,,,\r\n");
    ROW(CSV_PROVIDERS,
        "{\"provider\":\"q.example\",\"domains\":11,\"endpoints\":0,\"by_pattern\":{"
        "\"mx-exact\":1,\"mx-wildcard\":1,\"mx-multilabel\":1,\"domain\":1,\"provider\":1,"
        "\"ptr\":1,\"unrelated\":1,\"no-tls\":1,\"unreachable\":1,\"no-mail\":1,\"blocked\":1}}",
        "q.example,11,0,1,1,1,1,1,1,1,1,1,1,0,1,,,,,\r\n");
    /* the policies' shares, the presented names as a list (an item's ';' as \x3b), the shape */
    ROW(CSV_PROVIDERS,
        "{\"provider\":\"r.example\",\"domains\":2,\"endpoints\":1,\"by_pattern\":{},"
        "\"policies\":{\"strict\":{\"share\":0.5},\"multilabel\":{\"share\":1.0},\"rfc9525\":{\"share\":null}},"
        "\"presented_top\":[{\"name\":\"*.r.example\",\"endpoints\":1},{\"name\":\"a;b\",\"endpoints\":1}],"
        "\"mx_shape\":{\"shape\":\"{domain}.r.example\",\"domains\":2}}",
        "r.example,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0.5,1,,*.r.example;a\\x3bb,{domain}.r.example\r\n");
    ROW(CSV_PROVIDERS, "{\"provider\":\"@x\"}", "'@x,,,0,0,0,0,0,0,0,0,0,0,0,0,,,,,\r\n");
    CHECK_INT(ncolumns(CSV_SUMMARY), 2);
    CHECK_STR(csv_table_file(CSV_PROVIDERS), "providers.csv");
    CHECK(csv_column_name(CSV_NTABLES, 0) == NULL);
}

/* ------------------------------------------------------------------ files */

/* The number of CRLF-ended lines of text (rows here: no cell holds a newline). */
static int count_rows(const char *text)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, "\r\n")); p += 2)
        n++;
    return n;
}

TEST(out_csv_write_all)
{
    char *dir = tfs_mkdtemp("mxs-csv");
    CHECK(dir != NULL);
    if (!dir)
        return;
    char err[4400] = "";
    tfs_write(dir, "hosts.jsonl", full_host);
    tfs_write(dir, "domains.jsonl",
              "{\"line\":1,\"domain\":\"a.example\",\"status\":\"ok\",\"pattern\":\"no-tls\","
              "\"provider\":\"a.example\",\"consistent\":true}\n"
              "\n"
              "{\"line\":2,\"domain\":\"=b.example\",\"status\":\"invalid\",\"pattern\":\"no-mail\","
              "\"provider\":null,\"consistent\":true}\n");
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    CHECK_INT(csv_write_all(dir, err, sizeof(err)), SUMMARY_OK);
    CHECK_STR(err, "");
    /* 2 JSONL, summary.json, 5 CSV: no temporary file left. */
    CHECK_INT(tfs_count_files(dir), 8);

    char *hosts = tfs_read(dir, "hosts.csv");
    CHECK(hosts && str_starts_with(hosts, "mx_host,ip,port,ptr,"));
    CHECK(hosts && strstr(hosts, ",\"'=HYPERLINK(\"\"http://x\"\")\","));
    free(hosts);
    char *domains = tfs_read(dir, "domains.csv");
    CHECK_INT(count_rows(domains), 3); /* header + 2 records; the blank line is skipped */
    CHECK(domains && strstr(domains, "\r\n2,'=b.example,invalid,"));
    char *summary = tfs_read(dir, "summary.csv");
    CHECK(summary && str_starts_with(summary, "metric,value\r\ndomains.by_pattern.no-mail,1\r\n"));
    CHECK(summary && strstr(summary, "\r\ndomains.total,2\r\n"));
    CHECK(summary && strstr(summary, "\r\nendpoints.by_key_type.RSA 2048,1\r\n"));
    CHECK(summary && strstr(summary, "\r\nshares.starttls.share,0\r\n"));
    CHECK(summary && strstr(summary, "\r\nshares.strict.share,\r\n")); /* denominator 0 */
    CHECK(summary && !strstr(summary, "meta.")); /* no run.json: no meta.counts */
    CHECK(summary && !strstr(summary, "providers"));
    free(summary);
    char *providers = tfs_read(dir, "providers.csv");
    CHECK_STR(providers,
              "provider,domains,endpoints,pattern_mx_exact,pattern_mx_wildcard,"
              "pattern_mx_multilabel,pattern_domain,pattern_provider,pattern_ptr,"
              "pattern_unrelated,pattern_no_tls,pattern_unreachable,pattern_no_mail,"
              "pattern_other,pattern_blocked,policy_strict,policy_multilabel,policy_rfc9525,"
              "presented_top,mx_shape\r\n"
              "a.example,1,1,0,0,0,0,0,0,0,1,0,0,0,0,,,,*.a.example,\r\n");
    free(providers);

    /* With run.json: its counts are figures; its options are not. */
    tfs_write(dir, "run.json", "{\"counts\":{\"lines\":2,\"domains\":2},"
                               "\"options\":{\"port\":25,\"timeout\":\"3\"}}");
    CHECK_INT(summary_write(dir, err, sizeof(err)), SUMMARY_OK);
    CHECK_INT(csv_write_all(dir, err, sizeof(err)), SUMMARY_OK);
    summary = tfs_read(dir, "summary.csv");
    CHECK(summary && strstr(summary, "\r\nmeta.counts.domains,2\r\nmeta.counts.lines,2\r\n"));
    CHECK(summary && !strstr(summary, "options"));
    free(summary);

    /* A malformed line: an input error naming file:line; hosts.csv was remade, domains.csv
     * is the previous complete file, nothing else is left. */
    tfs_write(dir, "domains.jsonl", "{\"line\":1}\n[1]\n");
    CHECK_INT(csv_write_all(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK(strstr(err, "domains.jsonl:2: not a JSON object") != NULL);
    char *again = tfs_read(dir, "domains.csv");
    CHECK_STR(again, domains);
    free(again);
    free(domains);
    CHECK_INT(tfs_count_files(dir), 9);

    /* No summary.json: an input error. */
    tfs_write(dir, "domains.jsonl", "");
    tfs_unlink(dir, "summary.json");
    CHECK_INT(csv_write_all(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK(strstr(err, "summary.json") != NULL);
    domains = tfs_read(dir, "domains.csv");
    CHECK_STR(domains,
              "line,domain,status,error,mx,mx_ips,mx_errors,implicit_mx,endpoints,"
              "endpoint_statuses,pattern,provider,consistent,match_domain,primary_mx_host,"
              "primary_ip,truncated_mx,truncated_addrs,duplicate_of,dnssec_mx,mta_sts_status,"
              "mta_sts_mode,mta_sts_outcome,tlsrpt_status,policy,policy_delivers\r\n");
    free(domains);
    CHECK_INT(tfs_count_files(dir), 8);
    tfs_rmtree(dir);
    free(dir);

    /* A folder that does not exist. */
    CHECK_INT(csv_write_all("/nonexistent/mxs-csv", err, sizeof(err)), SUMMARY_INPUT_ERROR);
}

/* ------------------------------------------------------------------ the output csv */

/* Feeds the records of the JSONL text lines (one record a line) to the output's callback. */
static void feed_lines(void *st, int (*cb)(void *, json_t *), const char *lines)
{
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_t *rec = json_loadb(p, n, 0, NULL);
        CHECK(rec != NULL);
        if (rec)
            CHECK_INT(cb(st, rec), 0);
        json_decref(rec);
        p += n + (nl ? 1 : 0);
    }
}

static const char csv_domains_a[] =
    "{\"line\":1,\"domain\":\"a.example\",\"status\":\"ok\",\"pattern\":\"no-tls\","
    "\"mx\":[{\"pref\":10,\"host\":\"mx.a.example\",\"ips\":[\"192.0.2.1\"],\"error\":null}],"
    "\"endpoints\":[{\"mx_host\":\"mx.a.example\",\"ip\":\"192.0.2.1\",\"status\":\"ok\"}],"
    "\"provider\":\"a.example\",\"consistent\":true}\n";
static const char csv_domains_b[] =
    "{\"line\":2,\"domain\":\"=b.example\\u001b[31m\",\"status\":\"invalid\",\"pattern\":\"no-mail\","
    "\"provider\":null,\"consistent\":true}\n";
static const char csv_host_b[] =
    "{\"mx_host\":\"mx;b.example\",\"ip\":\"192.0.2.2\",\"status\":\"timeout\",\"tls\":null,"
    "\"cert\":null,\"error\":\"a,\\\"quoted\\\"\\nline\"}\n";

/* The output `csv` writes, record by record, the bytes `mxsurvey report DIR` writes from the
 * JSONL files holding the same records (csv_write_records_opts); nothing is left behind but
 * the two files; a --resume's output starts with the rows of the records the folder keeps
 * (whole lines: a killed writer's cut line is no row), and removes a killed scan's temporary
 * files. */
TEST(out_csv_output_rows_as_records_come)
{
    const struct output_ops *ops = output_find("csv");
    CHECK(ops != NULL);
    char *dir = tfs_mkdtemp("mxs-csvrec");
    CHECK(dir != NULL);
    if (!ops || !dir)
        return;
    char err[4400] = "", hosts_text[8192], domains_text[4096];
    snprintf(hosts_text, sizeof(hosts_text), "%s\n%s", full_host, csv_host_b);
    snprintf(domains_text, sizeof(domains_text), "%s%s", csv_domains_a, csv_domains_b);

    void *st = NULL;
    struct output_where w = {.dir = dir};
    CHECK_INT(ops->open(&st, &w, err, sizeof(err)), 0);
    CHECK(!tfs_exists(dir, "hosts.csv")); /* whole at the end, never a part */
    feed_lines(st, ops->endpoint, hosts_text);
    feed_lines(st, ops->domain, domains_text);
    CHECK_INT(ops->close(st), 0);
    CHECK_INT(tfs_count_files(dir), 3); /* hosts.csv, domains.csv, endpoints_by_domain.csv */
    char *hosts = tfs_read(dir, "hosts.csv"), *domains = tfs_read(dir, "domains.csv");
    CHECK_INT(count_rows(hosts), 3);
    CHECK_INT(count_rows(domains), 3);

    /* The same records as files, and the report's writer. */
    tfs_write(dir, "hosts.jsonl", hosts_text);
    tfs_write(dir, "domains.jsonl", domains_text);
    CHECK_INT(csv_write_records_opts(dir, NULL, err, sizeof(err)), SUMMARY_OK);
    char *hosts2 = tfs_read(dir, "hosts.csv"), *domains2 = tfs_read(dir, "domains.csv");
    CHECK_STR(hosts, hosts2);
    CHECK_STR(domains, domains2);
    free(hosts2);
    free(domains2);

    /* --resume: the folder keeps one endpoint and one domain, each file with a cut line; a
     * killed scan's temporary CSV is there too. */
    char kept_hosts[4096];
    snprintf(kept_hosts, sizeof(kept_hosts), "%s\n{\"mx_host\":\"cut.example\",\"ip\":\"192.", full_host);
    tfs_write(dir, "hosts.jsonl", kept_hosts);
    char kept_domains[4096];
    snprintf(kept_domains, sizeof(kept_domains), "%s{\"line\":7,\"dom", csv_domains_a);
    tfs_write(dir, "domains.jsonl", kept_domains);
    tfs_write(dir, ".hosts.csv.Ab3dE9", "line,domain\r\n");
    tfs_write(dir, "hosts.csv", "stale\r\n");
    struct output_where wa = {.dir = dir, .append = 1};
    CHECK_INT(ops->open(&st, &wa, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK(!tfs_exists(dir, ".hosts.csv.Ab3dE9"));
    feed_lines(st, ops->endpoint, csv_host_b);
    feed_lines(st, ops->domain, csv_domains_b);
    CHECK_INT(ops->close(st), 0);
    hosts2 = tfs_read(dir, "hosts.csv");
    domains2 = tfs_read(dir, "domains.csv");
    CHECK_STR(hosts2, hosts);
    CHECK_STR(domains2, domains);
    free(hosts2);
    free(domains2);
    CHECK_INT(tfs_count_files(dir), 5); /* 2 JSONL, 2 CSV */

    /* A damaged line the folder keeps: the output does not open, and leaves nothing. */
    tfs_write(dir, "domains.jsonl", "[1]\n");
    CHECK_INT(ops->open(&st, &wa, err, sizeof(err)), -1);
    CHECK(strstr(err, "domains.jsonl:1:") != NULL);
    CHECK_INT(tfs_count_files(dir), 5);
    free(hosts);
    free(domains);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ docs/schema.md */

TEST(out_csv_schema_documented)
{
    for (int t = 0; t < CSV_NTABLES; t++) {
        char want[8192] = "";
        const char *name;
        for (size_t i = 0; (name = csv_column_name((enum csv_table)t, i)); i++) {
            if (i)
                strcat(want, ",");
            strcat(want, name);
        }
        char *doc = tfs_schema_columns(csv_table_file((enum csv_table)t));
        if (strcmp(doc, want) != 0)
            fprintf(stderr, "  docs/schema.md section %s\n", csv_table_file((enum csv_table)t));
        CHECK_STR(doc, want);
        free(doc);
    }
}

/* ------------------------------------------------------------------ endpoints_by_domain.csv */

TEST(out_csv_tidy_schema_documented)
{
    char want[8192] = "";
    const char *name;
    for (size_t i = 0; (name = csv_tidy_column_name(i)); i++) {
        if (i)
            strcat(want, ",");
        strcat(want, name);
    }
    char *doc = tfs_schema_columns(CSV_TIDY_FILE);
    CHECK_STR(doc, want);
    free(doc);
}

/* A domain with two endpoints (one the primary, one never recorded), a domain without any
 * (one row), hostile text neutralised; the scan's output and the report's writer make the
 * same bytes, and --resume starts with the kept records' rows. */
TEST(out_csv_tidy_rows)
{
    const struct output_ops *ops = output_find("csv");
    char *dir = tfs_mkdtemp("mxs-tidy");
    CHECK(ops && dir);
    if (!ops || !dir)
        return;
    static const char hosts_text[] =
        "{\"mx_host\":\"mx.a.example\",\"ip\":\"192.0.2.1\",\"status\":\"ok\",\"error\":null,"
        "\"tls\":{\"version\":\"TLSv1.2\"},\"tls_max\":\"TLSv1.3\",\"cert\":{\"sha256\":\"ab\"},"
        "\"trust\":{\"valid\":false,\"reasons\":[\"expired\",\"unknown-ca\"]},\"wildcard\":\"none\","
        "\"match\":{\"mx_host\":\"exact\",\"ptr\":null},\"names_from\":\"san\",\"tlsrpt\":null,"
        "\"inference\":null,\"inferred_from\":null,"
        "\"issuer\":{\"o\":\"=Evil, Inc.\",\"cn\":\"CA\",\"root\":null,\"self_signed\":false},"
        "\"provider\":\"a.example\"}\n";
    static const char domains_text[] =
        "{\"line\":1,\"domain\":\"a.example\",\"status\":\"ok\",\"pattern\":\"mx-exact\","
        "\"mx\":[{\"pref\":10,\"host\":\"mx.a.example\"},{\"pref\":20,\"host\":\"mx2.a.example\"}],"
        "\"endpoints\":[{\"mx_host\":\"mx.a.example\",\"ip\":\"192.0.2.1\",\"status\":\"ok\"},"
        "{\"mx_host\":\"mx2.a.example\",\"ip\":\"192.0.2.9\",\"status\":\"timeout\"}],"
        "\"provider\":\"a.example\",\"consistent\":true,\"match_domain\":\"none\","
        "\"primary\":{\"mx_host\":\"mx.a.example\",\"ip\":\"192.0.2.1\"}}\n"
        "{\"line\":2,\"domain\":\"a.example\",\"status\":\"duplicate\",\"duplicate_of\":1,"
        "\"mx\":[],\"endpoints\":[],\"pattern\":null,\"consistent\":true}\n";
    static const char want[] =
        "line,domain,domain_status,duplicate_of,pattern,provider,consistent,match_domain,"
        "endpoint_rank,mx_host,ip,mx_pref,is_primary,endpoint_status,endpoint_error,tls_version,"
        "tls_max,cert_sha256,trust_valid,trust_reasons,wildcard,match_mx_host,match_ptr,"
        "names_from,tlsrpt,inference,inferred_from,issuer_o,issuer_cn,issuer_root,"
        "issuer_self_signed,endpoint_provider\r\n"
        "1,a.example,ok,,mx-exact,a.example,true,none,1,mx.a.example,192.0.2.1,10,true,ok,,"
        "TLSv1.2,TLSv1.3,ab,false,expired;unknown-ca,none,exact,,san,,,,\"'=Evil, Inc.\",CA,,"
        "false,a.example\r\n"
        "1,a.example,ok,,mx-exact,a.example,true,none,2,mx2.a.example,192.0.2.9,20,false,"
        "timeout,,,,,,,,,,,,,,,,,,\r\n"
        "2,a.example,duplicate,1,,,true,,,,,,,,,,,,,,,,,,,,,,,,,\r\n";
    char err[4400] = "";
    void *st = NULL;
    struct output_where w = {.dir = dir};
    CHECK_INT(ops->open(&st, &w, err, sizeof(err)), 0);
    feed_lines(st, ops->endpoint, hosts_text);
    feed_lines(st, ops->domain, domains_text);
    CHECK_INT(ops->close(st), 0);
    char *scan = tfs_read(dir, CSV_TIDY_FILE);
    CHECK_STR(scan, want);

    /* `mxsurvey report`'s writer from the same records as files. */
    tfs_write(dir, "hosts.jsonl", hosts_text);
    tfs_write(dir, "domains.jsonl", domains_text);
    tfs_unlink(dir, CSV_TIDY_FILE);
    CHECK_INT(csv_write_records_opts(dir, NULL, err, sizeof(err)), SUMMARY_OK);
    char *report = tfs_read(dir, CSV_TIDY_FILE);
    CHECK_STR(report, want);

    /* --resume: the folder keeps the endpoint and the first domain; the second comes now. A
     * killed scan's temporary file goes. */
    const char *second = strchr(domains_text, '\n') + 1;
    char kept[2048];
    snprintf(kept, sizeof(kept), "%.*s", (int)(second - domains_text), domains_text);
    tfs_write(dir, "domains.jsonl", kept);
    tfs_write(dir, ".endpoints_by_domain.csv.Xy12Zq", "stale\r\n");
    struct output_where wa = {.dir = dir, .append = 1};
    CHECK_INT(ops->open(&st, &wa, err, sizeof(err)), 0);
    CHECK(!tfs_exists(dir, ".endpoints_by_domain.csv.Xy12Zq"));
    feed_lines(st, ops->domain, second);
    CHECK_INT(ops->close(st), 0);
    char *resumed = tfs_read(dir, CSV_TIDY_FILE);
    CHECK_STR(resumed, want);
    free(scan);
    free(report);
    free(resumed);
    tfs_rmtree(dir);
    free(dir);
}

/* The one rule for a column named by a vocabulary word (trend.csv's, providers.csv's). */
TEST(out_csv_column_word)
{
    char b[32];
    CHECK_STR(csv_column_word("pattern", "mx-exact", b, sizeof(b)), "pattern_mx_exact");
    CHECK_STR(csv_column_word("x", "TLSv1.2", b, sizeof(b)), "x_TLSv1_2");
    CHECK_STR(csv_column_word("pattern", "no-mail", b, 10), "pattern_n");
    CHECK_STR(csv_column_word("a-b", "c", b, sizeof(b)), "a-b_c"); /* the prefix as given */
}

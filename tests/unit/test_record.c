/* Pure pieces of the scan's output path: the hash map, whole-line file writing, and the JSON
 * form of records (attacker-controlled text in the notation of text.h, a certificate with
 * hostile names through assess and record). */
#include <stdlib.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "classify/classify.h"
#include "core/hmap.h"
#include "core/linebuf.h"
#include "report/record.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

static void count_cb(void *arg, const char *key, void *val)
{
    (void)key;
    *(long *)arg += (long)(intptr_t)val;
}

TEST(hmap_basics)
{
    struct hmap m;
    hmap_init(&m);
    char key[64];
    for (long i = 1; i <= 5000; i++) { /* forces several resizes */
        snprintf(key, sizeof(key), "mx%ld.example|127.0.0.%ld", i, i % 250);
        CHECK(hmap_put(&m, key, (void *)(intptr_t)i) == NULL);
    }
    CHECK_INT(m.count, 5000);
    CHECK_INT((intptr_t)hmap_get(&m, "mx77.example|127.0.0.77"), 77);
    CHECK(hmap_get(&m, "mx77.example|127.0.0.78") == NULL);
    CHECK_INT((intptr_t)hmap_put(&m, "mx77.example|127.0.0.77", (void *)(intptr_t)7), 77);
    CHECK_INT((intptr_t)hmap_del(&m, "mx1.example|127.0.0.1"), 1);
    CHECK(hmap_del(&m, "mx1.example|127.0.0.1") == NULL);
    long sum = 0;
    hmap_foreach(&m, count_cb, &sum);
    CHECK_INT(sum, 5000L * 5001 / 2 - 1 - 77 + 7);
    hmap_free(&m, NULL);
}

TEST(linebuf_whole_lines)
{
    char path[] = "/tmp/mxs-linebuf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct linebuf lb;
    CHECK_INT(linebuf_open(&lb, path), 0);
    lb.flush_at = 100; /* flush often: every flush must end at a line boundary */
    char line[64];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof(line), "{\"n\":%d}", i);
        CHECK_INT(linebuf_put(&lb, line, (size_t)n), 0);
        if (i % 97 == 0) { /* the file on disk so far holds whole lines only */
            FILE *f = fopen(path, "r");
            fseek(f, 0, SEEK_END);
            long sz = ftell(f);
            if (sz > 0) {
                fseek(f, sz - 1, SEEK_SET);
                CHECK_INT(fgetc(f), '\n');
            }
            fclose(f);
        }
    }
    CHECK_INT(linebuf_close(&lb), 0);
    FILE *f = fopen(path, "r");
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    CHECK_INT(lines, 1000);
    unlink(path);
    CHECK(linebuf_open(&lb, "/nonexistent-dir/x.jsonl") < 0);
}

static void check_text(const char *in, const char *want, int line)
{
    json_t *j = record_text(in);
    if (!json_is_string(j) || strcmp(json_string_value(j), want) != 0)
        fprintf(stderr, "  (record_text case from line %d)\n", line);
    CHECK_STR(json_string_value(j), want);
    json_decref(j);
}
#define TEXT(in, want) check_text((in), (want), __LINE__)

TEST(record_text_escapes)
{
    TEXT("mx.example", "mx.example");
    TEXT("b\xc3\xbc" "cher", "b\xc3\xbc" "cher"); /* valid UTF-8 kept as is */
    TEXT("bad\xff\xfe" "end", "bad\\xff\\xfeend"); /* invalid UTF-8: octets as \xHH */
    /* One notation (text.h) for all network text: only the invalid octets are escaped, the
     * valid characters around them are kept; control characters stay characters; a literal
     * "\xHH" gets its backslash written \x5c, so every string decodes back to its octets. */
    TEXT("b\xc3\xbc\xff", "b\xc3\xbc\\xff");
    TEXT("220 \x1b[2J hello", "220 \x1b[2J hello");
    TEXT("csi\xc2\x9b", "csi\xc2\x9b");
    TEXT("raw\x9b", "raw\\x9b");
    TEXT("x\\x41", "x\\x5cx41");
    TEXT("a\\b", "a\\b");
    json_t *j;
    j = record_text(NULL);
    CHECK(json_is_null(j));
    json_decref(j);
    /* A CSV-formula-looking or quote-laden name stays exact in JSON (jansson escapes). */
    j = record_text("=HYPERLINK(\"x\")\n");
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    CHECK_STR(s, "\"=HYPERLINK(\\\"x\\\")\\n\"");
    free(s);
    json_decref(j);
}

/* An invalid input line goes to domains.jsonl with its real octets: a NUL is \x00 (it was
 * written '?' before, which no one could tell from a real '?'), invalid UTF-8 \xHH. */
TEST(record_domain_json_raw_line)
{
    struct resolve_result none = {.status = RESOLVE_DNS_ERROR};
    static const char raw[] = "a\0b?\xff.example";
    struct domain_rec r = {.line = 3, .domain = raw, .domain_len = sizeof(raw) - 1,
                           .status = "invalid", .error = "NUL", .rr = &none};
    json_t *o = record_domain_json(&r);
    CHECK_STR(json_string_value(json_object_get(o, "domain")), "a\\x00b?\\xff.example");
    json_decref(o);
    json_t *j = record_textn("x\0", 2);
    CHECK_STR(json_string_value(j), "x\\x00");
    json_decref(j);
}

TEST(record_domain_json_fields)
{
    char *ips[] = {"127.10.0.1", "::1"};
    struct resolve_mx mx = {.host = "mx1.exact.example", .pref = 10, .ips = ips, .nips = 2, .resolved = 1};
    struct resolve_result rr = {.domain = "exact.example", .status = RESOLVE_OK, .mx = &mx, .nmx = 1};
    struct domain_ep_ref ep = {.mx_host = "mx1.exact.example", .ip = "127.10.0.1", .status = "ok"};
    struct domain_rec r = {.line = 7, .domain = "exact.example", .status = "ok", .rr = &rr,
                           .eps = &ep, .neps = 1};
    json_t *o = record_domain_json(&r);
    char *s = json_dumps(o, JSON_COMPACT);
    CHECK_STR(s, "{\"line\":7,\"domain\":\"exact.example\",\"status\":\"ok\",\"error\":null,"
                 "\"mx\":[{\"host\":\"mx1.exact.example\",\"pref\":10,\"ips\":[\"127.10.0.1\",\"::1\"],\"error\":null}],"
                 "\"implicit_mx\":false,\"truncated\":null,"
                 "\"endpoints\":[{\"mx_host\":\"mx1.exact.example\",\"ip\":\"127.10.0.1\",\"status\":\"ok\"}],"
                 "\"dnssec\":null,\"mta_sts\":null,\"tlsrpt\":null,\"policy\":null}");
    free(s);
    json_decref(o);
    /* What the caps cut: an object with both counts, even when one is 0. */
    rr.mx_cut = 990;
    o = record_domain_json(&r);
    s = json_dumps(json_object_get(o, "truncated"), JSON_COMPACT);
    CHECK_STR(s, "{\"mx\":990,\"addrs\":0}");
    free(s);
    json_decref(o);
    rr.mx_cut = 0;
    rr.addrs_cut = 296;
    o = record_domain_json(&r);
    s = json_dumps(json_object_get(o, "truncated"), JSON_COMPACT);
    CHECK_STR(s, "{\"mx\":0,\"addrs\":296}");
    free(s);
    json_decref(o);
}

/* starttls_injection: null without STARTTLS's 220, else whether this session or the address's
 * version probe saw octets after it; tls_client_limit: a boolean, and such a failure gets no
 * TLSRPT verdict (it is this client's, not the server's). */
TEST(record_endpoint_injection_and_client_limit)
{
    psl_ctx_t *psl = classify_psl_load();
    struct {
        int started, injected, vp_injected, has_vp, limit;
        enum probe_status st;
        const char *want_inj, *want_tlsrpt;
    } cases[] = {
        {0, 0, 0, 0, 0, PROBE_STARTTLS_REFUSED, "null", "starttls-not-supported"},
        {1, 0, 0, 0, 0, PROBE_TLS_FAILED, "false", "validation-failure"},
        {1, 1, 0, 0, 0, PROBE_TLS_FAILED, "true", "validation-failure"},
        {1, 0, 1, 1, 0, PROBE_TLS_FAILED, "true", "validation-failure"},
        {1, 0, 1, 0, 0, PROBE_TLS_FAILED, "false", "validation-failure"},
        {1, 0, 0, 1, 1, PROBE_TLS_FAILED, "false", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct probe_result res = {.status = cases[i].st, .error = "x",
                                   .tls_started = cases[i].started,
                                   .starttls_injection = cases[i].injected,
                                   .tls_client_limit = cases[i].limit, .tls_alert = -1};
        struct tls_max_rec tm = {.starttls_injection = cases[i].vp_injected};
        struct assess_endpoint as;
        assess_endpoint(psl, NULL, "mx.example", NULL, "example", &res, &as);
        CHECK_STR(as.tlsrpt, cases[i].want_tlsrpt);
        struct endpoint_rec r = {.mx_host = "mx.example", .ip = "192.0.2.1", .port = 25,
                                 .ptr_status = "nxdomain", .attempts = 1, .first_domain = "example",
                                 .res = &res, .as = &as, .tls_max = cases[i].has_vp ? &tm : NULL};
        json_t *o = record_endpoint_json(&r);
        json_t *inj = json_object_get(o, "starttls_injection");
        const char *got = json_is_null(inj) ? "null" : json_is_true(inj) ? "true"
                          : json_is_false(inj) ? "false" : "?";
        CHECK_STR(got, cases[i].want_inj);
        CHECK(json_is_boolean(json_object_get(o, "tls_client_limit")) &&
              json_is_true(json_object_get(o, "tls_client_limit")) == cases[i].limit);
        json_decref(o);
        assess_endpoint_clear(&as);
    }
    psl_free(psl);
}

/* The hosts.jsonl record of an endpoint serving tests/unit/data/hostile-names.pem with a
 * hostile greeting and EHLO word: assess and record as the scan runs them. */
TEST(record_endpoint_hostile_certificate)
{
    struct cert_info *ci = tfs_load_cert("tests/unit/data/hostile-names.pem");
    CHECK(ci != NULL);
    if (!ci)
        return;
    psl_ctx_t *psl = classify_psl_load();
    char err[256];
    struct trust_ctx *trust = trust_ctx_new("tests/unit/data/ca.pem", NULL, err, sizeof(err));
    CHECK(trust != NULL);
    struct cert_info *chain[1] = {ci};
    /* The probe hands greeting and EHLO words over in the text notation (probe.h): a literal
     * "\x41" already written \x5cx41, an invalid octet as \xff. */
    struct probe_result res = {.status = PROBE_OK, .banner_host = "x\\x5cx41\x1b[2J",
                               .ehlo_host = "b\xc3\xbc\\xff", .chain = chain, .chain_len = 1};
    struct assess_endpoint as;
    assess_endpoint(psl, trust, "ok.example", NULL, "ok.example", &res, &as);
    struct endpoint_rec r = {.mx_host = "ok.example", .ip = "192.0.2.1", .port = 25,
                             .ptr_status = "nxdomain", .attempts = 1,
                             .first_domain = "ok.example", .res = &res, .as = &as};
    json_t *o = record_endpoint_json(&r);

    /* The names as cert.c wrote them, not escaped a second time. */
    const char *want[] = {
        "a b.example", "back\\slash.example", "x\\x5cx41.example", "nul\\x00.example",
        "esc\x1b[31m.example", "csi\xc2\x9b.example", "bad\\xff\\xc0\\xaf.example",
        "b\xc3\xbc" "cher.example", "ok.example",
    };
    json_t *cert = json_object_get(o, "cert");
    json_t *san = json_object_get(cert, "san_dns"), *pres = json_object_get(o, "presented");
    CHECK_INT(json_array_size(san), ARRAY_LEN(want));
    CHECK_INT(json_array_size(pres), ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        CHECK_STR(json_string_value(json_array_get(san, i)), want[i]);
        CHECK_STR(json_string_value(json_array_get(pres, i)), want[i]);
    }
    CHECK_STR(json_string_value(json_object_get(cert, "subject_cn")), "X\\X41.EXAMPLE");
    CHECK_STR(json_string_value(json_object_get(cert, "subject")),
              "O=Caf\xc3\xa9\\, Inc., OU=a\x1b" "b\\\\x5cx41, CN=X\\\\X41.EXAMPLE");
    CHECK(json_is_true(json_object_get(o, "cn_in_san")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "match"), "mx_host")), "exact");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "matched_by"), "mx_host")),
              "ok.example");
    CHECK_STR(json_string_value(json_object_get(o, "banner_host")), "x\\x5cx41\x1b[2J");
    CHECK_STR(json_string_value(json_object_get(o, "ehlo_host")), "b\xc3\xbc\\xff");
    /* The JSON line holds the control characters as JSON escapes, and reads back the same. */
    char *line = json_dumps(o, JSON_COMPACT);
    CHECK(line && strstr(line, "\"esc\\u001B[31m.example\"") != NULL);
    CHECK(line && strstr(line, "\"nul\\\\x00.example\"") != NULL);
    json_t *back = line ? json_loads(line, 0, NULL) : NULL;
    CHECK(back && json_equal(back, o));
    json_decref(back);
    free(line);

    json_decref(o);
    assess_endpoint_clear(&as);
    assess_names_clear(&as.keep);
    trust_ctx_free(trust);
    psl_free(psl);
    cert_info_free(ci);
}

/* hosts.jsonl `issuer`: the leaf issuer DN's O and CN, the anchor a verified chain ends at,
 * self-signed; null without a certificate. */
TEST(record_endpoint_issuer)
{
    struct cert_info *leaf = tfs_load_cert("tests/unit/data/cn-only.pem");
    struct cert_info *self = tfs_load_cert("tests/unit/data/hostile-names.pem");
    CHECK(leaf && self);
    if (!leaf || !self)
        return;
    psl_ctx_t *psl = classify_psl_load();
    char err[256];
    struct trust_ctx *trust = trust_ctx_new("tests/unit/data/ca.pem", NULL, err, sizeof(err));
    CHECK(trust != NULL);
    struct cert_info *chains[2][1] = {{leaf}, {self}};
    json_t *is[3];
    for (int i = 0; i < 3; i++) {
        struct probe_result res = {.status = PROBE_OK, .chain = i < 2 ? chains[i] : NULL,
                                   .chain_len = i < 2 ? 1 : 0};
        struct assess_endpoint as;
        assess_endpoint(psl, trust, "mx.example", NULL, "example", &res, &as);
        struct endpoint_rec r = {.mx_host = "mx.example", .ip = "192.0.2.1", .port = 25,
                                 .ptr_status = "nxdomain", .attempts = 1,
                                 .first_domain = "example", .res = &res, .as = &as};
        json_t *o = record_endpoint_json(&r);
        is[i] = json_incref(json_object_get(o, "issuer"));
        json_decref(o);
        assess_endpoint_clear(&as);
        assess_names_clear(&as.keep);
    }
    /* Issued by the test CA, verified against it: the root is its CN. */
    CHECK_STR(json_string_value(json_object_get(is[0], "o")), "mxsurvey tests");
    CHECK_STR(json_string_value(json_object_get(is[0], "cn")), "mxsurvey Test CA");
    CHECK_STR(json_string_value(json_object_get(is[0], "root")), "mxsurvey Test CA");
    CHECK(json_is_false(json_object_get(is[0], "self_signed")));
    /* Self-signed, hostile text kept in the notation; not verified: no root. */
    CHECK_STR(json_string_value(json_object_get(is[1], "o")), "Caf\xc3\xa9, Inc.");
    CHECK_STR(json_string_value(json_object_get(is[1], "cn")), "X\\X41.EXAMPLE");
    CHECK(json_is_null(json_object_get(is[1], "root")));
    CHECK(json_is_true(json_object_get(is[1], "self_signed")));
    /* No certificate: null. */
    CHECK(json_is_null(is[2]));
    for (int i = 0; i < 3; i++)
        json_decref(is[i]);
    trust_ctx_free(trust);
    psl_free(psl);
    cert_info_free(leaf);
    cert_info_free(self);
}

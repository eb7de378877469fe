/* The JSON of what a policy-enforcing sender would do (record.c, classify/sender.h's structs
 * filled by hand): hosts.jsonl `dane`, domains.jsonl `dnssec`, `mta_sts`, `tlsrpt`, `policy`;
 * each field, its null cases, and hostile text in the notation of text.h. */
#include <stdlib.h>
#include <string.h>

#include "report/record.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

static char *member(const json_t *o, const char *key)
{
    return json_dumps(json_object_get(o, key), JSON_COMPACT | JSON_ENCODE_ANY);
}

#define CHECK_MEMBER(o, key, want)      \
    do {                                \
        char *s_ = member((o), (key));  \
        CHECK_STR(s_, want);            \
        free(s_);                       \
    } while (0)

static json_t *endpoint_with(const struct sender_dane *d, struct probe_result *res)
{
    *res = (struct probe_result){.status = PROBE_OK, .tls_alert = -1};
    struct endpoint_rec r = {.mx_host = "mx.example", .ip = "127.0.0.1", .port = 25,
                             .ptr_status = "nxdomain", .attempts = 1, .first_domain = "example",
                             .res = res, .dane = d};
    return record_endpoint_json(&r);
}

TEST(record_dane_json)
{
    unsigned char ee[3 + 32], pkix[3 + 2] = {0, 0, 1, 0xab, 0xcd}, cut[2] = {3, 1};
    ee[0] = 3, ee[1] = 1, ee[2] = 1;
    for (int i = 0; i < 32; i++)
        ee[3 + i] = (unsigned char)(0xA0 + i % 16);
    struct resolve_blob rr[] = {{ee, sizeof(ee)}, {pkix, sizeof(pkix)}, {cut, sizeof(cut)}};
    struct resolve_rrset tlsa = {.asked = 1, .qname = "_25._tcp.mx\xff.example", .status = RESOLVE_OK,
                                 .dnssec = DNSSEC_SECURE, .rr = rr, .n = 3};
    struct sender_dane d = {.asked = 1, .addr_dnssec = DNSSEC_SECURE, .tlsa = &tlsa,
                            .verdict = DANE_PASS, .res = {.verdict = DANE_PASS, .matched = 0, .matched_depth = 0},
                            .applies = 1};
    struct probe_result res;
    json_t *o = endpoint_with(&d, &res);
    /* After every earlier member: the record's last. */
    const char *last = NULL, *k;
    json_t *v;
    json_object_foreach(o, k, v)
        last = k;
    CHECK_STR(last, "dane");
    CHECK_MEMBER(o, "dane",
                 "{\"verdict\":\"pass\",\"why\":null,\"addresses\":\"secure\","
                 "\"tlsa\":{\"name\":\"_25._tcp.mx\\\\xff.example\",\"status\":\"ok\",\"dnssec\":\"secure\",\"error\":null,"
                 "\"records\":[{\"usage\":3,\"selector\":1,\"matching_type\":1,"
                 "\"data\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafa0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"usable\":\"usable\"},"
                 "{\"usage\":0,\"selector\":0,\"matching_type\":1,\"data\":\"abcd\",\"usable\":\"pkix-usage\"},"
                 "{\"usage\":null,\"selector\":null,\"matching_type\":null,\"data\":\"0301\",\"usable\":\"bad-length\"}]},"
                 "\"matched\":0,\"matched_depth\":0,\"applies\":true}");
    json_decref(o);

    /* A failed lookup: the error's words (escaped), no records, fail with its reason; a
     * DANE-TA match one certificate up. */
    tlsa.status = RESOLVE_DNS_ERROR;
    tlsa.dnssec = DNSSEC_BOGUS;
    tlsa.error = "TLSA query: SERVFAIL \x1b[2J\xfe";
    d.verdict = DANE_FAIL;
    d.why = "TLSA bogus";
    d.res.matched = -1;
    d.res.matched_depth = -1;
    o = endpoint_with(&d, &res);
    json_t *dj = json_object_get(o, "dane");
    CHECK_MEMBER(dj, "tlsa", "{\"name\":\"_25._tcp.mx\\\\xff.example\",\"status\":\"dns-error\",\"dnssec\":\"bogus\","
                             "\"error\":\"TLSA query: SERVFAIL \\u001B[2J\\\\xfe\",\"records\":[]}");
    CHECK_MEMBER(dj, "why", "\"TLSA bogus\"");
    CHECK_MEMBER(dj, "matched", "null");
    CHECK_MEMBER(dj, "matched_depth", "null");
    json_decref(o);
    d.verdict = DANE_PASS;
    d.res.matched = 1;
    d.res.matched_depth = 2;
    o = endpoint_with(&d, &res);
    CHECK_MEMBER(json_object_get(o, "dane"), "matched_depth", "2");
    json_decref(o);

    /* TLSA not asked (the addresses are not secure): tlsa null, addresses as they were. */
    struct resolve_rrset none = {0};
    struct sender_dane d2 = {.asked = 1, .addr_dnssec = DNSSEC_INSECURE, .tlsa = &none,
                             .verdict = DANE_NONE, .why = "addresses not secure", .res = {.matched = -1}};
    o = endpoint_with(&d2, &res);
    CHECK_MEMBER(o, "dane", "{\"verdict\":\"none\",\"why\":\"addresses not secure\",\"addresses\":\"insecure\","
                            "\"tlsa\":null,\"matched\":null,\"matched_depth\":null,\"applies\":false}");
    json_decref(o);
    d2.addr_dnssec = DNSSEC_UNKNOWN;
    d2.tlsa = NULL;
    o = endpoint_with(&d2, &res);
    CHECK_MEMBER(json_object_get(o, "dane"), "addresses", "null");
    CHECK_MEMBER(json_object_get(o, "dane"), "tlsa", "null");
    json_decref(o);

    /* Lookups off (asked 0) or no verdict (NULL, a blocked endpoint): null. */
    d.asked = 0;
    o = endpoint_with(&d, &res);
    CHECK_MEMBER(o, "dane", "null");
    json_decref(o);
    o = endpoint_with(NULL, &res);
    CHECK(json_is_null(json_object_get(o, "dane")));
    json_decref(o);
}

/* A domain with two MX hosts, a policy in enforce mode whose pattern does not cover the
 * second, TLSRPT, DANE required of the first. */
static void fill_domain(struct sender_domain *sd, struct sender_host *hosts, struct sender_sts *sts,
                        struct mtasts_policy *pol)
{
    static char *patterns[] = {"mx1.example", "*.evil\xff<b>.example"};
    *pol = (struct mtasts_policy){.mode = MTASTS_MODE_ENFORCE, .max_age = 604800, .mx = patterns,
                                  .nmx = 2, .has_version = 1};
    *sts = (struct sender_sts){.asked = 1, .status = STS_OK, .fetch_status = "ok", .http_code = 200,
                               .fetch_ip = "127.0.0.80", .policy = pol};
    strcpy(sts->id, "20260101T0");
    hosts[0] = (struct sender_host){.host = "mx1.example", .addr_dnssec = DNSSEC_SECURE, .tlsa = "records",
                                    .sts_pattern = "mx1.example", .sts = "pass",
                                    .policy = SENDER_DANE_REQUIRED, .accepts = 1};
    hosts[1] = (struct sender_host){.host = "a.b.psmtp.example", .addr_dnssec = DNSSEC_INSECURE,
                                    .sts = "not-covered", .policy = SENDER_MTA_STS_ENFORCE};
    *sd = (struct sender_domain){.asked = 1, .mx_dnssec = DNSSEC_SECURE, .hosts = hosts, .nhosts = 2,
                                 .sts_outcome = "pass", .tlsrpt = "ok", .tlsrpt_rec = {.mailto = 1, .https = 2, .bad = 3},
                                 .policy = SENDER_DANE_REQUIRED, .delivers = 1, .via = "mx1.example"};
}

static json_t *domain_with(const struct sender_domain *sd, const struct sender_sts *sts)
{
    static struct resolve_result rr = {.domain = "example", .status = RESOLVE_OK};
    struct domain_rec r = {.line = 3, .domain = "example", .status = "ok", .rr = &rr, .pattern = "mx-exact",
                           .consistent = 1, .sender = sd, .sts = sts};
    return record_domain_json(&r);
}

TEST(record_domain_sender_json)
{
    struct sender_domain sd;
    struct sender_host hosts[2];
    struct sender_sts sts;
    struct mtasts_policy pol;
    fill_domain(&sd, hosts, &sts, &pol);
    json_t *o = domain_with(&sd, &sts);
    /* The four members come last, in this order. */
    const char *keys[4] = {0}, *k;
    json_t *v;
    size_t n = 0;
    json_object_foreach(o, k, v) {
        memmove(keys, keys + 1, 3 * sizeof(*keys));
        keys[3] = k;
        n++;
    }
    CHECK_STR(keys[0], "dnssec");
    CHECK_STR(keys[1], "mta_sts");
    CHECK_STR(keys[2], "tlsrpt");
    CHECK_STR(keys[3], "policy");
    CHECK_MEMBER(o, "dnssec", "{\"mx\":\"secure\",\"hosts\":[{\"host\":\"mx1.example\",\"addresses\":\"secure\",\"tlsa\":\"records\"},"
                              "{\"host\":\"a.b.psmtp.example\",\"addresses\":\"insecure\",\"tlsa\":null}]}");
    CHECK_MEMBER(o, "mta_sts", "{\"status\":\"ok\",\"id\":\"20260101T0\",\"error\":null,\"line\":null,"
                               "\"fetch\":{\"ip\":\"127.0.0.80\",\"status\":\"ok\",\"http_status\":200},"
                               "\"mode\":\"enforce\",\"max_age\":604800,\"mx\":[\"mx1.example\",\"*.evil\\\\xff<b>.example\"],"
                               "\"hosts\":[{\"host\":\"mx1.example\",\"pattern\":\"mx1.example\",\"check\":\"pass\"},"
                               "{\"host\":\"a.b.psmtp.example\",\"pattern\":null,\"check\":\"not-covered\"}],"
                               "\"outcome\":\"pass\"}");
    CHECK_MEMBER(o, "tlsrpt", "{\"status\":\"ok\",\"mailto\":1,\"https\":2,\"bad\":3}");
    CHECK_MEMBER(o, "policy", "{\"name\":\"dane-required\",\"delivers\":true,\"via\":\"mx1.example\","
                              "\"hosts\":[{\"host\":\"mx1.example\",\"policy\":\"dane\",\"accepts\":true},"
                              "{\"host\":\"a.b.psmtp.example\",\"policy\":\"mta-sts-enforce\",\"accepts\":false}]}");
    json_decref(o);

    /* Hostile text: a host name with a control character and invalid UTF-8, a pattern
     * with a quote, an error with an escape sequence: the notation, never raw octets. */
    hosts[1].host = "x\x01\xff.example";
    hosts[1].sts_pattern = "*\"q\".example";
    sd.via = "x\x01\xff.example";
    sts.error = "\x1b]0;title\x07";
    o = domain_with(&sd, &sts);
    CHECK_MEMBER(json_object_get(o, "policy"), "via", "\"x\\u0001\\\\xff.example\"");
    CHECK_MEMBER(json_array_get(json_object_get(json_object_get(o, "mta_sts"), "hosts"), 1), "pattern",
                 "\"*\\\"q\\\".example\"");
    CHECK_MEMBER(json_object_get(o, "mta_sts"), "error", "\"\\u001B]0;title\\u0007\"");
    CHECK_MEMBER(json_array_get(json_object_get(json_object_get(o, "dnssec"), "hosts"), 1), "host",
                 "\"x\\u0001\\\\xff.example\"");
    json_decref(o);
}

TEST(record_domain_sender_states)
{
    struct sender_domain sd;
    struct sender_host hosts[2];
    struct sender_sts sts;
    struct mtasts_policy pol;
    fill_domain(&sd, hosts, &sts, &pol);

    /* A body error: its word, its line; no mode, max_age, mx (there is no policy). */
    sts.status = STS_POLICY;
    sts.policy_error = MTASTS_POLICY_BAD_MODE;
    sts.policy_line = 2;
    sts.policy = NULL;
    sd.sts_outcome = NULL;
    hosts[0].sts = hosts[1].sts = NULL;
    json_t *o = domain_with(&sd, &sts);
    json_t *m = json_object_get(o, "mta_sts");
    CHECK_MEMBER(m, "status", "\"bad-mode\"");
    CHECK_MEMBER(m, "line", "2");
    CHECK_MEMBER(m, "mode", "null");
    CHECK_MEMBER(m, "max_age", "null");
    CHECK_MEMBER(m, "mx", "null");
    CHECK_MEMBER(m, "outcome", "null");
    CHECK_MEMBER(json_array_get(json_object_get(m, "hosts"), 0), "check", "null");
    json_decref(o);

    /* The policy pointer of a status that is not ok is never read. */
    sts.policy = &pol;
    /* A fetch failure: the fetch's word as the status, http_status from the reply, no line. */
    sts.status = STS_FETCH;
    sts.fetch_status = "http-status";
    sts.http_code = 404;
    sts.error = "HTTP 404";
    o = domain_with(&sd, &sts);
    m = json_object_get(o, "mta_sts");
    CHECK_MEMBER(m, "status", "\"http-status\"");
    CHECK_MEMBER(m, "line", "null");
    CHECK_MEMBER(m, "mode", "null");
    CHECK_MEMBER(m, "fetch", "{\"ip\":\"127.0.0.80\",\"status\":\"http-status\",\"http_status\":404}");
    json_decref(o);
    /* No reply at all: http_status null. */
    sts.fetch_status = "timeout";
    sts.http_code = 0;
    sts.fetch_ip = NULL;
    o = domain_with(&sd, &sts);
    CHECK_MEMBER(json_object_get(o, "mta_sts"), "fetch", "{\"ip\":null,\"status\":\"timeout\",\"http_status\":null}");
    json_decref(o);

    /* No TXT: no id, no fetch made (fetch null), no policy; its own word for each TXT state. */
    static const struct { enum sender_sts_status st; const char *word; } txt[] = {
        {STS_NO_TXT, "\"no-txt\""}, {STS_TXT_MULTIPLE, "\"txt-multiple\""}, {STS_TXT_SYNTAX, "\"txt-syntax\""},
        {STS_TXT_NO_ID, "\"txt-no-id\""}, {STS_TXT_BAD_ID, "\"txt-bad-id\""}, {STS_DNS_ERROR, "\"dns-error\""},
        {STS_NO_POLICY_HOST, "\"no-policy-host\""}, {STS_BLOCKED, "\"blocked\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(txt); i++) {
        sts = (struct sender_sts){.asked = 1, .status = txt[i].st};
        o = domain_with(&sd, &sts);
        m = json_object_get(o, "mta_sts");
        CHECK_MEMBER(m, "status", txt[i].word);
        CHECK_MEMBER(m, "id", "null");
        CHECK_MEMBER(m, "fetch", "null");
        json_decref(o);
    }

    /* No TLSRPT word: tlsrpt null; a domain without a mail route: policy null. */
    sd.tlsrpt = NULL;
    sd.policy = SENDER_NONE;
    o = domain_with(&sd, &sts);
    CHECK_MEMBER(o, "tlsrpt", "null");
    CHECK_MEMBER(o, "policy", "null");
    CHECK(json_is_object(json_object_get(o, "dnssec")));
    json_decref(o);

    /* Lookups off: all four null (asked 0, or no structs: invalid and duplicate lines). */
    fill_domain(&sd, hosts, &sts, &pol);
    sd.asked = 0;
    sts.asked = 0;
    o = domain_with(&sd, &sts);
    for (const char *const *key = (const char *const[]){"dnssec", "mta_sts", "tlsrpt", "policy", NULL}; *key; key++)
        CHECK_MEMBER(o, *key, "null");
    json_decref(o);
    o = domain_with(NULL, NULL);
    for (const char *const *key = (const char *const[]){"dnssec", "mta_sts", "tlsrpt", "policy", NULL}; *key; key++)
        CHECK(json_is_null(json_object_get(o, *key)));
    json_decref(o);
}

/* The word tables (classify/sender_words.c): every enum value has its word. */
TEST(record_sender_words)
{
    CHECK(sender_policy_str(SENDER_NONE) == NULL);
    CHECK_STR(sender_policy_str(SENDER_DANE_REQUIRED), "dane-required");
    CHECK_STR(sender_policy_str(SENDER_MTA_STS_ENFORCE), "mta-sts-enforce");
    CHECK_STR(sender_policy_str(SENDER_MTA_STS_TESTING), "mta-sts-testing");
    CHECK_STR(sender_policy_str(SENDER_OPPORTUNISTIC), "opportunistic");
    CHECK(sender_host_policy_str(SENDER_NONE) == NULL);
    CHECK_STR(sender_host_policy_str(SENDER_DANE_REQUIRED), "dane");
    CHECK_STR(sender_host_policy_str(SENDER_OPPORTUNISTIC), "opportunistic");
    struct sender_sts s = {.status = STS_FETCH, .fetch_status = "redirect"};
    CHECK_STR(sender_sts_status_str(&s), "redirect");
    s.status = STS_POLICY;
    s.policy_error = MTASTS_POLICY_NO_MX;
    CHECK_STR(sender_sts_status_str(&s), "no-mx");
    s.status = STS_OK;
    CHECK_STR(sender_sts_status_str(&s), "ok");
    CHECK(resolve_dnssec_str(DNSSEC_UNKNOWN) == NULL);
    CHECK_STR(resolve_dnssec_str(DNSSEC_BOGUS), "bogus");
}

/* Every key path under the new members, as the records above write them, is a row of
 * docs/schema.md, and every row under them is written: the two agree before any world scan
 * (test_schema.py checks the scan's records against the same rows). */
static void only_under(json_t *set, const char *const *prefixes)
{
    json_t *keep = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v)
        for (const char *const *p = prefixes; *p; p++)
            if (strcmp(k, *p) == 0 || (str_starts_with(k, *p) && (k[strlen(*p)] == '.')))
                json_object_set(keep, k, v);
    json_object_clear(set);
    json_object_update(set, keep);
    json_decref(keep);
}

static void documented_under(const char *section, json_t *have, const char *const *prefixes)
{
    json_t *doc = tfs_schema_names(section), *docset = json_object(), *docs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(doc, i, v)
        json_object_set_new(docset, json_string_value(v), json_true());
    only_under(docset, prefixes);
    only_under(have, prefixes);
    const char *k;
    json_object_foreach(docset, k, v)
        json_array_append_new(docs, json_string(k));
    tfs_check_documented(have, docs, section);
    json_decref(doc);
    json_decref(docset);
    json_decref(docs);
}

TEST(record_sender_schema_documented)
{
    unsigned char ee[3 + 32] = {3, 1, 1};
    struct resolve_blob rr[] = {{ee, sizeof(ee)}};
    struct resolve_rrset tlsa = {.asked = 1, .qname = "_25._tcp.mx.example", .status = RESOLVE_OK,
                                 .dnssec = DNSSEC_SECURE, .rr = rr, .n = 1};
    struct sender_dane d = {.asked = 1, .addr_dnssec = DNSSEC_SECURE, .tlsa = &tlsa, .verdict = DANE_PASS,
                            .res = {.matched = 0, .matched_depth = 0}, .applies = 1};
    struct probe_result res;
    json_t *have = json_object(), *o = endpoint_with(&d, &res);
    tfs_key_paths(o, "", have, NULL);
    json_decref(o);
    documented_under("hosts.jsonl", have, (const char *const[]){"dane", NULL});
    json_decref(have);

    struct sender_domain sd;
    struct sender_host hosts[2];
    struct sender_sts sts;
    struct mtasts_policy pol;
    fill_domain(&sd, hosts, &sts, &pol);
    have = json_object();
    o = domain_with(&sd, &sts);
    tfs_key_paths(o, "", have, NULL);
    json_decref(o);
    documented_under("domains.jsonl", have,
                     (const char *const[]){"dnssec", "mta_sts", "tlsrpt", "policy", NULL});
    json_decref(have);
}

/* html: report.html from hand-written summary.json objects: headline attributes equal to the
 * summary's figures, hostile text escaped everywhere, nothing external, missing members
 * tolerated; html_write's errors; `mxsurvey report` writes the page; the section "Policies a
 * sender enforces" and its absence without `enforcement`. */
#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

#include "report/html.h"
#include "cmd/report.h"
#include "report/summary.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

static char *render(const char *summary_json)
{
    json_error_t je;
    json_t *s = json_loads(summary_json, 0, &je);
    CHECK(s != NULL);
    if (!s)
        fprintf(stderr, "  fixture: %s\n", je.text);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    html_render(f, s);
    fclose(f);
    json_decref(s);
    return buf;
}

/* A summary.json with hostile text wherever the data can carry text. */
static const char hostile_summary[] =
    "{\"meta\": {\"tool\": \"mxsurvey\", \"version\": \"0.1.0\","
    " \"started\": \"2026-01-02T03:04:05Z\", \"finished\": \"2026-01-02T03:04:15Z\","
    " \"input\": \"</title><script>alert(3)</script>\", \"input_sha256\": null,"
    " \"options\": {\"ehlo\": \"a&b <i>\", \"ipv6\": true, \"resolver\": [\"127.0.0.1\", \"::1\"],"
    "              \"<k>\": \"v\"},"
    " \"interrupted\": true, \"counts\": {\"lines\": 1234},"
    " \"generated\": \"2026-01-02T03:04:16Z\", \"generator_version\": \"0.1.0\"},"
    " \"domains\": {\"total\": 1234, \"by_pattern\": {\"mx-exact\": 1000, \"no-tls\": 200,"
    "   \"\\\"><img src=x onerror=alert(2)>\": 34}},"
    " \"endpoints\": {\"total\": 10, \"by_wildcard\": {\"<svg onload=alert(4)>\": 10},"
    "   \"by_trust\": {\"valid\": 9, \"invalid\": 1}, \"by_reason\": {\"expired\": 1},"
    "   \"by_tls_version\": {\"TLSv1.2\": 9, \"<u>TLSv9</u>\": 1}},"
    " \"shares\": {\"starttls\": {\"numerator\": 1000, \"denominator\": 1200,"
    "                              \"share\": 0.833333333333333},"
    "            \"strict\": {\"numerator\": 0, \"denominator\": 0, \"share\": null},"
    "            \"valid_chain\": {\"numerator\": 1000, \"denominator\": 1000, \"share\": 1.0}},"
    " \"providers\": [{\"provider\": \"<script>alert(1)</script>\", \"domains\": 1000,"
    "   \"endpoints\": 3, \"by_pattern\": {\"mx-exact\": 990, \"<b>x</b>\": 10}},"
    "   {\"provider\": \"ok.example\", \"domains\": 1, \"endpoints\": 1,"
    "    \"by_pattern\": {\"no-tls\": 1}}]}";

TEST(html_hostile_text_escaped)
{
    char *h = render(hostile_summary);
    if (!h)
        return;
    CHECK(strstr(h, "<script") == NULL);
    CHECK(strstr(h, "<img") == NULL && strstr(h, "<svg onload") == NULL);
    CHECK(strstr(h, "<b>x") == NULL && strstr(h, "<u>") == NULL && strstr(h, "<i>") == NULL);
    CHECK(strstr(h, "<k>") == NULL);
    /* Each piece is there, escaped: provider (chart, table), input (title, metadata),
     * option, pattern key, wildcard key, TLS version key, a provider's pattern key. */
    CHECK(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(h, "<title>mxsurvey report: &lt;/title&gt;&lt;script&gt;alert(3)") != NULL);
    CHECK(strstr(h, "<code>--ehlo a&amp;b &lt;i&gt;</code>") != NULL);
    CHECK(strstr(h, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;") != NULL);
    CHECK(strstr(h, "&lt;svg onload=alert(4)&gt;") != NULL);
    CHECK(strstr(h, "&lt;u&gt;TLSv9&lt;/u&gt;") != NULL);
    CHECK(strstr(h, "<code>&lt;b&gt;x&lt;/b&gt;</code> 10") != NULL);
    CHECK(strstr(h, "<code>--resolver 127.0.0.1</code>\n<code>--resolver ::1</code>") != NULL);
    CHECK(strstr(h, "<code>--ipv6</code>") != NULL);
    CHECK(strstr(h, "was interrupted") != NULL);
    free(h);
}

TEST(html_headline_attributes)
{
    char *h = render(hostile_summary);
    if (!h)
        return;
    CHECK(strstr(h, "data-metric=\"domains\" data-value=\"1234\"") != NULL);
    CHECK(strstr(h, "data-metric=\"endpoints\" data-value=\"10\"") != NULL);
    CHECK(strstr(h, "data-metric=\"starttls\" data-value=\"0.833333333333333\" "
                    "data-numerator=\"1000\" data-denominator=\"1200\"") != NULL);
    CHECK(strstr(h, "<div class=\"big\">83.3%</div>") != NULL);
    CHECK(strstr(h, "1,000 of 1,200 domains that accept mail") != NULL);
    /* A null share, and shares missing from summary.json altogether. */
    CHECK(strstr(h, "data-metric=\"strict\" data-value=\"null\" data-numerator=\"0\"") != NULL);
    CHECK(strstr(h, "data-metric=\"multilabel_accepted\" data-value=\"null\"") != NULL);
    CHECK(strstr(h, "data-metric=\"valid_chain\" data-value=\"1\" ") != NULL);
    CHECK(strstr(h, "<div class=\"big\">100.0%</div>") != NULL);
    /* The headline count with thousands grouped; pattern rows at 0 still listed. */
    CHECK(strstr(h, "<div class=\"big\">1,234</div>") != NULL);
    CHECK(strstr(h, "<code>mx-wildcard</code></td><td class=\"num\">0</td>") != NULL);
    /* Endpoints never contacted: shown at 0 too; the blocked pattern explained. */
    CHECK(strstr(h, "data-metric=\"blocked\" data-value=\"0\">0 of them never contacted") != NULL);
    CHECK(strstr(h, "<code>blocked</code></td><td class=\"num\">0</td>") != NULL);
    free(h);
    h = render("{\"endpoints\": {\"total\": 1500, \"by_status\": {\"ok\": 3, \"blocked\": 1497}},"
               " \"domains\": {\"total\": 2, \"by_pattern\": {\"blocked\": 1, \"mx-exact\": 1}}}");
    if (!h)
        return;
    CHECK(strstr(h, "data-metric=\"blocked\" data-value=\"1497\">1,497 of them never contacted") != NULL);
    CHECK(strstr(h, "<code>blocked</code></td><td class=\"num\">1</td>") != NULL);
    free(h);
}

TEST(html_self_contained)
{
    char *h = render(hostile_summary);
    if (!h)
        return;
    CHECK(strstr(h, "http://") == NULL && strstr(h, "https://") == NULL);
    static const char *const external[] = {"<img", "<link", "<iframe", "<object", "<embed",
                                           "<audio", "<video", "@import", "url("};
    for (size_t i = 0; i < ARRAY_LEN(external); i++)
        CHECK(strstr(h, external[i]) == NULL);
    CHECK(strncmp(h, "<!DOCTYPE html>\n", 16) == 0);
    CHECK(strstr(h, "<meta charset=\"utf-8\">") != NULL);
    CHECK(strstr(h, "</html>\n") != NULL);
    free(h);

    /* An empty object: every section still renders, nothing crashes. */
    h = render("{}");
    if (h) {
        CHECK(strstr(h, "data-metric=\"domains\" data-value=\"0\"") != NULL);
        CHECK(strstr(h, "No domain has an MX host") != NULL);
        CHECK(strstr(h, "</html>") != NULL);
    }
    free(h);
}

TEST(html_write_files)
{
    char err[512] = "";
    char *dir = tfs_mkdtemp("mxs-html");
    if (!dir)
        return;
    CHECK_INT(html_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK(strstr(err, "summary.json") != NULL);
    tfs_write(dir, "summary.json", "[1, 2]");
    CHECK_INT(html_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK(strstr(err, "not a JSON object") != NULL);
    tfs_write(dir, "summary.json", "{\"domains\": {\"total\": 7}");
    CHECK_INT(html_write(dir, err, sizeof(err)), SUMMARY_INPUT_ERROR);
    tfs_write(dir, "summary.json", hostile_summary);
    CHECK_INT(html_write(dir, err, sizeof(err)), SUMMARY_OK);
    char *h = tfs_read(dir, "report.html");
    CHECK(h && strstr(h, "data-value=\"1234\"") && !strstr(h, "<script"));
    free(h);
    struct stat st;
    char path[512];
    snprintf(path, sizeof(path), "%s/report.html", dir);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_INT(html_write("/nonexistent/mxs-dir", err, sizeof(err)), SUMMARY_INPUT_ERROR);
    CHECK_INT(tfs_rmtree(dir), 2); /* summary.json, report.html: no temporary file left */
    free(dir);
}

/* cmd_report with the arguments up to the first NULL. */
#define run_report(...) tfs_run(cmd_report, "report", __VA_ARGS__, (const char *)NULL)

TEST(html_report_command_writes_page)
{
    char *dir = tfs_mkdtemp("mxs-html");
    if (!dir)
        return;
    tfs_write(dir, "hosts.jsonl", "");
    tfs_write(dir, "domains.jsonl",
              "{\"line\":1,\"domain\":\"a.example\",\"status\":\"ok\",\"pattern\":\"mx-exact\","
              "\"provider\":\"<script>alert(1)</script>\",\"primary\":null}\n");
    CHECK_INT(run_report("-q", dir), 0);
    char *h = tfs_read(dir, "report.html");
    CHECK(h != NULL);
    if (h) {
        CHECK(strstr(h, "data-metric=\"domains\" data-value=\"1\"") != NULL);
        CHECK(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
        CHECK(strstr(h, "<script") == NULL);
    }
    free(h);
    CHECK_INT(tfs_rmtree(dir), 9); /* the two JSONL, summary.json, report.html, five CSVs */
    free(dir);
}

/* A share below 0.05% is shown "<0.1%": escaped on the card and in the tables. */
TEST(html_tiny_share_escaped)
{
    char *h = render("{\"domains\": {\"total\": 10000, \"by_pattern\": {\"mx-exact\": 1,"
                     " \"unrelated\": 9999}},"
                     " \"shares\": {\"strict\": {\"numerator\": 1, \"denominator\": 10000,"
                     " \"share\": 0.0001}}}");
    if (!h)
        return;
    CHECK(strstr(h, "<0.1%") == NULL);
    CHECK(strstr(h, "<div class=\"big\">&lt;0.1%</div>") != NULL);
    CHECK(strstr(h, "<td class=\"num\">&lt;0.1%</td>") != NULL);
    free(h);
}

/* A summary made without run.json (meta all null) says nothing of a run.json: no warning that
 * the run "had not finished when its run.json was last written". One with run.json does. */
TEST(html_no_run_json_no_unfinished_warning)
{
    char *h = render("{\"meta\": {\"tool\": null, \"started\": null, \"finished\": null,"
                     " \"interrupted\": null, \"generated\": \"2026-01-02T03:04:16Z\"}}");
    if (h)
        CHECK(strstr(h, "had not finished") == NULL);
    free(h);
    h = render("{\"meta\": {\"tool\": \"mxsurvey\", \"started\": \"2026-01-02T03:04:05Z\","
               " \"finished\": null, \"interrupted\": false}}");
    if (h)
        CHECK(strstr(h, "had not finished") != NULL);
    free(h);
}

/* The names of tests/unit/data/hostile-names.pem as they reach summary.json (JSON strings in
 * the text notation), as provider names and map keys: HTML has no escape for a control
 * character (a raw C0 or C1 is a parse error, and XML forbids a reference to one), so each
 * shows as U+FFFD; no raw C0 but the whitespace TAB, LF and CR, no DEL, no C1 reaches the
 * page. */
TEST(html_hostile_certificate_names)
{
    char *h = render("{\"providers\": ["
                     "{\"provider\": \"esc\\u001b[31m.example\", \"domains\": 3, \"endpoints\": 1,"
                     " \"by_pattern\": {\"csi\\u009b.example\": 3}},"
                     "{\"provider\": \"nul\\\\x00.example\", \"domains\": 2, \"endpoints\": 1,"
                     " \"by_pattern\": {\"x\\\\x5cx41 b\\u007f\": 2}},"
                     "{\"provider\": \"bad\\\\xff\\\\xc0\\\\xaf.example\", \"domains\": 1,"
                     " \"endpoints\": 1, \"by_pattern\": {\"tab\\there\": 1}}],"
                     " \"endpoints\": {\"total\": 3, \"by_wildcard\": {\"a\\u0085b\": 3}}}");
    if (!h)
        return;
    for (const unsigned char *p = (const unsigned char *)h; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f ||
            (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            fprintf(stderr, "  %s:%d: octet 0x%02x at %ld: %.40s\n", __FILE__, __LINE__, *p,
                    (long)((const char *)p - h), (const char *)p);
            test_failed_checks++;
            break;
        }
    }
    CHECK(strstr(h, "esc&#xfffd;[31m.example") != NULL);
    CHECK(strstr(h, "csi&#xfffd;.example") != NULL);
    CHECK(strstr(h, "nul\\x00.example") != NULL); /* the notation is plain text to HTML */
    CHECK(strstr(h, "x\\x5cx41 b&#xfffd;") != NULL);
    CHECK(strstr(h, "bad\\xff\\xc0\\xaf.example") != NULL);
    CHECK(strstr(h, "a&#xfffd;b") != NULL);
    free(h);
}

/* A run whose DNS failed too often (run.json dns_errors.exceeded, copied into meta) carries a
 * visible warning with the run's own message, escaped; one within the limit carries none. */
TEST(html_dns_warning)
{
    char *h = render("{\"meta\": {\"tool\": \"mxsurvey\", \"started\": \"2026-01-02T03:04:05Z\","
                     " \"finished\": \"2026-01-02T03:04:15Z\", \"interrupted\": false,"
                     " \"counts\": {\"dns_failed\": 7},"
                     " \"dns_errors\": {\"exceeded\": true, \"no_answer\": false,"
                     " \"failed_share\": 0.7, \"limit\": 0.2,"
                     " \"message\": \"70.0% of DNS queries <failed>\"}}}");
    if (h) {
        CHECK(strstr(h, "<p class=\"warn\" data-warning=\"dns\">DNS failed too often in this run: "
                        "70.0% of DNS queries &lt;failed&gt;.") != NULL);
        CHECK(strstr(h, "7 DNS queries failed") != NULL);
    }
    free(h);
    h = render("{\"meta\": {\"tool\": \"mxsurvey\", \"started\": \"2026-01-02T03:04:05Z\","
               " \"finished\": \"2026-01-02T03:04:15Z\", \"interrupted\": false,"
               " \"dns_errors\": {\"exceeded\": false, \"failed_share\": 0.01, \"limit\": 0.2,"
               " \"message\": null}}}");
    if (h)
        CHECK(strstr(h, "data-warning=\"dns\"") == NULL && strstr(h, "DNS failed") == NULL);
    free(h);
}

/* ------------------------------------------------------------------ Policies a sender enforces */

/* enforcement with hostile keys (a pattern, an outcome, statuses: map keys are data). */
static const char enforce_summary[] =
    "{\"meta\": {\"tool\": \"mxsurvey\"},"
    " \"enforcement\": {\"domains\": 7,"
    "  \"dnssec_mx\": {\"secure\": 3, \"insecure\": 1, \"bogus\": 1, \"unknown\": 2},"
    "  \"dane\": {\"domains_with_tlsa\": 2, \"domains_dane_required\": 2, \"domains_dane_delivers\": 1,"
    "           \"endpoints\": {\"pass\": 1, \"fail\": 1, \"unusable\": 1, \"none\": 4}},"
    "  \"mta_sts\": {\"present\": 4, \"status\": {\"ok\": 4, \"<script>alert(1)</script>\": 1},"
    "              \"mode\": {\"enforce\": 2, \"testing\": 1, \"none\": 1}, \"fetch_failures\": 1,"
    "              \"mx_not_covered\": 1, \"would_fail\": 2,"
    "              \"outcome\": {\"pass\": 1, \"not-covered\": 2}},"
    "  \"tlsrpt\": {\"present\": 3, \"status\": {\"ok\": 3, \"<b>bad</b>\": 1}},"
    "  \"policy\": {\"dane-required\": {\"domains\": 2, \"delivers\": 1},"
    "             \"opportunistic\": {\"domains\": 3, \"delivers\": 2}},"
    "  \"pattern_x_mta_sts\": {\"mx-multilabel\": {\"not-covered\": 2},"
    "                        \"\\\"><img src=x onerror=alert(2)>\": {\"<i>pass</i>\": 1}},"
    "  \"shares\": {\"dnssec_mx\": {\"numerator\": 3, \"denominator\": 7, \"share\": 0.428571428571429},"
    "             \"mta_sts_would_fail\": {\"numerator\": 2, \"denominator\": 3, \"share\": 0.666666666666667},"
    "             \"mta_sts_fetch_failures\": {\"numerator\": 0, \"denominator\": 0, \"share\": null}}}}";

TEST(html_enforcement_section)
{
    char *h = render(enforce_summary);
    if (!h)
        return;
    CHECK(strstr(h, "<h2 id=\"enforcement\">Policies a sender enforces</h2>") != NULL);
    /* Shares: as summary.json holds them, with their denominators. */
    CHECK(strstr(h, "<tr data-share=\"dnssec_mx\" data-numerator=\"3\" data-denominator=\"7\" "
                    "data-value=\"0.428571428571429\">") != NULL);
    CHECK(strstr(h, "<tr data-share=\"mta_sts_would_fail\" data-numerator=\"2\" data-denominator=\"3\" "
                    "data-value=\"0.666666666666667\">") != NULL);
    CHECK(strstr(h, "<tr data-share=\"mta_sts_fetch_failures\" data-numerator=\"0\" data-denominator=\"0\" "
                    "data-value=\"null\">") != NULL);
    CHECK(strstr(h, ">42.9%<") != NULL);
    /* The policies, and the cross-tab with every outcome column for every pattern row. */
    CHECK(strstr(h, "<tr data-policy-name=\"dane-required\" data-domains=\"2\" data-delivers=\"1\">") != NULL);
    CHECK(strstr(h, "<tr data-policy-name=\"opportunistic\" data-domains=\"3\" data-delivers=\"2\">") != NULL);
    CHECK(strstr(h, "data-pattern=\"mx-multilabel\" data-outcome=\"not-covered\" data-value=\"2\"") != NULL);
    CHECK(strstr(h, "data-pattern=\"mx-multilabel\" data-outcome=\"&lt;i&gt;pass&lt;/i&gt;\" data-value=\"0\"") != NULL);
    /* Hostile keys (a pattern, an outcome, statuses): escaped in text and attributes. */
    CHECK(strstr(h, "<script") == NULL);
    CHECK(strstr(h, "<img") == NULL);
    CHECK(strstr(h, "<b>bad") == NULL && strstr(h, "<i>pass") == NULL);
    CHECK(strstr(h, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code> 1") != NULL);
    CHECK(strstr(h, "<code>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</code>") != NULL);
    CHECK(strstr(h, "data-pattern=\"&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\"") != NULL);
    CHECK(strstr(h, "<code>&lt;b&gt;bad&lt;/b&gt;</code> 1") != NULL);
    free(h);
}

TEST(html_enforcement_absent)
{
    char *h = render("{\"meta\": {}, \"enforcement\": null}");
    CHECK(h && strstr(h, "id=\"enforcement\"") == NULL);
    CHECK(h && strstr(h, "</html>") != NULL);
    free(h);
    h = render("{\"meta\": {}}");
    CHECK(h && strstr(h, "id=\"enforcement\"") == NULL);
    free(h);
}

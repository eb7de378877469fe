/* report.html's "Policies a sender enforces" (html_enforce.c) from hand-written summary.json
 * objects: the figures' attributes equal to the summary's, hostile keys escaped, and no
 * section when `enforcement` is null or absent. */
#include <stdlib.h>

#include <jansson.h>

#include "report/html.h"
#include "test.h"
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

static const char summary[] =
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
    char *h = render(summary);
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

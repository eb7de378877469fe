/* trend: `mxsurvey trend` over hand-written scan folders: rows in start order whatever the
 * order given, shares and pattern counts in fixed columns, CSV quoting, a summary.json made
 * when missing, exit codes; and docs/schema.md listing trend.csv's columns. */
#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"
#include "testfs.h"
#include "cmd/trendcmd.h"
#include "core/util.h"

static const char header[] =
    "started,dir,domains,starttls,strict,multilabel_accepted,rfc9525,valid_chain,"
    "pattern_mx_exact,pattern_mx_wildcard,pattern_mx_multilabel,pattern_domain,"
    "pattern_provider,pattern_ptr,pattern_unrelated,pattern_no_tls,pattern_unreachable,"
    "pattern_no_mail,pattern_blocked\r\n";

/* cmd_trend with the first argc of args. */
#define run_trend(argc, args) tfs_runv(cmd_trend, "trend", argc, args)

TEST(trend_command)
{
    char *base = tfs_mkdtemp("mxs-trend");
    if (!base)
        return;
    char late[600], early[600], nosum[600], out[600];
    snprintf(late, sizeof(late), "%s/late", base);
    snprintf(early, sizeof(early), "%s/early, \"quoted\"", base);
    snprintf(nosum, sizeof(nosum), "%s/nosummary", base);
    snprintf(out, sizeof(out), "%s/out", base);
    mkdir(late, 0755);
    mkdir(early, 0755);
    mkdir(nosum, 0755);
    tfs_write(late, "summary.json",
              "{\"meta\": {\"started\": \"2026-03-01T00:00:00Z\"},"
              " \"domains\": {\"total\": 10, \"by_pattern\": {\"mx-exact\": 6, \"no-mail\": 4}},"
              " \"shares\": {\"starttls\": {\"share\": 1.0}, \"strict\": {\"share\": 0.5},"
              "  \"multilabel_accepted\": {\"share\": 0.6}, \"rfc9525\": {\"share\": 0.4},"
              "  \"valid_chain\": {\"share\": 0.333333333333333}}}\n");
    tfs_write(early, "summary.json",
              "{\"meta\": {\"started\": \"2026-01-01T00:00:00Z\"},"
              " \"domains\": {\"total\": 2, \"by_pattern\": {\"unreachable\": 2}},"
              " \"shares\": {\"starttls\": {\"share\": 0.0}, \"strict\": {\"share\": null}}}\n");
    /* No summary.json: made from the JSONL files (one domain; no run.json, so no start). */
    tfs_write(nosum, "hosts.jsonl", "");
    tfs_write(nosum, "domains.jsonl",
              "{\"line\":1,\"domain\":\"a.example\",\"status\":\"nxdomain\",\"pattern\":\"no-mail\"}\n");

    const char *args[] = {"--out", out, "-q", late, nosum, early};
    CHECK_INT(run_trend(6, args), 0);
    char *csv = tfs_read(out, "trend.csv");
    CHECK(csv != NULL);
    if (csv) {
        char expect[4096];
        snprintf(expect, sizeof(expect),
                 "%s"
                 "2026-01-01T00:00:00Z,\"%s/early, \"\"quoted\"\"\",2,0,,,,,0,0,0,0,0,0,0,0,2,0,0\r\n"
                 "2026-03-01T00:00:00Z,%s/late,10,1,0.5,0.6,0.4,0.333333333333333,6,0,0,0,0,0,0,0,0,4,0\r\n"
                 ",%s/nosummary,1,,,,,,0,0,0,0,0,0,0,0,0,1,0\r\n",
                 header, base, base, base);
        CHECK_STR(csv, expect);
    }
    free(csv);
    char *made = tfs_read(nosum, "summary.json");
    CHECK(made != NULL);
    free(made);
    char *svg = tfs_read(out, "trend.svg");
    static const char lead[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=";
    CHECK(svg && strncmp(svg, lead, sizeof(lead) - 1) == 0);
    CHECK(svg && strstr(svg, ">2026-01-01 00:00<") && strstr(svg, ">nosummary<"));
    free(svg);

    /* Errors: no folder, a missing folder, a file, an unreadable summary.json. */
    CHECK_INT(run_trend(0, args), 2);
    const char *a2[] = {"-q", "--out", out};
    CHECK_INT(run_trend(3, a2), 2);
    const char *a3[] = {"-q", "--out", out, late, "/nonexistent/mxs-scan"};
    CHECK_INT(run_trend(5, a3), 2);
    char file[700];
    snprintf(file, sizeof(file), "%s/trend.csv", out);
    const char *a4[] = {"-q", "--out", out, file};
    CHECK_INT(run_trend(4, a4), 2);
    tfs_write(late, "summary.json", "{not json");
    const char *a5[] = {"-q", "--out", out, late};
    CHECK_INT(run_trend(4, a5), 2);
    const char *a6[] = {"--bogus"};
    CHECK_INT(run_trend(1, a6), 2);
    /* --out that cannot be made (under a file: root could make /nonexistent/...): exit 1;
     * one under missing parents is made with them. */
    char under_file[800], deep[700];
    snprintf(under_file, sizeof(under_file), "%s/mxs-out", file);
    const char *a7[] = {"-q", "--out", under_file, early};
    CHECK_INT(run_trend(4, a7), 1);
    snprintf(deep, sizeof(deep), "%s/made/with/parents", base);
    const char *a8[] = {"-q", "--out", deep, early};
    CHECK_INT(run_trend(4, a8), 0);
    CHECK(tfs_exists(deep, "trend.csv") && tfs_exists(deep, "trend.svg"));

    tfs_rmtree(base);
    free(base);
}

/* A folder whose scan has not finished (run.json "finished": null: still running, or killed)
 * is skipped with a warning; the others make the trend. Only unfinished ones: exit 2. */
TEST(trend_skips_unfinished)
{
    char *base = tfs_mkdtemp("mxs-trend-unfinished");
    if (!base)
        return;
    char done[600], running[600], out[600];
    snprintf(done, sizeof(done), "%s/done", base);
    snprintf(running, sizeof(running), "%s/running", base);
    snprintf(out, sizeof(out), "%s/out", base);
    mkdir(done, 0755);
    mkdir(running, 0755);
    tfs_write(done, "run.json", "{\"started\": \"2026-01-01T00:00:00Z\", \"finished\": \"2026-01-01T00:10:00Z\"}\n");
    tfs_write(done, "hosts.jsonl", "");
    tfs_write(done, "domains.jsonl", "{\"domain\":\"a.example\",\"pattern\":\"no-mail\"}\n");
    tfs_write(running, "run.json", "{\"started\": \"2026-01-02T00:00:00Z\", \"finished\": null}\n");
    tfs_write(running, "hosts.jsonl", "");
    tfs_write(running, "domains.jsonl", "");
    const char *args[] = {"-q", "--out", out, running, done};
    CHECK_INT(run_trend(5, args), 0);
    char *csv = tfs_read(out, "trend.csv");
    CHECK(csv && strstr(csv, "/done,") && !strstr(csv, "/running"));
    free(csv);
    CHECK(!tfs_exists(running, "summary.json")); /* nothing made from a partial folder */
    const char *only[] = {"-q", "--out", out, running};
    CHECK_INT(run_trend(4, only), 2);
    tfs_rmtree(base);
    free(base);
}

/* The backticked names in the first column of docs/schema.md's "## trend.csv" tables, in
 * order, joined by commas. */
TEST(trend_columns_documented)
{
    char *doc = tfs_schema_columns("trend.csv"), cols[2048];
    snprintf(cols, sizeof(cols), "%s\r\n", doc);
    free(doc);
    CHECK_STR(cols, header);
}

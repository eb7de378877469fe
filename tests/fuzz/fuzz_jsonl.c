/* libFuzzer harness for the readers of the JSONL records (hosts.jsonl, domains.jsonl, as
 * `report`, `diff` and `trend` read them, hand-edited or damaged): the input's lines up to a
 * line "@@" become hosts.jsonl, the rest domains.jsonl, of a finished scan folder in a
 * temporary directory. Then summary_write (summary.c's reader), csv_write_all (out_csv.c's
 * reader and the CSV writer), html_write, diff_dirs of the folder against itself (diff.c's
 * reader), and `trend --quiet` over it twice (trend.c's reader of summary.json and run.json). Each either succeeds or fails with a message; never a crash, a leak or a
 * sanitizer report. A folder compared with itself never shows a domain appeared, vanished or
 * changed, and diff's text summary holds no raw control character. Note: these are the
 * readers as they stand on the `fuzzing` branch; a unified reader (src/core/jsonl.c) is being
 * written at the same time, and this harness feeds it unchanged once it lands, since it
 * drives the commands' entry points, not the readers' internals. Seeds:
 * tests/fuzz/corpus/jsonl/ (real hosts.jsonl and domains.jsonl lines of a world scan, with
 * torn lines, wrong types, huge numbers). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <sys/stat.h>
#include <unistd.h>

#include "report/diff.h"
#include "report/diff_out.h"
#include "report/html.h"
#include "report/out_csv.h"
#include "report/summary.h"
#include "core/text.h"
#include "cmd/trendcmd.h"

static const char *folder(void)
{
    static char dir[256]; /* one folder per process, reused by every input */
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof(dir), "%s/mxs-fuzz-jsonl-XXXXXX", base);
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    if (len)
        REQUIRE(fwrite(data, 1, len, f) == len);
    REQUIRE(fclose(f) == 0);
}

static void rm(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const char *dir = folder();
    static const char *const made[] = {"summary.json", "hosts.csv", "domains.csv", "summary.csv",
                                       "providers.csv", "report.html", "diff.json", "diff.csv"};
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
        rm(dir, made[i]);
    const uint8_t *sep = memmem(data, size, "\n@@\n", 4);
    size_t hlen = sep ? (size_t)(sep - data) + 1 : size;
    put(dir, "hosts.jsonl", data, hlen);
    put(dir, "domains.jsonl", sep ? sep + 4 : data, sep ? size - hlen - 3 : 0);
    static const char run[] = "{\"tool\":\"mxsurvey\",\"version\":\"fuzz\",\"started\":"
                              "\"2026-12-05T00:00:00Z\",\"finished\":\"2026-12-05T00:01:00Z\"}\n";
    put(dir, "run.json", run, sizeof(run) - 1);

    char err[1024] = "";
    int rc = summary_write(dir, err, sizeof(err));
    REQUIRE(rc == SUMMARY_OK || (rc == SUMMARY_INPUT_ERROR && *err));
    if (rc == SUMMARY_OK) {
        err[0] = '\0';
        rc = csv_write_all(dir, err, sizeof(err));
        REQUIRE(rc == 0 || *err);
        err[0] = '\0';
        rc = html_write(dir, err, sizeof(err));
        REQUIRE(rc == SUMMARY_OK || *err);
    }
    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    struct diff_opts o = {.old_dir = dir, .new_dir = dir, .text = m};
    struct diff_counts c;
    err[0] = '\0';
    rc = diff_dirs(&o, &c, err, sizeof(err));
    fclose(m);
    REQUIRE(rc == DIFF_SAME || rc == DIFF_CHANGED || rc == DIFF_ERROR);
    if (rc == DIFF_ERROR) {
        REQUIRE(*err);
    } else {
        REQUIRE(c.appeared == 0 && c.vanished == 0 && c.changed == 0);
        for (size_t i = 0; i < tlen;) {
            uint32_t cp;
            size_t l = text_utf8_char((const unsigned char *)text + i, tlen - i, &cp);
            REQUIRE(l > 0 && (!text_is_control(cp) || cp == '\n'));
            i += l;
        }
    }
    free(text);

    /* trend over the folder twice: exit 0, or 1/2 with a message; never a crash */
    char out[300];
    snprintf(out, sizeof(out), "%s/trend", dir);
    mkdir(out, 0755);
    char *argv[] = {"trend", "--quiet", "--out", out, (char *)dir, (char *)dir, NULL};
    int trc = cmd_trend(6, argv);
    REQUIRE(trc == 0 || trc == 1 || trc == 2);
    return 0;
}

/* Tests of cmd/report.c's report_files: the files scan, merge and report list at the end. */
#include "test.h"
#include "cmd/report.h"
#include "core/util.h"

#include <stddef.h>

/* The list, its order and its end: what the commands printed before they shared it. */
TEST(report_files_lists)
{
    static const char *const full[] = {
        "hosts.jsonl", "domains.jsonl", "run.json", "summary.json", "hosts.csv", "domains.csv",
        "summary.csv", "providers.csv", "endpoints_by_domain.csv", "report.html", "pending.txt"};
    const char *files[REPORT_FILES_MAX];
    for (size_t i = 0; i < REPORT_FILES_MAX; i++)
        files[i] = "unset";
    report_files(files, 1, "pending.txt"); /* the longest: scan, not complete */
    size_t n = 0;
    while (n < REPORT_FILES_MAX && files[n])
        n++;
    CHECK(n < REPORT_FILES_MAX); /* NULL-terminated within the array */
    CHECK_INT(n, ARRAY_LEN(full));
    for (size_t i = 0; i < n && i < ARRAY_LEN(full); i++)
        CHECK_STR(files[i], full[i]);

    report_files(files, 1, NULL); /* scan complete, merge */
    CHECK_STR(files[9], "report.html");
    CHECK(files[10] == NULL);

    report_files(files, 0, NULL); /* report: the records are not its */
    CHECK_STR(files[0], "summary.json");
    CHECK_STR(files[5], "endpoints_by_domain.csv");
    CHECK_STR(files[6], "report.html");
    CHECK(files[7] == NULL);
}

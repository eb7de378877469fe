/* report: `mxsurvey report DIR`: (re)generates DIR/summary.json from the folder's
 * hosts.jsonl, domains.jsonl and run.json through the aggregator the scan feeds as it goes
 * (summary.h), then the CSVs (the rows the scan's output csv writes) and report.html, and
 * prints the headline figures and the files written (report_print and report_files, which
 * scan and merge print too). The figures are defined in docs/schema.md ("summary.json"). A
 * folder whose scan has not finished is refused (rundir.h). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "report/html.h"
#include "report/lines_text.h"
#include "core/jsonl.h"
#include "report/csv_tidy.h"
#include "report/out_csv.h"
#include "core/rundir.h"
#include "report/summary.h"
#include "core/util.h"

/* The headline shares of summary.json, in the order they are printed. */
static const struct {
    const char *key, *label, *of;
} headline[] = {
    {"strict", "strict names", "of domains with STARTTLS"},
    {"multilabel_accepted", "multi-label accepted", "of domains with STARTTLS"},
    {"rfc9525", "RFC 9525 (SAN only)", "of domains with STARTTLS"},
    {"valid_chain", "valid chain", "of domains with STARTTLS"},
    {"starttls", "STARTTLS", "of domains that accept mail"},
};

static long long int_member(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int report_print(FILE *f, const char *prog, const char *dir, const char *const *files,
                 long chains)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *s = json_load_file(path, 0, NULL);
    if (!json_is_object(s)) {
        json_decref(s);
        return -1;
    }
    fprintf(f, "%s: %lld domains, %lld endpoints\n", prog,
            int_member(json_object_get(s, "domains"), "total"),
            int_member(json_object_get(s, "endpoints"), "total"));
    const json_t *shares = json_object_get(s, "shares");
    for (size_t i = 0; i < ARRAY_LEN(headline); i++) {
        const json_t *sh = json_object_get(shares, headline[i].key);
        const json_t *v = json_object_get(sh, "share");
        char pct[16] = "   n/a";
        if (json_is_number(v))
            snprintf(pct, sizeof(pct), "%5.1f%%", 100.0 * json_number_value(v));
        char frac[48];
        snprintf(frac, sizeof(frac), "%lld/%lld", int_member(sh, "numerator"),
                 int_member(sh, "denominator"));
        fprintf(f, "  %-21s %s  %9s  %s\n", headline[i].label, pct, frac, headline[i].of);
    }
    lines_text_print(f, s); /* where every record went, by status */
    json_decref(s);
    fprintf(f, "files in %s:\n", dir);
    for (; files && *files; files++)
        fprintf(f, "  %s/%s\n", dir, *files);
    if (chains >= 0)
        fprintf(f, "  %s/chains/ (%ld file%s)\n", dir, chains, chains == 1 ? "" : "s");
    return 0;
}

void report_files(const char **files, int records, const char *extra)
{
    size_t n = 0;
    if (records) {
        files[n++] = "hosts.jsonl";
        files[n++] = "domains.jsonl";
        files[n++] = "run.json";
    }
    files[n++] = "summary.json";
    for (int t = 0; t < CSV_NTABLES; t++)
        files[n++] = csv_table_file((enum csv_table)t);
    files[n++] = CSV_TIDY_FILE;
    files[n++] = "report.html";
    if (extra)
        files[n++] = extra;
    files[n] = NULL;
}

enum { OPT_HELP, OPT_QUIET, OPT_LENIENT };

static const struct cli_opt report_opts[] = {
    {.name = "quiet", .short_name = 'q', .help = "print nothing but errors", .id = OPT_QUIET},
    {.name = "lenient", .help = "skip a damaged JSONL line with a warning instead of failing (summary.json counts them in meta.skipped_lines)", .id = OPT_LENIENT},
    CLI_OPT_HELP(OPT_HELP),
};

static void report_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey report [OPTIONS] DIR\n\n"
               "Reads the scan folder DIR (hosts.jsonl, domains.jsonl and, when present,\n"
               "run.json) line by line and writes DIR/summary.json: counts by status, pattern,\n"
               "wildcard kind, trust, TLS version and key; the shares of domains whose primary\n"
               "certificate passes each naming policy; the %d largest providers. Fields are\n"
               "defined in docs/schema.md. Regenerating gives the same file but for\n"
               "meta.generated. Then writes the CSV files and DIR/report.html, the same\n"
               "figures as one self-contained web page, and prints the headline shares and\n"
               "the files written on standard output. A folder whose scan has not finished\n"
               "(run.json says \"finished\": null: still running, or killed) is refused.\n\n",
            SUMMARY_TOP_PROVIDERS);
    cli_print_options(f, report_opts, (int)ARRAY_LEN(report_opts));
    fprintf(f, "\nA damaged line of hosts.jsonl or domains.jsonl (not one JSON object: cut,\n"
               "malformed, invalid UTF-8, a NUL, longer than %u MiB) is an error naming\n"
               "file:line; with --lenient it is skipped with a warning.\n"
               "\nExit codes: 0 the files written, 1 one could not be written, 2 usage error, a\n"
               "missing or unreadable folder or file, a damaged line (file:line said), or an\n"
               "unfinished scan.\n", JSONL_LINE_MAX >> 20);
}

struct report_args {
    int quiet, lenient;
};

static int report_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    struct report_args *a = ctx;
    if (opt->id == OPT_QUIET)
        a->quiet = 1;
    else if (opt->id == OPT_LENIENT)
        a->lenient = 1;
    return -1;
}

static const struct cli_command report_cmd = {
    .prog = "mxsurvey report", CLI_OPTS(report_opts), .on_option = report_option,
    .help_id = OPT_HELP, .usage = report_usage,
    .min_operands = 1, .max_operands = 1, .operands = "exactly one DIR, a scan folder",
};

int cmd_report(int argc, char **argv)
{
    struct report_args a = {0};
    int idx;
    int rc = cli_parse(&report_cmd, argc, argv, &a, &idx);
    if (rc >= 0)
        return rc;
    const char *dir = argv[idx];
    char err[4400] = "";
    if (rundir_state(dir, err, sizeof(err)) >= RUNDIR_UNFINISHED) {
        fprintf(stderr, "mxsurvey report: %s; not making reports of it\n", err);
        return CLI_EXIT_USAGE;
    }
    /* The summary by the aggregator the scan feeds as it goes (summary.h), fed here from the
     * files; summary.csv and providers.csv from it, as at the end of a scan. */
    struct jsonl_opts jo = {.lenient = a.lenient, .prog = "mxsurvey report"};
    json_t *sum = NULL;
    int st = summary_build_opts(dir, &jo, &sum, err, sizeof(err));
    if (st == SUMMARY_OK)
        st = summary_save(dir, sum, err, sizeof(err));
    if (st == SUMMARY_OK) { /* the same lines again: their warnings once is enough */
        struct jsonl_opts again = {.lenient = a.lenient, .silent = 1};
        st = csv_write_records_opts(dir, &again, err, sizeof(err));
    }
    if (st == SUMMARY_OK)
        st = csv_write_summary(dir, sum, err, sizeof(err));
    json_decref(sum);
    if (st == SUMMARY_OK)
        st = html_write(dir, err, sizeof(err));
    if (st != SUMMARY_OK) {
        fprintf(stderr, "mxsurvey report: %s\n", err);
        return st == SUMMARY_INPUT_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    if (!a.quiet) {
        const char *files[REPORT_FILES_MAX];
        report_files(files, 0, NULL);
        report_print(stdout, "mxsurvey report", dir, files, -1);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "mxsurvey report: writing to standard output failed\n");
            return CLI_EXIT_FAIL;
        }
    }
    return CLI_EXIT_OK;
}

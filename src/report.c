/* report: `mxsurvey report DIR`: (re)generates DIR/summary.json from the folder's
 * hosts.jsonl, domains.jsonl and run.json through summary_write(), the same code the scan
 * runs at its end. The figures are defined in docs/schema.md ("summary.json"). A folder whose
 * scan has not finished is refused (rundir.h). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "html.h"
#include "out_csv.h"
#include "rundir.h"
#include "summary.h"
#include "util.h"

enum { OPT_HELP, OPT_QUIET };

static const struct cli_opt report_opts[] = {
    {.name = "quiet", .short_name = 'q', .help = "print nothing on success", .id = OPT_QUIET},
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
               "meta.generated. Then writes DIR/report.html, the same figures as one\n"
               "self-contained web page. A folder whose scan has not finished (run.json says\n"
               "\"finished\": null: still running, or killed) is refused.\n\n",
            SUMMARY_TOP_PROVIDERS);
    cli_print_options(f, report_opts, (int)ARRAY_LEN(report_opts));
    fprintf(f, "\nExit codes: 0 summary.json written, 1 it could not be written, 2 usage error,\n"
               "a missing or unreadable folder or file, a malformed line (file:line said), or an\n"
               "unfinished scan.\n");
}

static int report_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    int *quiet = ctx;
    if (opt->id == OPT_QUIET)
        *quiet = 1;
    return -1;
}

static const struct cli_command report_cmd = {
    .prog = "mxsurvey report", CLI_OPTS(report_opts), .on_option = report_option,
    .help_id = OPT_HELP, .usage = report_usage,
    .min_operands = 1, .max_operands = 1, .operands = "exactly one DIR, a scan folder",
};

int cmd_report(int argc, char **argv)
{
    int quiet = 0, idx;
    int rc = cli_parse(&report_cmd, argc, argv, &quiet, &idx);
    if (rc >= 0)
        return rc;
    const char *dir = argv[idx];
    char err[4400] = "";
    if (rundir_state(dir, err, sizeof(err)) >= RUNDIR_UNFINISHED) {
        fprintf(stderr, "mxsurvey report: %s; not making reports of it\n", err);
        return CLI_EXIT_USAGE;
    }
    int st = summary_write(dir, err, sizeof(err));
    if (st == SUMMARY_OK)
        st = csv_write_all(dir, err, sizeof(err));
    if (st == SUMMARY_OK)
        st = html_write(dir, err, sizeof(err));
    if (st != SUMMARY_OK) {
        fprintf(stderr, "mxsurvey report: %s\n", err);
        return st == SUMMARY_INPUT_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    if (!quiet)
        fprintf(stderr, "mxsurvey report: wrote %s/summary.json\n", dir);
    return CLI_EXIT_OK;
}

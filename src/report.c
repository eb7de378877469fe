/* report: `mxsurvey report DIR`: (re)generates DIR/summary.json from the folder's
 * hosts.jsonl, domains.jsonl and run.json through summary_write(), the same code the scan
 * runs at its end. The figures are defined in docs/schema.md ("summary.json"). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "html.h"
#include "out_csv.h"
#include "summary.h"
#include "util.h"

enum { OPT_HELP, OPT_QUIET };

static const struct cli_opt report_opts[] = {
    {.name = "quiet", .short_name = 'q', .help = "print nothing on success", .id = OPT_QUIET},
    {.name = "help", .short_name = 'h', .help = "show this help and exit", .id = OPT_HELP},
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
               "self-contained web page.\n\n",
            SUMMARY_TOP_PROVIDERS);
    cli_print_options(f, report_opts, (int)ARRAY_LEN(report_opts));
    fprintf(f, "\nExit codes: 0 summary.json written, 1 it could not be written, 2 usage error,\n"
               "a missing or unreadable folder or file, or a malformed line (file:line said).\n");
}

int cmd_report(int argc, char **argv)
{
    struct cli_parser p;
    cli_init(&p, "mxsurvey report", report_opts, (int)ARRAY_LEN(report_opts), argc, argv);
    int c, quiet = 0, rc = -1;
    while (rc < 0 && (c = cli_next(&p)) != -1) {
        switch (c) {
        case OPT_HELP:
            report_usage(stdout);
            rc = CLI_EXIT_OK;
            break;
        case OPT_QUIET:
            quiet = 1;
            break;
        default:
            rc = CLI_EXIT_USAGE;
        }
    }
    int idx = cli_operand_index(&p);
    cli_done(&p);
    if (rc >= 0)
        return rc;
    if (idx != argc - 1) {
        fprintf(stderr, "mxsurvey report: expected exactly one DIR, a scan folder (see --help)\n");
        return CLI_EXIT_USAGE;
    }
    const char *dir = argv[idx];
    char err[4400] = "";
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

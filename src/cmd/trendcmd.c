/* trendcmd: `mxsurvey trend [OPTIONS] SCANDIR...`: the command line of trend (its options,
 * usage and exit codes); report/trend.h reads the folders and writes the files. */
#include "trendcmd.h"

#include <stdio.h>

#include "cli.h"
#include "core/outdir.h"
#include "core/util.h"
#include "report/trend.h"

enum { OPT_HELP, OPT_OUT, OPT_QUIET, OPT_LENIENT };

static const struct cli_opt trend_opts_table[] = {
    {.name = "out", .short_name = 'o', .arg = "DIR", .help = "where to write trend.csv and trend.svg, made with its parents (default: the current directory; never a scan's or a diff's folder)", .id = OPT_OUT},
    {.name = "quiet", .short_name = 'q', .help = "print nothing on success", .id = OPT_QUIET},
    {.name = "lenient", .help = "when a summary.json is made: skip a damaged JSONL line with a warning instead of failing", .id = OPT_LENIENT},
    CLI_OPT_HELP(OPT_HELP),
};

static void trend_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey trend [OPTIONS] SCANDIR...\n\n"
               "Puts the headline figures of several scan folders side by side. Reads each\n"
               "folder's summary.json (made first from its JSONL files when missing, as\n"
               "`mxsurvey report` does), orders the runs by their start time, and writes\n"
               "trend.csv (one row per run: start, folder, domains, the shares and the count\n"
               "of every pattern; columns in docs/schema.md) and trend.svg (a line chart of\n"
               "the shares). A folder whose scan has not finished (run.json says \"finished\":\n"
               "null: still running, or killed) is skipped with a warning.\n\n");
    cli_print_options(f, trend_opts_table, (int)ARRAY_LEN(trend_opts_table));
    fprintf(f, "\nA damaged line of a folder's JSONL files, when its summary.json is made, is an\n"
               "error naming file:line; with --lenient it is skipped with a warning.\n"
               "\nExit codes: 0 written, 1 the files could not be written, 2 usage error, no\n"
               "SCANDIR, no finished one, or a folder that is missing or unreadable (a damaged\n"
               "line included).\n");
}

static int trend_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    struct trend_opts *a = ctx;
    if (opt->id == OPT_OUT)
        a->out = arg;
    else if (opt->id == OPT_QUIET)
        a->quiet = 1;
    else if (opt->id == OPT_LENIENT)
        a->lenient = 1;
    return -1;
}

static const struct cli_command trend_cmd = {
    .prog = "mxsurvey trend", CLI_OPTS(trend_opts_table), .on_option = trend_option,
    .help_id = OPT_HELP, .usage = trend_usage,
    .min_operands = 1, .max_operands = -1, .operands = "one or more SCANDIR, scan folders",
};

/* A bad command line, a missing folder or no finished one: the CLI's usage error. */
_Static_assert((int)TREND_OK == (int)CLI_EXIT_OK && (int)TREND_FAIL == (int)CLI_EXIT_FAIL &&
                   (int)TREND_USAGE == (int)CLI_EXIT_USAGE,
               "trend's outcomes are the CLI's exit codes");

int cmd_trend(int argc, char **argv)
{
    struct trend_opts o = {.out = "."};
    int idx;
    int rc = cli_parse(&trend_cmd, argc, argv, &o, &idx);
    if (rc >= 0)
        return rc;
    /* A scan's or a diff's folder is refused before anything is read (trend.c makes the
     * folder, with its parents, once the runs are loaded). */
    char err[4400];
    if (outdir_check(o.out, OUTDIR_TREND, err, sizeof(err)) < 0) {
        fprintf(stderr, "mxsurvey trend: --out %s\n", err);
        return CLI_EXIT_USAGE;
    }
    return trend_run(&o, argv + idx, (size_t)(argc - idx));
}

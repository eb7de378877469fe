/* main: subcommand dispatch. Each subcommand lives in its own module and is listed once in
 * the table below, which also feeds the top-level --help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "diffcmd.h"
#include "report.h"
#include "matchcmd.h"
#include "scan.h"
#include "trendcmd.h"
#include "core/util.h"
#include "core/version.h"

struct subcommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
    {.name = "scan", .summary = "scan a list of domains (FILE or -) and write records", .run = cmd_scan},
    {.name = "resolve", .summary = "survey stage 1: a list's domains (a shard of them) to targets (docs/cluster.md)", .run = cmd_resolve},
    {.name = "probe", .summary = "survey stage 2: the targets' endpoints of one address shard probed", .run = cmd_probe},
    {.name = "merge", .summary = "survey stage 3: targets and probe shards joined into a scan folder", .run = cmd_merge},
    {.name = "check", .summary = "scan one domain and show the dialogue and findings", .run = cmd_check},
    {.name = "report", .summary = "(re)generate summary.json, the CSVs and report.html of a scan folder", .run = cmd_report},
    {.name = "diff", .summary = "compare two scan folders domain by domain; write diff.json, diff.csv", .run = cmd_diff},
    {.name = "trend", .summary = "the headline figures of several scan folders: trend.csv, trend.svg", .run = cmd_trend},
    {.name = "match", .summary = "check names against a certificate file with the scan's rules", .run = cmd_match},
    {.name = NULL},
};

enum { OPT_HELP, OPT_VERSION };
static const struct cli_opt main_opts[] = {
    CLI_OPT_HELP(OPT_HELP),
    {.name = "version", .short_name = 'V', .help = "show the version and exit", .id = OPT_VERSION},
};

static void usage(FILE *f)
{
    fprintf(f,
            "mxsurvey %s: a bulk TLS survey scanner for email (SMTP STARTTLS).\n"
            "It resolves MX hosts, runs STARTTLS against each, captures the certificates and\n"
            "classifies their names against the domain, MX host, PTR and greeting names.\n\n"
            "Usage: mxsurvey [OPTIONS] COMMAND [ARGS]\n\n",
            MXSURVEY_VERSION);
    int any = 0;
    for (const struct subcommand *s = subcommands; s->name; s++) {
        if (!any)
            fprintf(f, "Commands:\n");
        any = 1;
        fprintf(f, "  %-12s %s\n", s->name, s->summary);
    }
    if (any)
        fprintf(f, "\n");
    cli_print_options(f, main_opts, (int)ARRAY_LEN(main_opts));
    fprintf(f, "\n`mxsurvey COMMAND --help` shows a command's options.\n"
               "Exit codes: 0 success, 1 the command reports failure, 2 usage or input error.\n");
}

static int main_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    if (opt->id != OPT_VERSION)
        return -1;
    printf("mxsurvey %s\n", MXSURVEY_VERSION);
    return CLI_EXIT_OK;
}

static const struct cli_command main_cmd = {
    .prog = "mxsurvey", CLI_OPTS(main_opts), .on_option = main_option,
    .help_id = OPT_HELP, .usage = usage,
    .min_operands = 0, .max_operands = -1, /* the command and its arguments */
};

int main(int argc, char **argv)
{
    /* Only options before the subcommand belong to us; the subcommand parses its own. */
    int first_cmd = 1, idx;
    while (first_cmd < argc && argv[first_cmd][0] == '-')
        first_cmd++;
    int rc = cli_parse(&main_cmd, first_cmd, argv, NULL, &idx);
    if (rc >= 0)
        return rc;
    if (first_cmd >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    for (const struct subcommand *s = subcommands; s->name; s++)
        if (strcmp(s->name, argv[first_cmd]) == 0)
            return s->run(argc - first_cmd, argv + first_cmd);
    fprintf(stderr, "mxsurvey: unknown command '%s' (see mxsurvey --help)\n", argv[first_cmd]);
    return CLI_EXIT_USAGE;
}

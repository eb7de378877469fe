/* diffcmd: `mxsurvey diff [OPTIONS] OLD_DIR NEW_DIR`: the command line of diff (its options,
 * usage and exit codes); the comparison itself is report/diff.h. */
#include "diffcmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/jsonl.h"
#include "core/outdir.h"
#include "core/util.h"
#include "report/diff.h"
#include "report/diff_out.h"

enum { OPT_HELP, OPT_OUT, OPT_QUIET, OPT_LENIENT };

static const struct cli_opt diff_opts_table[] = {
    {.name = "out", .short_name = 'o', .arg = "DIR", .help = "where diff.json and diff.csv go, made with its parents (default NEW_DIR; never another scan's or a trend's folder)", .id = OPT_OUT},
    {.name = "lenient", .help = "skip a damaged JSONL line (or a record without a domain) with a warning instead of failing", .id = OPT_LENIENT},
    {.name = "quiet", .short_name = 'q', .help = "print nothing on standard output", .id = OPT_QUIET},
    CLI_OPT_HELP(OPT_HELP),
};

static void diff_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey diff [OPTIONS] OLD_DIR NEW_DIR\n\n"
               "Compares two scan folders domain by domain (the domain string of domains.jsonl;\n"
               "for an invalid line, its raw text): domains that appeared or vanished, and\n"
               "domains whose pattern, primary endpoint's trust.valid or cert.sha256, or MX set\n"
               "changed; and old, new and delta of each headline share of summary.json (made\n"
               "when missing). Prints a summary (at most %d domains per kind) and writes\n"
               "diff.json and diff.csv (defined in docs/schema.md). A folder whose scan has not\n"
               "finished (run.json says \"finished\": null: still running, or killed) is refused.\n"
               "When the runs used different options that change verdicts (all but those that\n"
               "only set the pace, as for scan --resume: --ehlo, --port, --ca-file, ...), it\n"
               "warns on standard error and lists them in diff.json (options_differ).\n\n",
            DIFF_TEXT_LINES);
    cli_print_options(f, diff_opts_table, (int)ARRAY_LEN(diff_opts_table));
    fprintf(f, "\nA damaged line of a JSONL file (not one JSON object: cut, malformed, invalid\n"
               "UTF-8, a NUL, longer than %u MiB; or a domain record without a domain string)\n"
               "is an error naming file:line; with --lenient it is skipped with a warning.\n"
               "\nExit codes: 0 nothing changed, 1 something changed, 2 usage error, a missing\n"
               "or unreadable folder or file, an unfinished scan, a damaged line (file:line\n"
               "said), or the outputs could not be written.\n", JSONL_LINE_MAX >> 20);
}

static int diff_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    struct diff_opts *o = ctx;
    if (opt->id == OPT_OUT)
        o->out_dir = arg;
    else if (opt->id == OPT_QUIET)
        o->text = NULL;
    else if (opt->id == OPT_LENIENT)
        o->lenient = 1;
    return -1;
}

/* A bad command line is a usage error like any other: cli_parse's exit code is ours. */
_Static_assert((int)DIFF_ERROR == (int)CLI_EXIT_USAGE, "diff's usage error is the CLI's");

static const struct cli_command diff_cmd = {
    .prog = "mxsurvey diff", CLI_OPTS(diff_opts_table), .on_option = diff_option,
    .help_id = OPT_HELP, .usage = diff_usage,
    .min_operands = 2, .max_operands = 2, .operands = "OLD_DIR and NEW_DIR, two scan folders",
};

static int same_folder(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cmd_diff(int argc, char **argv)
{
    struct diff_opts o = {.text = stdout};
    int idx;
    int rc = cli_parse(&diff_cmd, argc, argv, &o, &idx);
    if (rc >= 0)
        return rc;
    o.old_dir = argv[idx];
    o.new_dir = argv[idx + 1];
    char err[4400] = "";
    /* --out takes a diff folder, a new one, or NEW_DIR itself (the default; scripts/nightly
     * keeps each run's diff beside its records): never another scan's folder or a trend's. */
    if (o.out_dir && !same_folder(o.out_dir, o.new_dir) &&
        outdir_check(o.out_dir, OUTDIR_DIFF, err, sizeof(err)) < 0) {
        fprintf(stderr, "mxsurvey diff: --out %s\n", err);
        return CLI_EXIT_USAGE;
    }
    rc = diff_dirs(&o, NULL, err, sizeof(err));
    if (rc == DIFF_ERROR)
        fprintf(stderr, "mxsurvey diff: %s\n", err);
    if (o.text && fflush(o.text) != 0) {
        fprintf(stderr, "mxsurvey diff: writing to standard output failed: %s\n", strerror(errno));
        rc = DIFF_ERROR;
    }
    return rc;
}

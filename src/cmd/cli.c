/* cli: see cli.h. */
#define _GNU_SOURCE /* getopt_long */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct cli_parser {
    const struct cli_command *cmd;
    int argc;
    char **argv;
    const struct cli_opt *opt; /* entry of the last option returned by cli_next */
    const char *optarg;        /* its argument */
    struct option *longopts;
    char shortopts[128];
};

static void cli_init(struct cli_parser *p, const struct cli_command *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof(*p));
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;

    const struct cli_opt *opts = cmd->opts;
    struct option *lo = xcalloc((size_t)cmd->nopts + 1, sizeof(*lo));
    size_t s = 0;
    p->shortopts[s++] = ':'; /* report a missing argument as ':' rather than '?' */
    for (int i = 0; i < cmd->nopts; i++) {
        lo[i].name = opts[i].name;
        lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
        lo[i].flag = NULL;
        lo[i].val = 1000 + i;
        if (opts[i].short_name && s + 3 < sizeof(p->shortopts)) {
            p->shortopts[s++] = opts[i].short_name;
            if (opts[i].arg)
                p->shortopts[s++] = ':';
        }
    }
    p->shortopts[s] = '\0';
    p->longopts = lo;
    optind = 0; /* 0, not 1: glibc then fully reinitialises getopt for the next argv */
    opterr = 0;
}

/* Returns 0 with p->opt and p->optarg set to the next option, -1 at the end of options, or
 * -2 after printing a clear error for an unknown option or a missing argument. */
static int cli_next(struct cli_parser *p)
{
    const struct cli_command *cmd = p->cmd;
    int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
    p->optarg = optarg;
    p->opt = NULL;
    if (c == -1)
        return -1;
    if (c >= 1000 && c < 1000 + cmd->nopts)
        p->opt = &cmd->opts[c - 1000];
    for (int i = 0; !p->opt && i < cmd->nopts; i++)
        if (cmd->opts[i].short_name && cmd->opts[i].short_name == c)
            p->opt = &cmd->opts[i];
    if (p->opt)
        return 0;
    const char *bad = p->argv[optind - 1];
    if (c == ':')
        fprintf(stderr, "%s: option '%s' needs an argument (see --help)\n", cmd->prog, bad);
    else if (optopt)
        fprintf(stderr, "%s: unknown option '-%c' (see --help)\n", cmd->prog, optopt);
    else
        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", cmd->prog, bad);
    return -2;
}

static void cli_done(struct cli_parser *p)
{
    free(p->longopts);
    p->longopts = NULL;
}

/* -1 when n operands suit cmd, else CLI_EXIT_USAGE after saying what was expected. */
static int cli_check_operands(const struct cli_command *cmd, int n)
{
    if (n >= cmd->min_operands && (cmd->max_operands < 0 || n <= cmd->max_operands))
        return -1;
    fprintf(stderr, "%s: expected %s (see --help)\n", cmd->prog, cmd->operands);
    return CLI_EXIT_USAGE;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *ctx,
              int *first_operand)
{
    struct cli_parser p;
    cli_init(&p, cmd, argc, argv);
    int c, rc = -1;
    while (rc < 0 && (c = cli_next(&p)) != -1) {
        if (c < 0)
            rc = CLI_EXIT_USAGE;
        else if (p.opt->id == cmd->help_id) {
            cmd->usage(stdout);
            rc = CLI_EXIT_OK;
        } else {
            rc = cmd->on_option(ctx, p.opt, p.optarg);
        }
    }
    *first_operand = optind;
    cli_done(&p);
    if (rc >= 0)
        return rc;
    return cli_check_operands(cmd, argc - *first_operand);
}

void cli_print_options(FILE *f, const struct cli_opt *opts, int nopts)
{
    fprintf(f, "Options:\n");
    for (int i = 0; i < nopts; i++) {
        char left[64];
        if (opts[i].short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", opts[i].short_name, opts[i].name,
                     opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-28s %s\n", left, opts[i].help);
    }
}

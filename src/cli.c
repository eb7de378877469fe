/* cli: see cli.h. */
#define _GNU_SOURCE /* getopt_long */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void cli_init(struct cli_parser *p, const char *prog, const struct cli_opt *opts, int nopts,
              int argc, char **argv)
{
    memset(p, 0, sizeof(*p));
    p->prog = prog;
    p->opts = opts;
    p->nopts = nopts;
    p->argc = argc;
    p->argv = argv;

    struct option *lo = xcalloc((size_t)nopts + 1, sizeof(*lo));
    size_t s = 0;
    p->shortopts[s++] = ':'; /* report a missing argument as ':' rather than '?' */
    for (int i = 0; i < nopts; i++) {
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
    optind = 1;
    opterr = 0;
}

int cli_next(struct cli_parser *p)
{
    int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
    p->optarg = optarg;
    if (c == -1)
        return -1;
    if (c >= 1000 && c < 1000 + p->nopts)
        return p->opts[c - 1000].id;
    for (int i = 0; i < p->nopts; i++)
        if (p->opts[i].short_name && p->opts[i].short_name == c)
            return p->opts[i].id;
    const char *bad = p->argv[optind - 1];
    if (c == ':')
        fprintf(stderr, "%s: option '%s' needs an argument (see --help)\n", p->prog, bad);
    else if (optopt)
        fprintf(stderr, "%s: unknown option '-%c' (see --help)\n", p->prog, optopt);
    else
        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", p->prog, bad);
    return -2;
}

int cli_operand_index(const struct cli_parser *p)
{
    (void)p;
    return optind;
}

void cli_done(struct cli_parser *p)
{
    free(p->longopts);
    p->longopts = NULL;
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

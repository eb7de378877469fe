/* cli: option tables and parsing. Every subcommand describes its options once, in a table of
 * struct cli_opt; the parser (getopt_long underneath) and the --help text are both built from
 * that table, so they cannot drift apart. */
#ifndef MXS_CLI_H
#define MXS_CLI_H
#include <stdio.h>

/* Exit codes shared by every subcommand. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,  /* the command ran and reports failure (e.g. no TLS session) */
    CLI_EXIT_USAGE = 2, /* bad command line or unreadable input */
};

struct cli_opt {
    const char *name;  /* long name without dashes */
    char short_name;   /* 0 when none */
    const char *arg;   /* argument placeholder ("IP[:PORT]"), NULL for a flag */
    const char *help;  /* one line */
    int id;            /* returned by cli_next() */
};

struct cli_parser {
    const char *prog;              /* "mxsurvey scan" etc., for messages */
    const struct cli_opt *opts;
    int nopts;
    int argc;
    char **argv;
    const char *optarg;            /* argument of the last option returned */
    /* private */
    void *longopts;
    char shortopts[128];
};

/* Prepares a parser over argv (argv[0] is the subcommand name). */
void cli_init(struct cli_parser *p, const char *prog, const struct cli_opt *opts, int nopts,
              int argc, char **argv);
/* Returns the id of the next option, -1 at the end of options, or -2 after printing a clear
 * error for an unknown option or a missing argument (callers exit with CLI_EXIT_USAGE). */
int cli_next(struct cli_parser *p);
/* Index of the first operand after the options. */
int cli_operand_index(const struct cli_parser *p);
void cli_done(struct cli_parser *p);
/* Prints "Options:" and one aligned line per option. */
void cli_print_options(FILE *f, const struct cli_opt *opts, int nopts);

#endif

/* cli: option tables and parsing. Every command describes its command line once, in a
 * struct cli_command (its table of struct cli_opt, its usage text and the operands it takes);
 * cli_parse() runs the option loop (getopt_long underneath), answers --help and bad options
 * the same way for every command and checks the operand count, and the --help text is built
 * from the same table, so they cannot drift apart. */
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
    int id;            /* what the command's cli_option_fn switches on */
};

/* The help option every command has, "-h, --help", with the command's id for it. */
#define CLI_OPT_HELP(id_) \
    {.name = "help", .short_name = 'h', .help = "show this help and exit", .id = (id_)}

/* Handles one option of a command (never its help option): opt is the option's table entry,
 * arg its argument (NULL for a flag). Returns -1 to go on, or an exit code, after printing
 * why, that stops the parse. */
typedef int (*cli_option_fn)(void *ctx, const struct cli_opt *opt, const char *arg);

struct cli_command {
    const char *prog;           /* "mxsurvey scan" etc., for messages */
    const struct cli_opt *opts; /* the options (CLI_OPTS sets both fields) */
    int nopts;
    cli_option_fn on_option;
    int help_id;                /* this option prints usage to standard output and exits 0 */
    void (*usage)(FILE *f);
    int min_operands;           /* operands after the options: at least min_operands, */
    int max_operands;           /* at most max_operands (-1: no limit) */
    const char *operands;       /* "exactly one DIR, a scan folder": the message of a wrong
                                 * count is "<prog>: expected <operands> (see --help)" */
};

/* .opts and .nopts of a struct cli_command, from an array of struct cli_opt. */
#define CLI_OPTS(table) .opts = (table), .nopts = (int)(sizeof(table) / sizeof((table)[0]))

/* Parses argv (argv[0] is the command name) by cmd, up to the first option that ends it:
 *   - the help option prints cmd->usage to standard output: CLI_EXIT_OK;
 *   - an unknown option or a missing argument prints "<prog>: unknown option '--x' (see
 *     --help)" or "<prog>: option '--x' needs an argument (see --help)": CLI_EXIT_USAGE;
 *   - any other option goes to cmd->on_option(ctx, ...); its exit code, if any, is returned.
 * Then checks the number of operands against cmd (message above, CLI_EXIT_USAGE).
 * Returns -1 to go on, with *first_operand the index in argv of the first operand, or the
 * exit code the command returns. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *ctx,
              int *first_operand);

/* Prints "Options:" and one aligned line per option. */
void cli_print_options(FILE *f, const struct cli_opt *opts, int nopts);

#endif

/* scan: the `scan` and `check` subcommands (scan.c, check.c) and their shared options. */
#ifndef MXS_SCAN_H
#define MXS_SCAN_H
#include <stdio.h>

#include <jansson.h>

#include "probe/blocklist.h"
#include "sched/sched.h"

/* --max-dns-errors: the share of failed DNS queries (percent) above which a scan exits 1. */
#define SCAN_DEFAULT_MAX_DNS_ERRORS 20.0

/* --mode: what each probe's TLS handshake goes to. full: the whole handshake, a session (status
 * ok); cert: the server's Certificate message, then the probe stops (status cert-seen; see
 * probe/result.h). --cert-only is the deprecated spelling of --mode cert. */
enum scan_mode { SCAN_MODE_FULL, SCAN_MODE_CERT };
/* The one spelling of each mode: "full", "cert" (run.json `mode`, --mode's argument). */
const char *scan_mode_str(enum scan_mode m);
/* The mode spelled s, or -1. */
int scan_mode_parse(const char *s);

struct scan_args {
    struct sched_opts o;
    char ehlo[256];      /* the host name, when it is the default EHLO argument */
    int ehlo_given;      /* --ehlo was given */
    const char *out;
    const char *resume;  /* --resume DIR */
    int quiet;
    enum scan_mode mode; /* --mode (or --cert-only); sets o.stop_after_certificate */
    int cert_only;       /* the deprecated --cert-only was given */
    double max_dns_errors; /* percent, 0-100 */
    const char *operand; /* FILE for scan, DOMAIN for check */
    json_t *options;     /* the options as given, for run.json; caller decrefs */
    struct blocklist *blocklist; /* o.blocklist: the default list, --allow, --blocklist; the
                                    caller frees it (blocklist_free) once the run is over */
};

/* Parses argv (argv[0] = the subcommand) into a, by the options of `mxsurvey scan`; prog
 * names the command in messages, usage prints its --help, operand says what its one operand
 * is ("exactly one DOMAIN") when it is missing. Returns -1 to go on, or an exit code (after
 * printing help or a clear error; a->blocklist is then NULL). */
int scan_parse_args(const char *prog, const char *operand, int argc, char **argv,
                    struct scan_args *a, void (*usage)(FILE *));

/* The option table's part of --help. */
void scan_print_options(FILE *f);
/* Every probe and every DNS query in flight holds a socket: raises RLIMIT_NOFILE to the hard
 * limit, and warns on stderr when even that is below what o may use. Call before the run. */
void scan_raise_fd_limit(const struct sched_opts *o);

int cmd_scan(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif

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
    /* --shard I/N (resolve, probe): this shard of the survey; 0 of 1 when not given. auto/N
     * takes I from SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX. Never in `options`: the
     * stages of one survey record the same options whatever their shard. */
    unsigned shard, nshards;
    int shard_given;
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

/* What scan and the survey's stages (stage.c) share of a run's end (scan.c). */
struct summary_acc;
/* Now in UTC: "20261129T122205Z" (compact, for folder names) or ISO 8601. */
void scan_utc_now(char *buf, size_t len, int compact);
/* SHA-256 of a file, hex; "" when it cannot be read (standard input). */
void scan_file_sha256(const char *path, char out[65]);
/* DIR/run.json written whole or not at all. 0, or -1 with err set (err may be NULL). */
int scan_write_run_json(const char *dir, json_t *run, char *err, size_t errlen);
/* The resolvers' health into run.json's `dns_errors`; 1 when the run fails for it (why). */
int scan_dns_verdict(const struct sched_counts *c, double limit_pct, json_t *run, char *why,
                     size_t whylen);
/* The reports at the end (summary.json, summary.csv, providers.csv, report.html) from the
 * aggregator the output `summary` fed, and run.json. SUMMARY_OK or an error with err. */
int scan_end_reports(const char *dir, struct summary_acc *acc, int output_error, char *err,
                     size_t errlen);
/* run.json's fields that say what a run is (tool, version, started, input and its SHA-256,
 * options, ehlo, version_probe, policy, mta_sts_port, mode, blocklist, caps; finished null). */
json_t *scan_run_header(const struct scan_args *a, const char *started, const char *sha);
/* run.json's `counts` of a run's figures (without `pending`). */
json_t *scan_counts_json(const struct sched_counts *c);

int cmd_scan(int argc, char **argv);
int cmd_resolve(int argc, char **argv); /* stage.c: the survey's stages (docs/cluster.md) */
int cmd_probe(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif

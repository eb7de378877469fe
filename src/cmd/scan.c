/* scan: the `mxsurvey scan` and `mxsurvey check` subcommands: options into struct sched_opts,
 * the output folder and its run.json, then the scheduler. */
#include "scan.h"

#include <errno.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/sha256.h>

#include "probe/blocklist.h"
#include "cli.h"
#include "resolve/dns.h"
#include "report/csv_tidy.h"
#include "report/out_csv.h"
#include "core/outfile.h"
#include "report/html.h"
#include "input/lineset.h"
#include "classify/match.h"
#include "report.h"
#include "sched/resume.h"
#include "core/rundir.h"
#include "scanfs.h"
#include "sched/sched.h"
#include "report/summary.h"
#include "core/util.h"
#include "core/version.h"

/* ------------------------------------------------------------------ scan */

static void scan_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey scan [OPTIONS] FILE|-\n"
               "       mxsurvey scan [OPTIONS] --resume DIR FILE|-\n\n"
               "Reads domains (one per line; # comments), looks up their MX hosts, probes each\n"
               "endpoint (MX host x address) once with STARTTLS, and writes hosts.jsonl,\n"
               "domains.jsonl, chains/ and run.json to the output folder as results complete\n"
               "(and the rows of hosts.csv and domains.csv, renamed into place at the end),\n"
               "then summary.json (the aggregates, counted as the records come; `mxsurvey\n"
               "report` remakes it from the files), summary.csv, providers.csv and\n"
               "report.html: the end reads no record back. At the end it prints the headline\n"
               "shares (each with its numerator and denominator, from summary.json) and the\n"
               "files written on standard output; the last line says how the scan ended.\n\n"
               "Nothing is created until every check has passed (options, the list, the CA\n"
               "file or folder, the output folder). A run stops early, exit 1, when no resolver\n"
               "answers any of the first %d queries that end, and ends with exit 1 when more\n"
               "than --max-dns-errors of its DNS queries failed (timeouts, SERVFAIL, REFUSED;\n"
               "NXDOMAIN and empty answers are answers): run.json and report.html say so.\n\n"
               "No special-purpose address is ever contacted, whatever the records name: the\n"
               "IANA IPv4 and IPv6 special-purpose registries (loopback, 0.0.0.0, RFC 1918,\n"
               "link-local, documentation, ...), multicast, and IPv6 forms judged by the IPv4\n"
               "address they carry; such endpoints are written with status blocked and the\n"
               "registry entry in error. --allow exempts a range, --blocklist adds ranges\n"
               "(which --allow never lifts).\n\n",
            SCHED_DNS_DEAD_AFTER);
    scan_print_options(f);
    fprintf(f, "\nSIGINT/SIGTERM, whenever they come, stop the scan within a few seconds with\n"
               "complete files and a finished run.json (a second one aborts the probes in\n"
               "flight at once); one that comes after every record is written changes nothing.\n"
               "A record is written only with its verdict: what a stop cuts short is not, and a\n"
               "run that stops before the end of its list (a signal, dead resolvers, a full\n"
               "disk) lists the input lines without a record in pending.txt.\n"
               "\n  mxsurvey scan [the same OPTIONS] --resume DIR FILE|-\n\n"
               "continues the scan in DIR, stopped or killed: FILE must be its list (run.json's\n"
               "input_sha256) and the options its own, but for those that only set the pace\n"
               "(--concurrency, --per-ip, --rate, --max-domains, --dns-concurrency, --resolver,\n"
               "--retry-delay, --max-dns-errors, --quiet, --threads); it keeps every whole record,\n"
               "drops a cut last line, probes no endpoint already written, and scans the lines\n"
               "without a record (docs/schema.md, \"Resuming a scan\").\n"
               "\nStandard input (-) is copied to a file in $TMPDIR first; a copy that fails or\n"
               "a signal during it ends the command with nothing scanned or left behind.\n"
               "\nA domain listed again (after normalising: case, trailing dot, IDN) is scanned\n"
               "once; its later lines are written with status duplicate and duplicate_of, the\n"
               "first line, and counted (counts.duplicates, a warning). An input without a\n"
               "domain (empty, or only blanks and comments) warns and exits 0.\n"
               "\nExit codes: 0 the scan completed, 1 interrupted (SIGINT/SIGTERM), the DNS\n"
               "failed (see above), a write failed, or the input could not be read to its end\n"
               "(the files hold complete records; the last line says which), 2 usage or input\n"
               "error (nothing created; with --resume: nothing changed).\n");
}

/* Now in UTC: "20261129T122205Z" (compact, for folder names) or ISO 8601. */
void scan_utc_now(char *buf, size_t len, int compact)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (compact)
        strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
    else
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* SHA-256 of a file, hex; "" when it cannot be read (standard input). */
void scan_file_sha256(const char *path, char out[65])
{
    out[0] = '\0';
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");
    if (!f)
        return;
    mbedtls_sha256_context ctx;
    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_starts_ret(&ctx, 0);
    unsigned char buf[65536], sum[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        mbedtls_sha256_update_ret(&ctx, buf, n);
    mbedtls_sha256_finish_ret(&ctx, sum);
    mbedtls_sha256_free(&ctx);
    fclose(f);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/* run.json is written whole or not at all (outfile.c), at the start and again at the end.
 * Returns 0, or -1 with err set (err may be NULL). */
int scan_write_run_json(const char *dir, json_t *run, char *err, size_t errlen)
{
    struct outfile o;
    char buf[4400];
    if (!err) {
        err = buf;
        errlen = sizeof(buf);
    }
    if (outfile_open(&o, dir, "run.json", err, errlen) < 0)
        return -1;
    errno = 0;
    /* 15 significant digits: 0.2 prints as 0.2 (17 would print 0.20000000000000001). */
    if (json_dumpf(run, o.f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) < 0 ||
        fputc('\n', o.f) == EOF) {
        outfile_error(&o, errno ? errno : EIO, err, errlen);
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, errlen);
}

/* Appends "; why" (or just why) to the reasons a run failed. */
static void add_reason(char *buf, size_t len, const char *why)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n ? "; " : "", why);
}

/* The resolvers' health: run.json's counts.dns_* and its `dns_errors` object (docs/schema.md).
 * Returns 1 when the run must fail for it, with the reason in why. */
int scan_dns_verdict(const struct sched_counts *c, double limit_pct, json_t *run, char *why,
                       size_t whylen)
{
    unsigned long total = c->dns_answered + c->dns_failed;
    /* No reply to anything: dead or unreachable resolvers (the scan stopped early, or the
     * list was too short for it to notice before the end). REFUSED and SERVFAIL are replies. */
    int no_answer = c->dns_dead || (c->dns_failed > 0 && c->dns_no_reply == total);
    double share = total ? (double)c->dns_failed / (double)total : 0;
    int exceeded = no_answer || (total && share * 100.0 > limit_pct);
    why[0] = '\0';
    if (no_answer)
        snprintf(why, whylen, "no resolver answered: %lu DNS queries got no reply%s", c->dns_no_reply,
                 c->dns_dead ? ", so the scan stopped" : "");
    else if (exceeded)
        snprintf(why, whylen, "%.1f%% of DNS queries failed (%lu of %lu: %lu without a reply, "
                              "%lu SERVFAIL, REFUSED or another error), more than "
                              "--max-dns-errors %g%%: dns-error records may be the resolvers' "
                              "fault, not the domains'",
                 100.0 * share, c->dns_failed, total, c->dns_no_reply, c->dns_failed - c->dns_no_reply,
                 limit_pct);
    json_t *d = json_object();
    json_object_set_new(d, "failed_share", total ? json_real(share) : json_null());
    json_object_set_new(d, "limit", json_real(limit_pct / 100.0));
    json_object_set_new(d, "exceeded", json_boolean(exceeded));
    json_object_set_new(d, "no_answer", json_boolean(no_answer));
    json_object_set_new(d, "message", why[0] ? json_string(why) : json_null());
    json_object_set_new(run, "dns_errors", d);
    return exceeded;
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* --resume DIR: a folder with a run.json (resume_check reads it). 0, or -1 with err set. */
static int check_resume_dir(const char *dir, char *err, size_t errlen)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/run.json", dir);
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "--resume %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--resume %s: not a directory", dir);
        return -1;
    }
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "--resume %s: no scan there (%s: %s)", dir, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* scan --resume: checks DIR's run.json against this round and reads what the folder holds
 * into s (its endpoints, the lines done); *run gets the run.json to write. Nothing changes on
 * disk. Returns 0, or -1 with err set. */
static int resume_start(struct scan_args *a, struct scan_run *s, const char *input, const char *sha,
                        const char *started, struct lineset *done, json_t **run, char *err,
                        size_t errlen)
{
    struct resume_req rq = {
        .dir = a->out, .input = a->operand, .input_sha256 = sha, .options = a->options,
        .ehlo = a->o.ehlo ? a->o.ehlo : "address-literal", .version_probe = a->o.version_probe,
        .started = started,
    };
    if (resume_check(&rq, run, err, errlen) < 0)
        return -1;
    struct resume_kept k;
    long long htorn = 0;
    unsigned long keps = 0;
    if (resume_read_lines(a->out, input, done, &k, err, errlen) < 0 ||
        sched_resume(s, done, k.domains, k.invalid, k.duplicates, &keps, &htorn, err, errlen) < 0) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; cannot resume %s (repair or remove that line)", a->out);
        json_decref(*run);
        *run = NULL;
        return -1;
    }
    /* What this round found, in its element of `resumed`. */
    json_t *round = json_array_get(json_object_get(*run, "resumed"),
                                   json_array_size(json_object_get(*run, "resumed")) - 1);
    json_t *kept = json_object(), *cut = json_object();
    json_object_set_new(kept, "domains", json_integer((json_int_t)k.domains));
    json_object_set_new(kept, "endpoints", json_integer((json_int_t)keps));
    json_object_set_new(cut, "hosts.jsonl", json_integer(htorn));
    json_object_set_new(cut, "domains.jsonl", json_integer(k.torn));
    json_object_set_new(round, "kept", kept);
    json_object_set_new(round, "cut_octets", cut);
    if (!a->quiet)
        printf("mxsurvey scan: resuming %s: %lu domain and %lu endpoint records kept%s\n", a->out,
               k.domains, keps,
               htorn || k.torn ? ", a cut last line dropped" : "");
    return 0;
}

/* The end of a run that did not go through its whole list: DIR/pending.txt lists the input
 * lines without a record (counts.pending); a complete run lacks nothing, so a pending.txt of
 * an earlier round goes. Returns -1 with err set when pending.txt could not be written. */
static int pending_end(const char *dir, const char *input, int complete, json_t *counts,
                       unsigned long *n, char *err, size_t errlen)
{
    *n = 0;
    if (complete) {
        pending_remove(dir);
        json_object_set_new(counts, "pending", json_integer(0));
        return 0;
    }
    struct lineset done = {0};
    struct resume_kept k;
    int rc = resume_read_lines(dir, input, &done, &k, err, errlen);
    if (rc == 0)
        rc = pending_write(dir, input, &done, n, err, errlen);
    lineset_free(&done);
    json_object_set_new(counts, "pending", rc == 0 ? json_integer((json_int_t)*n) : json_null());
    if (rc < 0)
        pending_remove(dir); /* an old one would mislead */
    return rc;
}

/* The reports at the end: the summary the output `summary` aggregated, finished with the
 * run.json just written (summary.json, summary.csv, providers.csv), then report.html;
 * hosts.csv and domains.csv are written already (the output `csv`). After a failed write
 * the records the outputs saw are not those the JSONL files kept (linebuf cut them back):
 * then everything is remade from the files, as `mxsurvey report` does. */
int scan_end_reports(const char *dir, struct summary_acc *acc, int output_error, char *err,
                       size_t errlen)
{
    if (output_error)
        return summary_write(dir, err, errlen) == SUMMARY_OK &&
                       csv_write_all(dir, err, errlen) == SUMMARY_OK
                   ? html_write(dir, err, errlen)
                   : SUMMARY_WRITE_ERROR;
    json_t *run = NULL, *sum = NULL;
    int rc = summary_read_run(dir, &run, err, errlen);
    if (rc == SUMMARY_OK && !(sum = summary_finish(acc, run))) {
        snprintf(err, errlen, "the summary was finished twice"); /* never: one end */
        rc = SUMMARY_WRITE_ERROR;
    }
    if (rc == SUMMARY_OK)
        rc = summary_save(dir, sum, err, errlen);
    if (rc == SUMMARY_OK)
        rc = csv_write_summary(dir, sum, err, errlen);
    if (rc == SUMMARY_OK)
        rc = html_write(dir, err, errlen);
    json_decref(sum);
    json_decref(run);
    return rc;
}

/* run.json's fields that say what a run is (docs/schema.md): the tool, when it started, the
 * list and its SHA-256, the options and what they came to, the lists in force, the caps. */
json_t *scan_run_header(const struct scan_args *ap, const char *started, const char *sha)
{
    const struct scan_args a = *ap;
    json_t *run = json_object();
    json_object_set_new(run, "tool", json_string("mxsurvey"));
    json_object_set_new(run, "version", json_string(MXSURVEY_VERSION));
    json_object_set_new(run, "started", json_string(started));
    json_object_set_new(run, "input", json_string(a.operand));
    json_object_set_new(run, "input_sha256", sha[0] ? json_string(sha) : json_null());
    json_object_set_new(run, "options", json_incref(a.options));
    /* What the options came to: the EHLO argument sent, and whether tls_max was measured. */
    json_object_set_new(run, "ehlo", json_string(a.o.ehlo ? a.o.ehlo : "address-literal"));
    json_object_set_new(run, "version_probe", json_boolean(a.o.version_probe));
    /* DNSSEC, DANE, MTA-STS, TLSRPT (--no-policy: none), and where policies were fetched. */
    json_object_set_new(run, "policy", json_boolean(a.o.policy));
    json_object_set_new(run, "mta_sts_port", json_integer(a.o.mta_sts_port));
    json_object_set_new(run, "mode", json_string(scan_mode_str(a.mode)));
    /* What is never probed (the lists in force), and the caps. */
    json_object_set_new(run, "blocklist", blocklist_json(a.blocklist));
    json_object_set_new(run, "max_mx", json_integer(a.o.max_mx));
    json_object_set_new(run, "max_addrs", json_integer(a.o.max_addrs));
    return run;
}

/* run.json's `counts` of a run's figures (docs/schema.md); pending is added at the end. */
json_t *scan_counts_json(const struct sched_counts *cp)
{
    const struct sched_counts c = *cp;
    json_t *counts = json_object();
    json_object_set_new(counts, "lines", json_integer((json_int_t)c.lines));
    json_object_set_new(counts, "domains", json_integer((json_int_t)c.domains_done));
    json_object_set_new(counts, "invalid", json_integer((json_int_t)c.invalid));
    json_object_set_new(counts, "duplicates", json_integer((json_int_t)c.duplicates));
    json_object_set_new(counts, "endpoints", json_integer((json_int_t)c.endpoints_done));
    json_object_set_new(counts, "connections", json_integer((json_int_t)c.probes));
    json_object_set_new(counts, "retries", json_integer((json_int_t)c.retries));
    json_object_set_new(counts, "version_probes", json_integer((json_int_t)c.version_probes));
    json_object_set_new(counts, "blocked", json_integer((json_int_t)c.blocked));
    /* One handshake per server (docs/architecture.md, "How endpoints are inferred"). */
    json_object_set_new(counts, "probed", json_integer((json_int_t)c.probed));
    json_object_set_new(counts, "inferred", json_integer((json_int_t)c.inferred));
    json_object_set_new(counts, "inferred_down", json_integer((json_int_t)c.inferred_down));
    json_object_set_new(counts, "spot_checked", json_integer((json_int_t)c.spot_checks));
    json_object_set_new(counts, "infer_switched", json_integer((json_int_t)c.switched));
    json_object_set_new(counts, "dns_queries", json_integer((json_int_t)c.dns_queries));
    json_object_set_new(counts, "dns_cache_hits", json_integer((json_int_t)c.dns_cache_hits));
    json_object_set_new(counts, "dns_policy_queries", json_integer((json_int_t)c.dns_policy_queries));
    json_object_set_new(counts, "mta_sts_fetches", json_integer((json_int_t)c.sts_fetches));
    json_object_set_new(counts, "chain_verifications", json_integer((json_int_t)c.chain_verifications));
    json_object_set_new(counts, "chain_cache_hits", json_integer((json_int_t)c.chain_cache_hits));
    json_object_set_new(counts, "dns_answered", json_integer((json_int_t)c.dns_answered));
    json_object_set_new(counts, "dns_failed", json_integer((json_int_t)c.dns_failed));
    json_object_set_new(counts, "dns_no_reply", json_integer((json_int_t)c.dns_no_reply));
    return counts;
}

/* The scan proper; cmd_scan() has blocked SIGINT and SIGTERM, and frees *blocklist. */
static int scan(int argc, char **argv, struct blocklist **blocklist)
{
    struct scan_args a = {0};
    int rc = scan_parse_args("mxsurvey scan", "exactly one FILE (or - for standard input)", argc,
                             argv, &a, scan_usage);
    if (rc >= 0) {
        json_decref(a.options);
        return rc;
    }
    *blocklist = a.blocklist;
    const char *input = a.operand;
    char outbuf[256], err[4400] = "";
    if (a.resume && a.out) {
        fprintf(stderr, "mxsurvey scan: --resume %s writes into %s: no --out with it\n", a.resume,
                a.resume);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    if (a.resume) {
        a.out = a.resume;
    } else if (!a.out) {
        char stamp[32];
        scan_utc_now(stamp, sizeof(stamp), 1);
        snprintf(outbuf, sizeof(outbuf), "reports/%s", stamp);
        a.out = outbuf;
    }
    a.o.out_dir = a.out;
    /* chains/ first: it is made before hosts.jsonl, as ever (a folder that cannot hold it
     * fails the start with its name). The summary and the CSVs take every record as it is
     * made, so the end of the run has nothing to read back; after jsonl, whose opening for
     * --resume cuts a killed writer's last line off the files they then read. */
    struct summary_acc *acc = summary_new();
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("chains"), NULL};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("jsonl"), NULL};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("summary"), acc};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("csv"), NULL};
    a.o.progress = !a.quiet && isatty(2);

    /* Everything that can refuse to start is checked before anything is made: a scan that
     * exits 2 leaves no folder behind (nor a run.json saying it never finished). */
    if (scanfs_check_input(input, err, sizeof(err)) < 0 ||
        (a.resume ? check_resume_dir(a.out, err, sizeof(err)) : scanfs_check_out(a.out, err, sizeof(err))) < 0) {
        fprintf(stderr, "mxsurvey scan: %s\n", err);
        json_decref(a.options);
        summary_free(acc);
        return CLI_EXIT_USAGE;
    }
    /* Standard input that is not a file is copied to a temporary file first, so that reading
     * it never blocks the event loop (memory stays bounded: it goes to disk, not RAM). */
    char spool[4200] = "";
    struct stat st;
    if (strcmp(input, "-") == 0 && (fstat(0, &st) < 0 || !S_ISREG(st.st_mode))) {
        int e = scanfs_spool_stdin(spool, sizeof(spool), err, sizeof(err));
        if (e != 0) {
            fprintf(stderr, "mxsurvey scan: %s\n", err);
            json_decref(a.options);
            summary_free(acc);
            return e > 0 ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
        }
        input = spool;
    } else if (strcmp(input, "-") == 0) {
        /* A file as standard input (< list): read by its name, so that its SHA-256, the
         * lines done and pending.txt all read the same file. */
        input = "/dev/stdin";
    }
    struct scan_run *s = sched_new(&a.o, input, NULL, err, sizeof(err));
    char made[4096] = "", started[32], finished[32], sha[65];
    int lock = -1;
    json_t *run = NULL;
    struct lineset done = {0};
    scan_utc_now(started, sizeof(started), 0);
    scan_file_sha256(input, sha); /* for standard input, of the copy: what is scanned */
    int e = 0;
    if (s && a.resume) {
        if ((lock = scanfs_lock(a.out, err, sizeof(err))) < 0 ||
            resume_start(&a, s, input, sha, started, &done, &run, err, sizeof(err)) < 0)
            e = -1;
    } else if (s) {
        e = scanfs_make_out(a.out, made, sizeof(made));
        if (e < 0)
            snprintf(err, sizeof(err), "cannot create %s: %s", a.out, strerror(-e));
        else if ((lock = scanfs_lock(a.out, err, sizeof(err))) < 0)
            e = -1;
        run = scan_run_header(&a, started, sha);
        json_object_set_new(run, "finished", json_null());
    }
    /* run.json first: a run that dies still says what it was, and that it never finished. */
    struct sched_counts c;
    if (!s || e < 0 || scan_write_run_json(a.out, run, err, sizeof(err)) < 0) {
        sched_free(s);
        rc = 2;
    } else {
        if (!a.resume)
            pending_remove(a.out); /* of an earlier scan in this folder */
        scan_raise_fd_limit(&a.o);
        rc = sched_exec(s, &c, err, sizeof(err));
    }
    json_decref(a.options);
    lineset_free(&done);
    if (rc == 2) {
        fprintf(stderr, "mxsurvey scan: %s\n", err);
        /* A start of its own is undone; never another scan's folder (its lock was taken), nor
         * the folder being resumed. */
        if (!a.resume && (lock >= 0 || made[0])) {
            /* The output csv committed its files when the run that failed to start closed
             * it: ours, header rows only. */
            for (int t = CSV_HOSTS; t <= CSV_DOMAINS + 1; t++) { /* + endpoints_by_domain.csv */
                char p[4400];
                snprintf(p, sizeof(p), "%s/%s", a.out,
                         t <= CSV_DOMAINS ? csv_table_file((enum csv_table)t) : CSV_TIDY_FILE);
                unlink(p);
            }
            scanfs_undo(a.out, made);
        }
        if (spool[0])
            unlink(spool);
        if (lock >= 0)
            close(lock);
        json_decref(run);
        summary_free(acc);
        return CLI_EXIT_USAGE;
    }

    char why[16384] = "", dns_why[1024];
    scan_utc_now(finished, sizeof(finished), 0);
    json_object_set_new(run, "finished", json_string(finished));
    json_object_set_new(run, "interrupted", json_boolean(c.interrupted));
    json_t *counts = scan_counts_json(&c);
    json_object_set_new(run, "counts", counts);
    int dns_bad = scan_dns_verdict(&c, a.max_dns_errors, run, dns_why, sizeof(dns_why));
    /* What the run did not get to: pending.txt (before the copy of standard input goes). */
    unsigned long npending = 0;
    char perr[4400] = "";
    int complete = !c.interrupted && !c.dns_dead && !c.output_error && !c.input_error;
    int pending_bad = pending_end(a.out, input, complete, counts, &npending, perr, sizeof(perr));
    if (spool[0])
        unlink(spool);
    if (c.interrupted)
        add_reason(why, sizeof(why), "interrupted (SIGINT/SIGTERM): only the records written before the stop");
    if (dns_bad) { /* said on the last line */
        add_reason(why, sizeof(why), dns_why);
        rc = CLI_EXIT_FAIL;
    }
    if (c.input_error)
        add_reason(why, sizeof(why), "the input could not be read to its end");
    char werr[4400] = "";
    if (c.output_error)
        snprintf(werr, sizeof(werr), "writing the records to %s failed: %s (its files hold whole "
                                     "records only; once there is room, mxsurvey scan --resume %s "
                                     "%s goes on)", a.out,
                 c.output_errno ? strerror(c.output_errno) : "disk full?", a.out, a.operand);
    if (scan_write_run_json(a.out, run, c.output_error ? NULL : werr, sizeof(werr)) < 0)
        c.output_error = 1;
    json_decref(run);
    if (c.output_error) {
        fprintf(stderr, "mxsurvey scan: %s\n", werr);
        add_reason(why, sizeof(why), werr);
        rc = CLI_EXIT_FAIL;
    }
    if (pending_bad < 0) {
        fprintf(stderr, "mxsurvey scan: %s\n", perr);
        add_reason(why, sizeof(why), perr);
    } else if (!complete) {
        char p[4400];
        snprintf(p, sizeof(p), "%lu input line%s without a record listed in %s/pending.txt "
                               "(mxsurvey scan --resume %s %s goes on)",
                 npending, npending == 1 ? "" : "s", a.out, a.out, a.operand);
        add_reason(why, sizeof(why), p);
    }
    /* What the list held, said whatever the outcome: lines that were not scanned. */
    if (!a.quiet && complete && c.lines == 0)
        fprintf(stderr, "mxsurvey scan: warning: no domains in the input (%s): nothing was "
                        "scanned\n", a.operand);
    if (!a.quiet && c.duplicates)
        fprintf(stderr, "mxsurvey scan: warning: %lu duplicate line%s (a domain listed again): "
                        "scanned once each, written with status duplicate\n",
                c.duplicates, c.duplicates == 1 ? "" : "s");
    char serr[4400];
    int reports = scan_end_reports(a.out, acc, c.output_error, serr, sizeof(serr)) == SUMMARY_OK;
    summary_free(acc);
    if (!reports) {
        fprintf(stderr, "mxsurvey scan: %s\n", serr);
        add_reason(why, sizeof(why), serr);
        rc = CLI_EXIT_FAIL;
    }
    if (reports && !a.quiet) {
        const char *files[REPORT_FILES_MAX];
        report_files(files, 1, !complete && pending_bad == 0 ? "pending.txt" : NULL);
        report_print(stdout, "mxsurvey scan", a.out, files, (long)c.chains);
    }
    fflush(stdout);
    /* A signal after the loop (blocked since; see cmd_scan) came when every record was out:
     * the results are complete, the reports were finished, and the exit code stands. */
    sigset_t pending;
    int late = c.late_signal;
    if (!late && sigpending(&pending) == 0)
        late = sigismember(&pending, SIGTERM) ? SIGTERM : sigismember(&pending, SIGINT) ? SIGINT : 0;
    if (late && !c.interrupted && !a.quiet)
        fprintf(stderr, "mxsurvey scan: %s came after every record was written: the results are "
                        "complete\n", signal_name(late));
    /* The last line says how it ended. */
    if (why[0])
        fprintf(stderr, "mxsurvey scan: FAILED: %s; see %s\n", why, a.out);
    else if (!a.quiet)
        printf("mxsurvey scan: complete; results in %s\n", a.out);
    if (fflush(stdout) != 0 && rc == 0)
        rc = CLI_EXIT_FAIL;
    if (lock >= 0)
        close(lock);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    /* SIGINT and SIGTERM are blocked for the whole command and never unblocked here: one that
     * comes before the scan's loop can take it waits (pending) and is handled as soon as the
     * loop starts (sched_exec unblocks them while it runs); one that comes after the loop
     * stays pending, is reported, and dies with the process. Never the default action, which
     * would kill the scan with its run.json saying it never finished. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, NULL);
    struct blocklist *blocklist = NULL;
    int rc = scan(argc, argv, &blocklist);
    blocklist_free(blocklist);
    return rc;
}

/* stage: the survey's stages, `mxsurvey resolve`, `mxsurvey probe` and `mxsurvey merge`
 * (docs/cluster.md): scan cut in three, each shard a process a batch system (a Slurm job
 * array, a Kubernetes Indexed Job) may run on any machine that shares the folder.
 *
 *   resolve --shard I/N --out DIR LIST   the domains of shard I (by name) through DNS and the
 *                                        MTA-STS fetch: DIR/targets[.I].jsonl
 *   probe --shard I/N DIR                the endpoints of every target whose address is in
 *                                        shard I: DIR/probe/hosts.I.jsonl, DIR/chains/
 *   merge DIR                            the targets joined with every shard's endpoints: the
 *                                        scan folder's files, as `scan` writes them
 *
 * Each shard ends with its marker (stagefs.h); a stage whose marker is there is a no-op, a
 * later stage refuses to start before every shard of the one it reads has its marker, and
 * the options that change verdicts are the resolve stage's throughout. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "core/outdir.h"
#include "core/util.h"
#include "core/version.h"
#include "report.h"
#include "report/summary.h"
#include "scan.h"
#include "scanfs.h"
#include "sched/sched.h"
#include "stagefs.h"

static void stage_usage(FILE *f, const char *synopsis, const char *what)
{
    fprintf(f, "Usage: %s\n\n%s\n", synopsis, what);
    scan_print_options(f);
    fprintf(f, "\nA shard that ran to its end leaves DIR/done/STAGE.I-of-N.json (merge:\n"
               "DIR/done/merge.json); running it again changes nothing and exits 0. The\n"
               "options that change verdicts must be the resolve stage's (probe and merge\n"
               "refuse others); those that set the pace may differ. docs/cluster.md tells how\n"
               "to run a survey on Slurm or Kubernetes.\n"
               "\nExit codes: 0 the shard is complete (now or before), 1 it failed or was\n"
               "interrupted (SIGINT/SIGTERM: run it again), 2 usage error, or a stage it reads\n"
               "is not complete (nothing written).\n");
}

static void resolve_usage(FILE *f)
{
    stage_usage(f, "mxsurvey resolve [OPTIONS] [--shard I/N|auto/N] --out DIR FILE",
                "The survey's first stage: the domains of FILE whose normalised name is in\n"
                "shard I of N (a fixed hash of the name; all of them without --shard) through\n"
                "DNS (MX, addresses; with the policy lookups TXT, TLSA and the MTA-STS policy\n"
                "fetch), one target per input line into DIR/targets.jsonl (DIR/targets.I.jsonl\n"
                "with --shard): its MX set and endpoints, or why it has none. No endpoint is\n"
                "probed. A shard killed part way runs again from the start.\n");
}

static void probe_usage(FILE *f)
{
    stage_usage(f, "mxsurvey probe [OPTIONS] [--shard I/N|auto/N] DIR",
                "The survey's second stage: every endpoint of DIR's targets whose ADDRESS is in\n"
                "shard I of N (a fixed hash of the address: each address in one shard, so that\n"
                "--per-ip and the other per-address rules hold over all shards; --rate and\n"
                "--concurrency are per shard), probed as scan probes (PTR, STARTTLS, the\n"
                "version probe, one handshake per server), its record into\n"
                "DIR/probe/hosts.I.jsonl and its chain into DIR/chains/. Needs every resolve\n"
                "shard's marker. A shard killed part way keeps its records and probes the rest\n"
                "when run again.\n");
}

static void merge_usage(FILE *f)
{
    stage_usage(f, "mxsurvey merge [OPTIONS] DIR",
                "The survey's last stage: DIR's targets joined with every probe shard's\n"
                "endpoint records into the files scan writes (hosts.jsonl, domains.jsonl,\n"
                "run.json, summary.json, the CSVs, report.html): the same records a one-process\n"
                "scan of the list writes. Makes no connection and no DNS query; its memory is\n"
                "the endpoint table's, whatever the number of domains. Needs every probe\n"
                "shard's marker. A merge killed part way runs again from the start.\n");
}

/* What a stage run came to, for its marker and its last line. */
struct stage_end {
    int complete; /* ran to its end, no error: the marker is written */
    int rc;
    char why[8400];
};

/* A step of the stage's end failed (after the run, or the run itself): the shard is not
 * complete, so it gets no marker and exits 1. */
static void stage_failed(const char *prog, struct stage_end *e, const char *why)
{
    fprintf(stderr, "%s: FAILED: %s\n", prog, why);
    e->complete = 0;
    e->rc = CLI_EXIT_FAIL;
}

static int stage_outcome(const char *prog, const struct sched_counts *c, double max_dns, json_t *rec,
                         struct stage_end *e)
{
    char dns_why[1024];
    e->why[0] = '\0';
    e->rc = 0;
    if (scan_dns_verdict(c, max_dns, rec, dns_why, sizeof(dns_why)))
        snprintf(e->why, sizeof(e->why), "%s", dns_why);
    else if (c->interrupted)
        snprintf(e->why, sizeof(e->why), "interrupted (SIGINT/SIGTERM): run it again");
    else if (c->output_error)
        snprintf(e->why, sizeof(e->why), "a write failed: %s",
                 c->output_errno ? strerror(c->output_errno) : "disk full?");
    else if (c->input_error)
        snprintf(e->why, sizeof(e->why), "the input could not be read to its end");
    else if (c->missing)
        snprintf(e->why, sizeof(e->why), "%lu endpoints the targets name have no record in any "
                                         "probe shard's file (shards of another resolve?)",
                 c->missing);
    e->complete = 1;
    if (e->why[0])
        stage_failed(prog, e, e->why);
    return e->rc;
}

/* The marker's record of a shard: what it is, what it ran with, what it did. */
static json_t *marker_rec(const struct scan_args *a, const char *stage, const char *started,
                          const char *sha, const struct sched_counts *c)
{
    json_t *m = scan_run_header(a, started, sha);
    char finished[32];
    scan_utc_now(finished, sizeof(finished), 0);
    json_object_set_new(m, "stage", json_string(stage));
    json_object_set_new(m, "shard", json_integer(a->shard));
    json_object_set_new(m, "shards", json_integer(a->nshards));
    json_object_set_new(m, "finished", json_string(finished));
    json_object_set_new(m, "counts", scan_counts_json(c));
    return m;
}

/* Which shard of which stage a run is, for its marker and its last line. */
struct stage_id {
    const char *prog, *dir, *stage; /* stage: "resolve", "probe" or "merge" */
    unsigned shard, nshards;        /* merge: 0 of 1 */
    int quiet;
};

/* The end every stage shares, once its run came to e (stage_outcome, and the merge's own
 * steps): when complete, the marker m (done/STAGE.I-of-N.json; its writing failed: not
 * complete) and, unless quiet, the last line: "<prog>: shard I of N complete: " (merge:
 * "<prog>: complete: ") and fmt, what the shard did and where its results are. The merge,
 * which writes a scan folder, prints its figures and files first (report_print, its chains
 * count chains), as scan does. Takes m; returns the exit code. */
static int stage_finish(const struct stage_id *id, json_t *m, struct stage_end *e, long chains,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int stage_finish(const struct stage_id *id, json_t *m, struct stage_end *e, long chains,
                        const char *fmt, ...)
{
    char err[4400];
    if (e->complete &&
        stagefs_mark(id->dir, id->stage, id->shard, id->nshards, m, err, sizeof(err)) < 0)
        stage_failed(id->prog, e, err);
    json_decref(m);
    if (!e->complete || id->quiet)
        return e->rc;
    if (strcmp(id->stage, "merge") == 0) {
        const char *files[REPORT_FILES_MAX];
        report_files(files, 1, NULL);
        report_print(stdout, id->prog, id->dir, files, chains);
        printf("%s: complete: ", id->prog);
    } else {
        printf("%s: shard %u of %u complete: ", id->prog, id->shard, id->nshards);
    }
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    return e->rc;
}

/* 1 (said unless quiet) when the shard has its marker: it ran to its end before, and running
 * it again changes nothing. */
static int already(const struct stage_id *id)
{
    if (!stagefs_done(id->dir, id->stage, id->shard, id->nshards))
        return 0;
    if (!id->quiet) {
        if (strcmp(id->stage, "merge") == 0)
            printf("%s: %s: already complete (done/merge.json): nothing to do\n", id->prog,
                   id->dir);
        else
            printf("%s: %s: shard %u of %u already complete (done/%s.%u-of-%u.json): nothing "
                   "to do\n", id->prog, id->dir, id->shard, id->nshards, id->stage, id->shard,
                   id->nshards);
    }
    return 1;
}

/* Every resolve shard's targets file, in shard order; *first gets shard 0's marker. Returns
 * the count, or 0 after saying why. */
static unsigned targets_of(const char *prog, const char *dir, char ***names, json_t **first)
{
    char err[4400];
    unsigned n = stagefs_complete(dir, "resolve", err, sizeof(err));
    if (!n) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 0;
    }
    *first = stagefs_read_marker(dir, "resolve", 0, n, err, sizeof(err));
    if (!*first) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 0;
    }
    *names = xcalloc(n, sizeof(**names));
    for (unsigned i = 0; i < n; i++) {
        char name[64], path[4400];
        stagefs_targets_name(name, sizeof(name), i, n);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        (*names)[i] = xstrdup(path);
    }
    return n;
}

/* The start the stages that read the targets share (probe, merge): every resolve shard's
 * targets file (targets_of: *names, *nt, *first, the caller's to free whatever this returns),
 * the options checked against the resolve stage's, then the shard's own marker. -1 to go on;
 * CLI_EXIT_OK when the shard is complete already; CLI_EXIT_USAGE after saying why. */
static int reads_targets(const struct stage_id *id, const json_t *options, char ***names,
                         unsigned *nt, json_t **first)
{
    char err[4400];
    if (!(*nt = targets_of(id->prog, id->dir, names, first)))
        return CLI_EXIT_USAGE;
    if (stagefs_same_options(json_object_get(*first, "options"), options, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", id->prog, err);
        return CLI_EXIT_USAGE;
    }
    return already(id) ? CLI_EXIT_OK : -1;
}

static void free_names(char **names, unsigned n)
{
    for (unsigned i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* A stage's options and operand (scan_parse_args), *bl the blocklist they made (the caller
 * frees it). -1 to go on, or the exit code of a usage error or --help. */
static int stage_args(const char *prog, const char *operands, int argc, char **argv,
                      struct scan_args *a, void (*usage)(FILE *), struct blocklist **bl)
{
    int rc = scan_parse_args(prog, operands, argc, argv, a, usage);
    if (rc >= 0) { /* options was made all the same */
        json_decref(a->options);
        return rc;
    }
    *bl = a->blocklist;
    return -1;
}

/* ------------------------------------------------------------------ resolve */

static int resolve_cmd(int argc, char **argv, struct blocklist **bl)
{
    const char *prog = "mxsurvey resolve";
    struct scan_args a = {0};
    int rc = stage_args(prog, "exactly one FILE, the domain list", argc, argv, &a,
                        resolve_usage, bl);
    if (rc >= 0)
        return rc;
    char err[4400] = "";
    if (!a.out || strcmp(a.operand, "-") == 0) {
        fprintf(stderr, "%s: %s\n", prog, !a.out ? "--out DIR is needed: the survey's folder"
                                                 : "the list must be a FILE: every shard reads it");
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    if (scanfs_check_input(a.operand, err, sizeof(err)) < 0 ||
        outdir_check(a.out, OUTDIR_SCAN, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    /* The shards of one survey read one list with one set of options: a shard run against
     * another (or with options that change verdicts) would mix two surveys in one folder. */
    char sha[65];
    scan_file_sha256(a.operand, sha);
    json_t *other = stagefs_any_marker(a.out, "resolve");
    const char *osha = json_string_value(json_object_get(other, "input_sha256"));
    if (other && (!osha || strcmp(osha, sha) != 0))
        snprintf(err, sizeof(err), "%s holds resolve shards of another list (input_sha256 "
                                   "%.12s..., %s is %.12s...): use another folder", a.out,
                 osha ? osha : "null", a.operand, sha);
    else if (other)
        stagefs_same_options(json_object_get(other, "options"), a.options, err, sizeof(err));
    json_decref(other);
    if (err[0]) {
        fprintf(stderr, "%s: %s\n", prog, err);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    struct stage_id id = {prog, a.out, "resolve", a.shard, a.nshards, a.quiet};
    if (already(&id)) {
        json_decref(a.options);
        return CLI_EXIT_OK;
    }
    char made[4096];
    int e = outdir_make(a.out, made, sizeof(made));
    int lock = e < 0 ? -1 : stagefs_lock(a.out, "resolve", a.shard, a.nshards, err, sizeof(err));
    if (e < 0)
        snprintf(err, sizeof(err), "cannot create %s: %s", a.out, strerror(-e));
    if (lock < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    char tname[64], started[32];
    stagefs_targets_name(tname, sizeof(tname), a.shard, a.nshards);
    struct out_jsonl_files files = {.hosts = NULL, .domains = tname};
    a.o.stage = SCHED_RESOLVE;
    a.o.shard = a.shard;
    a.o.nshards = a.nshards;
    a.o.threads = 1; /* one loop resolves every domain (one name cache) */
    a.o.out_dir = a.out;
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("jsonl"), &files};
    a.o.progress = !a.quiet && isatty(2);
    scan_utc_now(started, sizeof(started), 0);
    struct sched_counts c;
    struct scan_run *s = sched_new(&a.o, a.operand, NULL, err, sizeof(err));
    if (s) {
        scan_raise_fd_limit(&a.o);
        rc = sched_exec(s, &c, err, sizeof(err));
    }
    if (!s || rc == 2) {
        fprintf(stderr, "%s: %s\n", prog, err);
        json_decref(a.options);
        close(lock);
        return CLI_EXIT_USAGE;
    }
    json_t *m = marker_rec(&a, "resolve", started, sha, &c);
    struct stage_end end;
    stage_outcome(prog, &c, a.max_dns_errors, m, &end);
    rc = stage_finish(&id, m, &end, -1, "%lu lines (%lu invalid, %lu duplicates), %lu DNS "
                      "queries; targets in %s/%s\n", c.lines, c.invalid, c.duplicates,
                      c.dns_queries, a.out, tname);
    json_decref(a.options);
    close(lock);
    return rc;
}

/* ------------------------------------------------------------------ probe */

static int probe_cmd(int argc, char **argv, struct blocklist **bl)
{
    const char *prog = "mxsurvey probe";
    struct scan_args a = {0};
    int rc = stage_args(prog, "exactly one DIR, the survey's folder", argc, argv, &a,
                        probe_usage, bl);
    if (rc >= 0)
        return rc;
    const char *dir = a.operand;
    char err[4400] = "";
    char **names = NULL;
    json_t *first = NULL;
    int lock = -1;
    unsigned nt = 0;
    rc = CLI_EXIT_USAGE;
    if (a.out) {
        fprintf(stderr, "%s: writes into DIR: no --out\n", prog);
        goto out;
    }
    struct stage_id id = {prog, dir, "probe", a.shard, a.nshards, a.quiet};
    if ((rc = reads_targets(&id, a.options, &names, &nt, &first)) >= 0)
        goto out;
    rc = CLI_EXIT_USAGE;
    char pdir[4400];
    snprintf(pdir, sizeof(pdir), "%s/probe", dir);
    if (mkdir(pdir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create %s: %s\n", prog, pdir, strerror(errno));
        goto out;
    }
    if ((lock = stagefs_lock(dir, "probe", a.shard, a.nshards, err, sizeof(err))) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        goto out;
    }
    char hname[64], started[32];
    stagefs_hosts_name(hname, sizeof(hname), a.shard);
    struct out_jsonl_files files = {.hosts = hname, .domains = NULL};
    a.o.stage = SCHED_PROBE;
    a.o.shard = a.shard;
    a.o.nshards = a.nshards;
    a.o.targets = (const char *const *)names;
    a.o.ntargets = nt;
    a.o.out_dir = dir;
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("chains"), NULL};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("jsonl"), &files};
    a.o.progress = !a.quiet && isatty(2);
    scan_utc_now(started, sizeof(started), 0);
    struct scan_run *s = sched_new(&a.o, dir, NULL, err, sizeof(err));
    /* A shard killed part way: its records stay, and their endpoints are not probed again. */
    char hpath[4400];
    snprintf(hpath, sizeof(hpath), "%s/%s", dir, hname);
    unsigned long kept = 0;
    long long torn = 0;
    struct stat st;
    if (s && stat(hpath, &st) == 0 &&
        sched_resume_hosts(s, hpath, &kept, &torn, err, sizeof(err)) < 0) {
        sched_free(s);
        s = NULL;
    }
    if (s && kept && !a.quiet)
        printf("%s: shard %u of %u: resuming: %lu endpoint records kept%s\n", prog, a.shard,
               a.nshards, kept, torn ? ", a cut last line dropped" : "");
    struct sched_counts c;
    if (s) {
        scan_raise_fd_limit(&a.o);
        rc = sched_exec(s, &c, err, sizeof(err));
    }
    if (!s || rc == 2) {
        fprintf(stderr, "%s: %s\n", prog, err);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    json_t *m = marker_rec(&a, "probe", started, json_string_value(json_object_get(first, "input_sha256")) ?
                           json_string_value(json_object_get(first, "input_sha256")) : "", &c);
    json_object_set_new(m, "input", json_incref(json_object_get(first, "input")));
    json_object_set_new(m, "kept_endpoints", json_integer((json_int_t)kept));
    struct stage_end end;
    stage_outcome(prog, &c, a.max_dns_errors, m, &end);
    rc = stage_finish(&id, m, &end, -1, "%lu endpoints (%lu probed, %lu inferred, %lu "
                      "blocked), %lu connections; records in %s/%s\n", c.endpoints_done,
                      c.probed, c.inferred + c.inferred_down, c.blocked, c.probes, dir, hname);
out:
    free_names(names, nt);
    json_decref(first);
    json_decref(a.options);
    if (lock >= 0)
        close(lock);
    return rc;
}

/* ------------------------------------------------------------------ merge */

/* The counts of run.json: the merge counts the records (lines, domains, invalid, duplicates,
 * endpoints) and makes no connection and no DNS query, so every count it left at 0 is the sum
 * of the shards' (connections, probes, inference, DNS queries, chain verifications). A count
 * the merge has is never a shard's: the resolve and the probe shards each count the same
 * lines again. tot gets the DNS tallies, for the resolvers' verdict. */
static void add_shard_counts(json_t *counts, const json_t *mine, const json_t *shard,
                             struct sched_counts *tot)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)shard, key, v) {
        if (!json_is_integer(v) || json_integer_value(json_object_get(mine, key)) != 0)
            continue;
        json_int_t was = json_integer_value(json_object_get(counts, key));
        json_object_set_new(counts, key, json_integer(was + json_integer_value(v)));
    }
    tot->dns_answered += (unsigned long)json_integer_value(json_object_get(shard, "dns_answered"));
    tot->dns_failed += (unsigned long)json_integer_value(json_object_get(shard, "dns_failed"));
    tot->dns_no_reply += (unsigned long)json_integer_value(json_object_get(shard, "dns_no_reply"));
}

/* Every shard's counts added into counts (and tot). 0, or -1 with err. */
static int sum_shards(const char *dir, unsigned nt, unsigned np, json_t *counts,
                      struct sched_counts *tot, char *err, size_t errlen)
{
    json_t *mine = json_deep_copy(counts);
    for (int k = 0; k < 2; k++) {
        unsigned n = k ? np : nt;
        for (unsigned i = 0; i < n; i++) {
            json_t *m = stagefs_read_marker(dir, k ? "probe" : "resolve", i, n, err, errlen);
            if (!m) {
                json_decref(mine);
                return -1;
            }
            add_shard_counts(counts, mine, json_object_get(m, "counts"), tot);
            json_decref(m);
        }
    }
    json_decref(mine);
    return 0;
}

/* run.json of the merged folder, before the merge runs: the resolve stage's (what the survey
 * is: its list, options, lists in force), how it was cut (`survey`), not finished yet. */
static json_t *merge_run_json(const json_t *first, unsigned nt, unsigned np)
{
    json_t *run = json_deep_copy(first);
    static const char *const stage_only[] = {"stage", "shard", "shards", "counts", "dns_errors",
                                             "kept_endpoints"};
    for (size_t i = 0; i < ARRAY_LEN(stage_only); i++)
        json_object_del(run, stage_only[i]);
    char now[32];
    scan_utc_now(now, sizeof(now), 0);
    json_t *survey = json_object();
    json_object_set_new(survey, "resolve_shards", json_integer(nt));
    json_object_set_new(survey, "probe_shards", json_integer(np));
    json_object_set_new(survey, "merge_started", json_string(now));
    json_object_set_new(run, "survey", survey);
    json_object_set_new(run, "finished", json_null());
    return run;
}

static int merge_cmd(int argc, char **argv, struct blocklist **bl)
{
    const char *prog = "mxsurvey merge";
    struct scan_args a = {0};
    int rc = stage_args(prog, "exactly one DIR, the survey's folder", argc, argv, &a,
                        merge_usage, bl);
    if (rc >= 0)
        return rc;
    const char *dir = a.operand;
    char err[4400] = "";
    char **names = NULL, **hosts = NULL;
    json_t *first = NULL, *run = NULL;
    struct summary_acc *acc = NULL;
    int lock = -1;
    unsigned nt = 0, np = 0;
    rc = CLI_EXIT_USAGE;
    if (a.out || a.shard_given) {
        fprintf(stderr, "%s: %s\n", prog, a.out ? "writes into DIR: no --out"
                                                : "merges every shard: no --shard");
        goto out;
    }
    struct stage_id id = {prog, dir, "merge", 0, 1, a.quiet};
    if ((rc = reads_targets(&id, a.options, &names, &nt, &first)) >= 0)
        goto out;
    rc = CLI_EXIT_USAGE;
    if (!(np = stagefs_complete(dir, "probe", err, sizeof(err)))) {
        fprintf(stderr, "%s: %s\n", prog, err);
        goto out;
    }
    if ((lock = scanfs_lock(dir, err, sizeof(err))) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        goto out;
    }
    /* hosts.jsonl: every shard's records, whole; domains.jsonl starts empty. The run then
     * goes on from them as a resumed scan would (the outputs append, and the CSVs and the
     * summary take the endpoint records first). */
    hosts = xcalloc(np, sizeof(*hosts));
    for (unsigned i = 0; i < np; i++) {
        char name[64];
        stagefs_hosts_name(name, sizeof(name), i);
        hosts[i] = xstrdup(name);
    }
    char dpath[4400];
    snprintf(dpath, sizeof(dpath), "%s/domains.jsonl", dir);
    FILE *df = NULL;
    if (stagefs_concat(dir, (const char *const *)hosts, np, "hosts.jsonl", err, sizeof(err)) < 0 ||
        !(df = fopen(dpath, "w")) || fclose(df) != 0) {
        if (!err[0] || df || errno)
            fprintf(stderr, "%s: %s\n", prog, err[0] ? err : strerror(errno));
        goto out;
    }
    acc = summary_new();
    a.o.stage = SCHED_MERGE;
    a.o.threads = 1;
    a.o.targets = (const char *const *)names;
    a.o.ntargets = nt;
    a.o.out_dir = dir;
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("jsonl"), NULL};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("summary"), acc};
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("csv"), NULL};
    a.o.progress = !a.quiet && isatty(2);
    struct scan_run *s = sched_new(&a.o, dir, NULL, err, sizeof(err));
    char hpath[4400];
    snprintf(hpath, sizeof(hpath), "%s/hosts.jsonl", dir);
    unsigned long kept = 0;
    long long torn = 0;
    if (s && sched_resume_hosts(s, hpath, &kept, &torn, err, sizeof(err)) < 0) {
        sched_free(s);
        s = NULL;
    }
    run = merge_run_json(first, nt, np);
    struct sched_counts c;
    if (s && scan_write_run_json(dir, run, err, sizeof(err)) < 0) {
        sched_free(s);
        s = NULL;
    }
    if (s)
        rc = sched_exec(s, &c, err, sizeof(err));
    if (!s || rc == 2) {
        fprintf(stderr, "%s: %s\n", prog, err);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    char finished[32];
    scan_utc_now(finished, sizeof(finished), 0);
    json_object_set_new(run, "finished", json_string(finished));
    json_object_set_new(run, "interrupted", json_boolean(c.interrupted));
    json_t *counts = scan_counts_json(&c);
    struct sched_counts tot = c;
    tot.dns_answered = tot.dns_failed = tot.dns_no_reply = 0; /* the merge asks nothing */
    if (sum_shards(dir, nt, np, counts, &tot, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        c.input_error = tot.input_error = 1;
    }
    json_object_set_new(run, "counts", counts);
    struct stage_end end;
    stage_outcome(prog, &tot, a.max_dns_errors, run, &end);
    json_object_set_new(counts, "pending", end.complete ? json_integer(0) : json_null());
    if (scan_write_run_json(dir, run, err, sizeof(err)) < 0)
        stage_failed(prog, &end, err);
    if (end.complete &&
        scan_end_reports(dir, acc, c.output_error, err, sizeof(err)) != SUMMARY_OK)
        stage_failed(prog, &end, err);
    json_t *m = json_object();
    json_object_set_new(m, "stage", json_string("merge"));
    json_object_set_new(m, "finished", json_string(finished));
    json_object_set_new(m, "resolve_shards", json_integer(nt));
    json_object_set_new(m, "probe_shards", json_integer(np));
    json_object_set_new(m, "counts", json_incref(counts));
    rc = stage_finish(&id, m, &end, (long)c.chains,
                      "%u resolve and %u probe shards merged; results in %s\n", nt, np, dir);
out:
    summary_free(acc);
    free_names(names, nt);
    free_names(hosts, np);
    json_decref(first);
    json_decref(run);
    json_decref(a.options);
    if (lock >= 0)
        close(lock);
    return rc;
}

/* ------------------------------------------------------------------ entry points */

/* SIGINT and SIGTERM blocked for the whole command, as scan does (cmd_scan): the run takes
 * them while its loop runs, and a shard stopped by one exits 1 without its marker. */
static int staged(int (*fn)(int, char **, struct blocklist **), int argc, char **argv)
{
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, NULL);
    struct blocklist *bl = NULL;
    int rc = fn(argc, argv, &bl);
    blocklist_free(bl);
    fflush(stdout);
    return rc;
}

int cmd_resolve(int argc, char **argv)
{
    return staged(resolve_cmd, argc, argv);
}

int cmd_probe(int argc, char **argv)
{
    return staged(probe_cmd, argc, argv);
}

int cmd_merge(int argc, char **argv)
{
    return staged(merge_cmd, argc, argv);
}

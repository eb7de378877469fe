/* sched: the scheduler. It owns concurrency and limits, and joins the stages:
 *
 *   input line ─▶ resolve_domain ─▶ endpoints (MX host × address, deduplicated per run)
 *                                      ├─▶ resolve_ptr (cached per address)
 *                                      └─▶ probe (at most per_ip per address, concurrency in
 *                                          total, rate new connections a second; 4xx retried)
 *   endpoint done ─▶ hosts record;  all of a domain's endpoints done ─▶ domain record
 *
 * Stages never call back up: each completes a request and the scheduler decides what comes
 * next. Memory is bounded by work in flight: at most max_domains domains are read ahead of
 * completion, and a finished endpoint keeps only what later domains need to refer to it (its
 * key and status); its certificate chain is written out and freed at once.
 *
 * Ownership: sched_new() makes a struct scan_run (sched_int.h: the run-wide state, and its
 * probe loops: o->threads of them, each on a thread of its own when more than one) and
 * sched_exec() drives the run's loop until every record is out (or a signal, or resolvers that
 * answer nothing, stopped the run), joins the loops' threads and releases everything;
 * sched_run() is the two in one.
 *
 * Signals: SIGINT and SIGTERM are caught by the loop only while it runs. The loop unblocks them
 * once its handlers are installed and blocks them again before removing them (libuv restores
 * the default action when it closes the last handle of a signal), then restores the caller's
 * mask: a caller that blocks them first (scan does) is never killed by one, whenever it comes.
 * One that arrives once every record is out is counted in late_signal; one that arrives after
 * the loop stays pending for the caller to see (sigpending). */
#ifndef MXS_SCHED_H
#define MXS_SCHED_H
#include <stdio.h>
#include <sys/socket.h>

#include "probe/blocklist.h"
#include "report/output.h"
#include "probe/probe.h"
#include "resolve/resolve.h"

#define SCHED_MAX_RESOLVERS 8
#define SCHED_MAX_OUTPUTS 4

/* An output (report/output.h) and its own argument (output_where.arg). */
struct output_use {
    const struct output_ops *ops;
    void *arg;
};

/* The probe stage as a loop calls it: probe.h's probe_start/probe_abort, or a test's fake. */
struct probe_iface {
    struct probe *(*start)(void *ctx, uv_loop_t *loop, const struct probe_params *p, probe_cb cb,
                           void *arg);
    void (*abort)(struct probe *p);
    void *ctx; /* start's first argument (the probe context) */
};

/* What a run does with its input (docs/cluster.md: a survey in stages, each shardable):
 *   SCHED_SCAN     the domain list, through DNS and the probes, to every record (scan, check)
 *   SCHED_RESOLVE  the domain list (the lines whose name is in shard `shard` of `nshards`)
 *                  to the records of targets.h, one per line, given to the outputs as domain
 *                  records: no endpoint, no probe, no PTR query
 *   SCHED_PROBE    the targets files: the endpoints whose address is in shard `shard` of
 *                  `nshards` (targets.h survey_shard), probed as in a scan (PTR, version
 *                  probe, inference, limits), their records to the outputs; no domain record
 *   SCHED_MERGE    the targets files joined with the endpoints read back first (sched_resume
 *                  from the probe shards' records, all of them): every domain record, and no
 *                  connection and no DNS query at all */
enum sched_stage { SCHED_SCAN, SCHED_RESOLVE, SCHED_PROBE, SCHED_MERGE };

struct sched_opts {
    enum sched_stage stage;
    unsigned shard, nshards;     /* SCHED_RESOLVE, SCHED_PROBE: 0 of 1 when not sharded */
    const char *const *targets;  /* SCHED_PROBE, SCHED_MERGE: the targets files, read in order
                                    (the input_path of sched_new is not read) */
    size_t ntargets;
    struct sockaddr_storage resolvers[SCHED_MAX_RESOLVERS];
    int nresolvers;
    int dns_timeout_ms;   /* per DNS try */
    int dns_retries;
    int dns_concurrency;  /* DNS queries on the wire at once */
    int port;
    const char *ehlo;     /* EHLO argument; NULL: each connection's local address literal */
    int timeout_ms;       /* per SMTP/TLS phase */
    int retries;          /* extra attempts after a 4xx */
    int retry_delay_ms;   /* back-off before the first retry (doubles each time) */
    int per_ip;
    int concurrency;
    double rate;          /* new connections per second; 0 = unlimited */
    int ipv6;
    int max_domains;      /* domains read ahead of completion */
    /* Probe loops, each on a thread of its own (1: one loop on the caller's thread, as check
     * and the unit tests run). Addresses are sharded among them; concurrency, rate and
     * dns_concurrency are divided among them (at least 1 each); per_ip holds as it is. */
    int threads;
    /* What is never probed (blocklist.h): a blocked endpoint's record is written at once, with
     * no connection, PTR query or version probe. NULL: the default list alone. */
    const struct blocklist *blocklist;
    int max_mx;           /* MX hosts per domain, in preference order (0: all); resolve.h */
    int max_addrs;        /* addresses per MX host (0: all); resolve.h */
    /* --source-ip, --source-ip6: the local address probes of that family bind to (family
     * AF_UNSPEC: none). */
    struct sockaddr_storage source_ip, source_ip6;
    int progress;         /* draw the progress line on stderr */
    int stop_after_certificate;
    int version_probe;    /* one version probe per address (probe.h); default on */
    /* One handshake per server (infer.c): the endpoints of an address that proved itself
     * insensitive to the name, or down, take a probe's result; infer_check_pct of the rest
     * are still probed (spot checks). infer 0: every endpoint is probed (--no-infer). */
    int infer;
    double infer_check_pct;
    /* What a policy-enforcing sender asks (classify/sender.h): DNSSEC states (the DO bit),
     * TLSA for MX hosts with secure addresses, TXT _mta-sts and _smtp._tls, and the MTA-STS
     * policy fetched over HTTPS from mta-sts.DOMAIN on mta_sts_port (sts_fetch.c). 0: none
     * of it (--no-policy). */
    int policy;
    int mta_sts_port;
    const char *ca_file;  /* trust anchors for chain verification (PEM bundle or DER) */
    const char *ca_path;  /* and/or a folder of such files; both NULL: TRUST_DEFAULT_CA_FILE */
    const char *out_dir;  /* the scan folder, given to the outputs; NULL: none (check) */
    struct output_use outputs[SCHED_MAX_OUTPUTS]; /* every record goes to each, in order */
    int noutputs;
    /* Optional (check): the SMTP dialogue of each probe, line by line, as the probe sees it
     * (not a record: the outputs print those). Called from the loop with hook_arg. */
    void (*transcript)(void *arg, const char *mx_host, const char *ip, char dir, const char *line);
    void *hook_arg;
    /* The probe stage; NULL: probe.h's (probe_start, probe_abort). A test's fake otherwise. */
    const struct probe_iface *probe_iface;
    /* The probe loop's clock (clock.h): its back-off, rate and grace timers. NULL: the real
     * one (the uv loop's). A test's fake otherwise. */
    const struct sched_clock *clock;
};

/* Sensible defaults (port 25, timeout 10 s, retries 1, per_ip 2, concurrency 500, ...). */
void sched_opts_default(struct sched_opts *o);

/* Records are written to the disk at least this often (whole lines; hosts.jsonl before
 * domains.jsonl: see linebuf.h), so a killed scan loses at most this much of its work. */
#define SCHED_FLUSH_MS 1000

/* How long in-flight probes may go on after SIGINT/SIGTERM before they are aborted. */
#define SCHED_STOP_GRACE_MS 2000

/* A run with no reply at all from any resolver once this many queries have failed (every try
 * timed out or was refused by the network) stops: the resolvers are dead or unreachable, and
 * going on would only write a dns-error record per domain. */
#define SCHED_DNS_DEAD_AFTER 10

struct sched_counts {
    unsigned long lines, domains_done, invalid, endpoints, endpoints_done, probes, retries;
    unsigned long version_probes; /* connections that were version probes (in probes too) */
    unsigned long dns_queries, dns_cache_hits;
    /* What the policy lookups cost (sched_opts.policy): their DNS queries (TXT, TLSA, and
     * SERVFAILs asked again with CD; in dns_queries too) and the MTA-STS policy fetches made
     * (one per domain with a valid TXT record and an address for its policy host). */
    unsigned long dns_policy_queries, sts_fetches;
    /* Every DNS query that ended (cancelled ones apart) is answered or failed (resolve.h). */
    unsigned long dns_answered, dns_failed, dns_no_reply; /* no_reply: of failed, no reply */
    unsigned long chains;  /* chains/ files written */
    unsigned long chain_verifications, chain_cache_hits; /* trust.h: chains verified, and
                              verdicts found in the chain cache (chaincache.h) */
    unsigned long blocked; /* endpoints not probed: their address is blocked */
    /* infer.c: endpoints of this run written from their own probe, and from another's
     * (sni-insensitive; address-down); spot checks probed; addresses a check switched to
     * probing every name. probed + inferred + inferred_down + blocked = this run's endpoints */
    unsigned long probed, inferred, inferred_down, spot_checks, switched;
    /* records of input lines whose domain an earlier line gave (status duplicate) */
    unsigned long duplicates;
    int interrupted;      /* SIGINT or SIGTERM stopped the run */
    int late_signal;      /* the signal (SIGINT, SIGTERM) that came once every record was out */
    int dns_dead;         /* stopped: no resolver answered (SCHED_DNS_DEAD_AFTER) */
    int output_error;     /* a write failed (disk full ...) */
    int output_errno;     /* the first write error's errno, when known (0 otherwise) */
    int input_error;      /* the input could not be read to its end (message on stderr) */
    /* SCHED_MERGE: endpoints the targets name that no probe shard recorded (their domains
     * are written without them: the merge fails) */
    unsigned long missing;
};

struct scan_run;
struct sched_clock;

/* Prepares a run without creating anything on disk: the TLS setup, the trust anchors, the
 * public suffix list, the DNS client and the input (input_path, an input_reader path or "-";
 * or, when domain is not NULL, that one domain, for check) — everything that can refuse to
 * start. Returns NULL with the reason in err. o is borrowed until sched_exec() returns. */
struct scan_run *sched_new(const struct sched_opts *o, const char *input_path, const char *domain,
                        char *err, size_t errlen);
/* Opens the outputs (in o->out_dir), then scans, and frees s. Returns 0
 * when the run completed, 1 when it was interrupted, stopped by dead resolvers, an output
 * failed or reading the input failed part way, 2 when the outputs could not be made (message
 * in err; the loop never ran). counts gets the run's figures. */
int sched_exec(struct scan_run *s, struct sched_counts *counts, char *err, size_t errlen);
/* scan --resume: makes the prepared run s continue the folder o->out_dir instead of starting
 * it anew (call between sched_new and sched_exec). Reads its hosts.jsonl (whole lines; a
 * cut last line is ignored, and cut off when the outputs open) into the endpoint table: those
 * endpoints are done, never probed or written again, and keep what the domains still to be
 * written need (status, certificate names and verdicts, the address's tls_max). The input
 * lines in done (borrowed until sched_exec returns) are skipped; kept_domains, kept_invalid
 * and kept_duplicates (domains.jsonl's records, invalid and duplicate ones) and the endpoints read are counted
 * into the run's counts, which then describe the folder. *kept_endpoints gets the records
 * read, *torn the octets of a cut last line of hosts.jsonl. Returns 0, or -1 with err naming file:line (a damaged line, or a
 * record this version does not write). */
struct lineset;
/* The endpoint records of path (hosts.jsonl's schema; whole lines, a cut last line ignored)
 * into the endpoint table, as sched_resume does, and the outputs then append: `probe`
 * continues its shard's file, `merge` reads every shard's. *kept gets the records read,
 * *torn the octets of a cut last line. A missing file is no record. 0, or -1 with err. */
int sched_resume_hosts(struct scan_run *s, const char *path, unsigned long *kept, long long *torn,
                       char *err, size_t errlen);
int sched_resume(struct scan_run *s, const struct lineset *done, unsigned long kept_domains,
                 unsigned long kept_invalid, unsigned long kept_duplicates,
                 unsigned long *kept_endpoints, long long *torn, char *err, size_t errlen);
/* Frees a prepared run that is not going to be executed. NULL is fine. */
void sched_free(struct scan_run *s);

/* sched_new + sched_exec: scans every line of input_path. Returns as sched_exec, 2 also when
 * it could not start. */
int sched_run(const struct sched_opts *o, const char *input_path, struct sched_counts *counts,
              char *err, size_t errlen);

/* For check: one domain given on the command line instead of a file. */
int sched_run_one(const struct sched_opts *o, const char *domain, struct sched_counts *counts,
                  char *err, size_t errlen);

#endif

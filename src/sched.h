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
 * Ownership: a struct sched lives on its creator's stack or heap; sched_run() drives the loop
 * until every record is out (or a signal stopped the run) and releases everything it made. */
#ifndef MXS_SCHED_H
#define MXS_SCHED_H
#include <stdio.h>
#include <sys/socket.h>

#include "output.h"
#include "probe.h"
#include "resolve.h"

#define SCHED_MAX_RESOLVERS 8
#define SCHED_MAX_OUTPUTS 4

struct sched_endpoint_view {
    const char *mx_host, *ip, *ptr;
    const struct probe_result *res;
};

struct sched_opts {
    struct sockaddr_storage resolvers[SCHED_MAX_RESOLVERS];
    int nresolvers;
    int dns_timeout_ms;   /* per DNS try */
    int dns_retries;
    int dns_concurrency;  /* DNS queries on the wire at once */
    int port;
    const char *ehlo;
    int timeout_ms;       /* per SMTP/TLS phase */
    int retries;          /* extra attempts after a 4xx */
    int retry_delay_ms;   /* back-off before the first retry (doubles each time) */
    int per_ip;
    int concurrency;
    double rate;          /* new connections per second; 0 = unlimited */
    int ipv6;
    int max_domains;      /* domains read ahead of completion */
    int progress;         /* draw the progress line on stderr */
    int stop_after_certificate;
    const char *ca_file;  /* trust anchors for chain verification (PEM bundle or DER) */
    const char *ca_path;  /* and/or a folder of such files; both NULL: TRUST_DEFAULT_CA_FILE */
    const char *out_dir;  /* NULL: no files (check) */
    const struct output_ops *outputs[SCHED_MAX_OUTPUTS];
    int noutputs;
    /* Optional hooks (check uses them): the SMTP dialogue of each probe, and each finished
     * endpoint and domain as records. Called from the loop. */
    void (*transcript)(void *arg, const char *mx_host, const char *ip, char dir, const char *line);
    void (*on_endpoint)(void *arg, json_t *rec);
    void (*on_domain)(void *arg, json_t *rec);
    void *hook_arg;
};

/* Sensible defaults (port 25, timeout 10 s, retries 1, per_ip 2, concurrency 500, ...). */
void sched_opts_default(struct sched_opts *o);

struct sched_counts {
    unsigned long lines, domains_done, invalid, endpoints, endpoints_done, probes, retries;
    unsigned long dns_queries, dns_cache_hits;
    int interrupted;      /* SIGINT or SIGTERM stopped the run */
    int output_error;     /* a write failed (disk full ...) */
    int input_error;      /* the input could not be read to its end (message on stderr) */
};

/* Scans every line of `in` (an input_reader path or "-"). Returns 0 when the run completed,
 * 1 when it was interrupted, an output failed or reading the input failed part way, 2 when it
 * could not start (message in err).
 * counts gets the run's figures. */
int sched_run(const struct sched_opts *o, const char *input_path, struct sched_counts *counts,
              char *err, size_t errlen);

/* For check: one domain given on the command line instead of a file. */
int sched_run_one(const struct sched_opts *o, const char *domain, struct sched_counts *counts,
                  char *err, size_t errlen);

#endif

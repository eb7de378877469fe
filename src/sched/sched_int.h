/* sched_int: what the scheduler's two files share (private to them: nothing else includes
 * it). sched.c is the join: outputs, domains, endpoints, version probes, input; sched_run.c the
 * run's life: making and freeing a struct sched, the loop, signals, progress, the stop and the
 * finish. One loop; all state in struct sched, passed down. */
#ifndef MXS_SCHED_INT_H
#define MXS_SCHED_INT_H
#include <signal.h>

#include "classify/assess.h"
#include "core/hmap.h"
#include "input/input.h"
#include "sched.h"
#include "classify/trust.h"

/* How long in-flight probes may go on after SIGINT/SIGTERM before they are aborted. */
#define STOP_GRACE_MS 2000

struct lineset;

enum ep_state {
    EP_QUEUED,  /* waiting for a slot (global, per address, or rate) */
    EP_PROBING, /* connection in progress */
    EP_BACKOFF, /* a 4xx came back: waiting to retry */
    EP_DONE,    /* record written; only key and status kept */
};

struct domain_job;

struct endpoint {
    struct sched *s;
    char *mx_host, *ip;
    enum ep_state state;
    int probed_done, ptr_done;
    char *ptr;
    const char *ptr_status;
    char *first_domain;             /* the earliest input line that reached it so far */
    unsigned long first_line;
    struct probe_result *res;
    enum probe_status final_status;
    struct assess_names names; /* kept after the record is out, for later domains */
    int attempts;
    struct probe *probe;
    struct domain_job **waiters;
    size_t nwait, capwait;
    struct endpoint *next; /* ready-queue or per-address queue link */
    struct backoff *backoff;
    int version_probe;     /* not an endpoint: its address's version probe (key "|ip") */
    int vp_waiting;        /* probed and PTR done, in its address's vp_waiters */
    int aborting;          /* probe_abort() was called: its result is not a verdict */
    int dropped;           /* the run stopped before its verdict: no record (EP_DONE) */
};

struct backoff {
    uv_timer_t timer;
    struct endpoint *ep;
};

/* One address: its connection slots and its version probe. */
struct ip_slot {
    int active;
    struct endpoint *head, *tail; /* waiting for this address */
    /* The version probe (probe.h version_probe): one per address per run. Its result stays for
     * the run, since endpoints of this address may still come from later domains. */
    /* VP_DROPPED: the run stopped before the probe gave its answer; the address's endpoints
     * not yet written are not written (their verdict would lack tls_max). */
    enum { VP_OFF, VP_PENDING, VP_DONE, VP_DROPPED } vp_state;
    struct endpoint *vp_ep;       /* the probe, while VP_PENDING (owned by s->endpoints) */
    int vp_queued;                /* decided (vp_decide): queued, or finished unprobed */
    char *vp_from, *vp_error;     /* its MX host name (SNI); why it learnt no version */
    int vp_kind;
    unsigned vp_version, vp_cipher, vp_group;
    int vp_injection;             /* the probe saw octets after STARTTLS's 220 (probe.h) */
    struct endpoint **vp_waiters; /* endpoints whose records wait for the version probe */
    size_t nvpw, capvpw;
};

struct domain_job {
    struct sched *s;
    unsigned long line;
    char *domain;
    struct resolve_result *rr;
    struct endpoint **eps;
    size_t neps, pending;
    struct domain_job *prev, *next; /* in s->jobs until its record is out or it is dropped */
};

struct sched {
    const struct sched_opts *o;
    uv_loop_t loop;
    struct dns_client *dns;
    struct resolver *res;
    struct probe_ctx *pctx;
    struct trust_ctx *trust;
    psl_ctx_t *psl;
    struct input_reader *in;
    const char *one_domain; /* sched_run_one */
    int eof;
    struct hmap endpoints, ips;
    struct hmap chains_named; /* the chain files records name (with --resume, the folder's) */
    struct domain_job *jobs; /* domains started and not yet written */
    struct endpoint *ready_head, *ready_tail;
    unsigned long inflight_domains;
    int active_probes;
    double next_conn_ms;
    uv_timer_t rate_timer, progress_timer, stop_timer, flush_timer;
    uv_signal_t sigint, sigterm;
    sigset_t entry_mask; /* the caller's signal mask, restored when the run ends */
    int stopping, closed;
    int nout;            /* outputs opened */
    void *out_state[SCHED_MAX_OUTPUTS];
    struct sched_counts *c;
    /* scan --resume (sched_resume.c): the outputs append, the input lines with a record are
     * skipped, and what the folder already held is counted in. */
    int append;
    const struct lineset *done_lines;
    unsigned long kept_domains, kept_invalid, kept_endpoints;
    unsigned long total_lines; /* for progress; 0 when unknown */
    uint64_t start_ms;
    char progress_drawn;
};

/* sched.c */
void sched_output_failed(struct sched_counts *c, int rc); /* rc: -errno, or -1 */
void sched_dispatch(struct sched *s);       /* starts queued probes as the limits allow */
void sched_fill(struct sched *s);           /* reads input while domains may be in flight */
void sched_drop_unprobed(struct sched *s);  /* on a stop: backing-off endpoints are final */
void sched_vp_drop_unstarted(struct sched *s); /* on a stop: unstarted version probes */
void sched_job_free(struct domain_job *j);  /* unlinks and frees a domain job */
void sched_endpoint_free(void *v);          /* hmap free callbacks */
void sched_ip_slot_free(void *v);
/* A new endpoint in the table (key "host|ip"), nothing started for it. */
struct endpoint *sched_endpoint_add(struct sched *s, const char *host, const char *ip);
struct ip_slot *sched_ip_slot(struct sched *s, const char *ip); /* made on first use */

/* sched_run.c */
void sched_maybe_finish(struct sched *s);   /* closes down once everything is out */
void sched_dns_watch(struct sched *s);      /* stops a run whose resolvers answer nothing */
/* A record could not be written (rc: -errno, or -1): counted, and the run stops, since
 * records written after it would be lost too (linebuf's errors are sticky). */
void sched_write_failed(struct sched *s, int rc);

#endif

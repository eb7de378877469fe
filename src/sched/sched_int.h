/* sched_int: what the scheduler's files share (private to them: nothing else includes it).
 *
 * The state is in two parts, so that a run drives one probe loop per core (--threads):
 *
 *   struct scan_run (run-wide, sched.c, sched_run.c): the options, the input, the outputs,
 *     the endpoint table (dedup) and the domain <-> endpoint join, the counts, trust, PSL,
 *     the signals, the stop and the finish.
 *   struct probe_loop (per loop, sched_loop.c): the uv loop, the DNS client and resolver,
 *     the probe context and the probe interface (struct probe_iface), the ready queue, the
 *     per-address slots (connections and version probe), the rate, the back-off and grace
 *     timers, its own counters.
 *
 * The run hands a loop work by a command (struct loop_cmd: resolve a domain, probe an
 * endpoint, stop, abort, close; sched_thread.c's run_send_*); a loop reaches the join and the
 * outputs only through a message (struct run_msg) it posts to the run's queue (loop_post);
 * the run drains the queue (run_drain). The run knows a loop's state (busy, idle, stopped)
 * only from its messages (struct loop_state, on every message, and MSG_LOOP when it
 * changed), never by reading the loop.
 *
 * Threads (sched_thread.c). With one loop (--threads 1, and every unit test), the loop runs
 * on the run's thread and uv loop: a command is a call, and a post drains at once unless a
 * drain is under way. With N > 1 loops, the run has a uv loop of its own on the calling
 * thread (signals, progress and flush timers, the join, the outputs) and each probe loop runs
 * on a thread of its own with its own uv loop, DNS client, resolver, probe context (mbedTLS
 * config, CTR_DRBG) and spot-check DRBG; commands and messages go through a mutex-protected
 * queue and a uv_async_t on the receiving loop (uv_async_send coalesces: each wake-up drains
 * the whole queue). Endpoints are sharded by address (a hash of the address string, mod N:
 * run_loop_of), so an address's per-IP cap, version probe, inference and down state stay in
 * one loop; domains are all resolved by loop 0 (one name cache: each name asked once per
 * run; PTR lookups are the address's loop's). --concurrency, --rate and --dns-concurrency
 * are divided among the loops (at least 1 each: loop_share); --per-ip is exact.
 *
 * Who owns an endpoint's fields (struct endpoint), so that no field is touched by two
 * threads: mx_host and ip never change after sched_endpoint_add; lp is set by the run before
 * the endpoint is handed over (CMD_ENDPOINT) and never changes; the run's, always: run,
 * first_domain, first_line, names, final_status, waiters, recorded. The loop's, from the
 * hand-over until it posts MSG_ENDPOINT (state EP_DONE from then on): state, probe, backoff,
 * attempts, res, ptr, ptr_status, probed_done, ptr_done, aborting, dropped, vp_waiting,
 * infer_role, inferred_from, inference, link; with MSG_ENDPOINT, res, ptr and inferred_from
 * pass to the run (which reads attempts, ptr_status and inference too), and the loop reads
 * only state, version_probe, probe and backoff of it again (its stop and abort walks). An
 * endpoint the loop drops (endpoint_drop) never goes back: the run frees it at the end. The
 * counters of a loop (c, inf's counts, dns_final) are read by the run only once the loop's
 * thread has been joined. */
#ifndef MXS_SCHED_INT_H
#define MXS_SCHED_INT_H
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include "classify/assess.h"
#include "clock.h"
#include "core/hmap.h"
#include "core/rng.h"
#include "input/input.h"
#include "sched.h"
#include "classify/trust.h"
#include "report/record.h"
#include "classify/sender.h"
#include "sts_state.h"


struct lineset;
struct scan_run;
struct probe_loop;

/* ---- infer.c: one handshake per server where the server proves it does not care about the
 * name, and no address waited out more than twice (the loop side; everything per address
 * stays in its loop, so that loops sharded by address need nothing of each other).
 *
 * Per address (struct infer_addr, in the loop's struct ip_slot), a phase:
 *   INF_PAIR         the first two endpoints of the address are probed, each with its own name
 *                    as SNI; the others wait (held) for their verdict;
 *   INF_INSENSITIVE  the pair saw the same server (infer_same: status, reply code and error,
 *                    greeting and EHLO names, TLS version and suite, the chain by SHA-256 of
 *                    each certificate): the other endpoints take the first probe's result
 *                    (record: `inference` sni-insensitive, `inferred_from` its MX host); a
 *                    sample of them is still probed (spot checks: the first after the pair,
 *                    then --infer-check percent at random), and an inferred endpoint is held
 *                    until the input is over (the run's CMD_FINAL) and every check of its
 *                    address has answered the same: a later check that differs can still
 *                    turn it into a probe, so no inferred record is ever written that a
 *                    switch would have had to take back (the run sets the domains waiting for
 *                    it aside meanwhile: sched_spill.c);
 *   INF_SENSITIVE    the pair, or a spot check, differed: every endpoint is probed (those
 *                    held, inferred and not written, included: all of them);
 *   INF_DOWN         two endpoints failed the same way without a greeting (connection refused,
 *                    connect timeout, no greeting in time): the others take that result
 *                    (`inference` address-down) without a connection.
 * After one failure without a greeting, the address gets one connection at a time until a
 * probe is greeted or fails the same way again, so a silent address costs two timeouts.
 * An inferred record is a copy of the reference result (status, TLS, chain, greeting/EHLO);
 * the run classifies it for the endpoint's own names, like any probe's (sched.c).
 *
 * Ownership: struct infer_addr owns its reference results (infer_addr_clear); an inferred
 * endpoint owns its copy (ep->res) and ep->inferred_from like a probed one. */
enum infer_phase { INF_PAIR, INF_INSENSITIVE, INF_SENSITIVE, INF_DOWN };

/* What an endpoint is to its address (endpoint.infer_role). */
enum infer_role {
    INF_ROLE_NONE,  /* not decided yet, or probed as any endpoint (INF_SENSITIVE) */
    INF_ROLE_PAIR,  /* one of the first two, probed */
    INF_ROLE_CHECK, /* a spot check, probed */
    INF_ROLE_INFER, /* to take the reference result once the checks agree */
};

struct infer_addr {
    enum infer_phase phase;
    int pair_members, pair_done;  /* endpoints chosen for the pair, and finished */
    struct probe_result *ref;     /* the result inferred records copy (owned) */
    char *ref_host;               /* the MX host whose probe gave it */
    struct probe_result *nogreet; /* the first failure without a greeting (owned), or NULL */
    char *nogreet_host;
    int suspect;                  /* failed without a greeting, not greeted since: one at a time */
    int checks_pending;           /* spot checks chosen and not finished */
    unsigned long after_pair;     /* endpoints that came after the pair (the sample's base) */
    STAILQ_HEAD(, endpoint) held; /* waiting for the pair or for the checks; infer_addr_init */
    int ready;                    /* on infer_loop.ready (its held ones go at CMD_FINAL) */
};

/* The loop's share of it: the options, the sample's random numbers, the counts. */
struct infer_loop {
    int on;                       /* --no-infer: 0 */
    double check_share;           /* --infer-check / 100 */
    struct rng rng;               /* the spot checks' draws (core/rng.h) */
    int rng_ok;                   /* rng initialised: infer_loop_free frees it */
    int final;                    /* inferred endpoints may be written: the input is over
                                     (CMD_FINAL), or the run cannot set domains aside */
    int asked;                    /* MSG_FINAL_MORE posted, its CMD_FINAL not yet come */
    /* From the first CMD_FINAL on: the addresses whose held endpoints may go (each once;
     * found by one walk of the table then, and added as their last checks answer), so that
     * each batch of INFER_FINAL_BATCH does not walk every address again. */
    struct ip_slot **ready;
    size_t nready, capready;
    unsigned long inferred, inferred_down, spot_checks, switched;
};


/* ---- sts_fetch: a domain's MTA-STS policy (RFC 8461 §3), the loop side, from the domain's
 * resolution on: the _mta-sts TXT record the resolver brought (classify's
 * mtasts.h reads it), then the policy host mta-sts.DOMAIN's addresses (resolve_host, through
 * the loop's resolver), the blocklist, the HTTPS fetch of /.well-known/mta-sts.txt
 * (probe/https.h: pinned to the address, no redirects, a size cap, the scan's timeout, the
 * scan's trust anchors) and the body's parse. One fetch per policy host and TXT id per run
 * (the cache a sender keeps, §5.1): a later domain with the same policy host and id takes a
 * copy (`shared`), and one that comes while the fetch is on the wire waits for it.
 *
 * Only on the loop that resolves domains (loop 0). Without --no-policy every resolved domain
 * passes through here. Its MSG_RESOLVED goes at once (its endpoints are probed meanwhile, and
 * are joined in the order the domains resolve, as without the fetch): with the state (struct
 * sts_state) when there is nothing to fetch, else with sts_wait, and the state follows in
 * MSG_STS once the fetch is over; the domain's record waits for it.
 *
 * Ownership: a struct sts_state (sts_state.h) owns its strings and policy (sts_state_free)
 * and passes with the message to the domain job. The loop's cache owns its entries until
 * sts_loop_close. */

struct domain_job;
/* The domain job j was resolved (rr, owned: it goes on with the message). Posts MSG_RESOLVED
 * with rr at once (see above), and MSG_STS later when a fetch is made; with --no-policy, or a
 * cancelled rr, MSG_RESOLVED without a state. */
void sts_resolved(struct probe_loop *lp, struct domain_job *j, struct resolve_result *rr);

/* The loop closes: every domain still waiting for its policy gets an MSG_STS without a state
 * (it is not reported: pending.txt), the fetches in flight are abandoned, the HTTPS client is
 * closed. */
void sts_loop_close(struct probe_loop *lp);


enum ep_state {
    EP_QUEUED,  /* waiting for a slot (global, per address, or rate) */
    EP_PROBING, /* connection in progress */
    EP_BACKOFF, /* a 4xx came back: waiting to retry */
    EP_DONE,    /* record written; only key and status kept */
};

struct domain_job;

struct endpoint {
    struct scan_run *run;   /* the join's side: waiters, names, first_domain */
    struct probe_loop *lp;  /* the loop that probes it (NULL: blocked, or read back by --resume) */
    int recorded;           /* the run's: its record is out (or it was read back) */
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
    STAILQ_ENTRY(endpoint) link; /* in the ready queue or its address's queue */
    struct backoff *backoff;
    int version_probe;     /* not an endpoint: its address's version probe (key "|ip") */
    int vp_waiting;        /* probed and PTR done, in its address's vp_waiters */
    int aborting;          /* probe_abort() was called: its result is not a verdict */
    int dropped;           /* the run stopped before its verdict: no record (EP_DONE) */
    /* infer.c: what the endpoint is to its address, and for an inferred record the MX host
     * whose probe supplied it (else NULL) and how (RECORD_DIRECT for a probe). */
    enum infer_role infer_role;
    char *inferred_from;
    enum record_inference inference;
    int held_told;  /* the loop's: MSG_HELD was posted for it */
    int held_end;   /* the run's: it waits for the end of the input (MSG_HELD), not yet out */
    /* The run's: its MX host's DNSSEC and TLSA (a copy of the first resolution that reached
     * it; kept until its record is out), then its DANE verdict for later domains
     * (classify/sender.h). */
    enum resolve_dnssec addr_dnssec;
    struct resolve_rrset tlsa;
    enum dane_verdict dane;
    int dane_applies;
};

struct backoff {
    struct sched_timer timer;
    struct endpoint *ep;
};

/* One address: its connection slots and its version probe. */
struct ip_slot {
    int active;
    STAILQ_HEAD(, endpoint) waiting; /* for this address (per_ip reached); loop_ip_slot inits */
    /* The version probe (probe.h version_probe): one per address per run. Its result stays for
     * the run, since endpoints of this address may still come from later domains. */
    /* VP_DROPPED: the run stopped before the probe gave its answer; the address's endpoints
     * not yet written are not written (their verdict would lack tls_max). */
    enum { VP_OFF, VP_PENDING, VP_DONE, VP_DROPPED } vp_state;
    struct endpoint *vp_ep;       /* the probe, while VP_PENDING */
    struct endpoint *vp_own;      /* the probe's endpoint, owned by the slot */
    int vp_queued;                /* decided (vp_decide): queued, or finished unprobed */
    char *vp_from, *vp_error;     /* its MX host name (SNI); why it learnt no version */
    int vp_kind;
    unsigned vp_version, vp_cipher, vp_group;
    int vp_injection;             /* the probe saw octets after STARTTLS's 220 (probe.h) */
    struct endpoint **vp_waiters; /* endpoints whose records wait for the version probe */
    size_t nvpw, capvpw;
    struct infer_addr inf;        /* one handshake per server (infer.c) */
};

struct domain_job {
    struct scan_run *run;
    struct probe_loop *lp;       /* the loop that resolves it (set before CMD_RESOLVE) */
    unsigned long line;
    char *domain;
    struct resolve_result *rr;
    struct sts_state *sts;       /* its MTA-STS state (sts_fetch.c), NULL with --no-policy */
    int sts_wait;                /* its state is still to come (MSG_STS): one of pending */
    int sts_lost;                /* a stop cancelled its fetch: it is never written */
    struct endpoint **eps;
    size_t neps, pending;
    LIST_ENTRY(domain_job) link; /* in run->jobs until its record is out or it is dropped */
};

/* What a loop tells the run. */
enum run_msg_kind {
    MSG_ENDPOINT, /* ep has its verdict (probe, PTR, its address's version probe): record it */
    MSG_RESOLVED, /* job's domain is resolved (rr): join it to its endpoints */
    MSG_STS,      /* job's MTA-STS policy fetch is over (sts; NULL: cancelled by a stop) */
    MSG_DNS,      /* a DNS lookup ended: the run checks its resolvers are alive */
    MSG_LOOP,     /* the loop's state (struct loop_state) changed: the run may finish */
    MSG_HELD,     /* ep is to be inferred once the input is over: its domains may be set aside */
    MSG_FINAL_MORE,     /* the loop has held endpoints to release: another CMD_FINAL, please (so that
                     a batch at a time waits for the run, not tens of thousands at once) */
};

/* What the run knows of a loop's work, from its messages (every message carries it), so that
 * the run never reads the loop's own fields: with a loop on its own thread it could not. */
struct loop_state {
    int stopped; /* it has taken the run's stop: it starts nothing more */
    int busy;   /* probes on the wire */
    int idle;   /* nothing on the wire, nothing ready to start, no retry waiting */
    int active; /* how many probes are on the wire (for the progress line: MSG_LOOP is not
                   sent for a change of this alone) */
    int final;  /* it has taken CMD_FINAL and posted what that released (a held endpoint
                   whose address still has checks on the wire goes when they answer) */
    /* its resolver's tallies (resolve.h struct resolve_stats), for the dead-resolver stop */
    unsigned long dns_answered, dns_failed_rcode, dns_failed_noreply;
};

struct run_msg {
    enum run_msg_kind kind;
    int from;                   /* the loop's index (struct probe_loop.index) */
    struct endpoint *ep;        /* MSG_ENDPOINT */
    struct tls_max_rec tm;      /* MSG_ENDPOINT: its address's version probe (strings borrowed
                                   from the loop's slot, which lives as long as the loop) */
    int has_tm;
    struct domain_job *job;     /* MSG_RESOLVED */
    struct resolve_result *rr;  /* MSG_RESOLVED (owned by the message, then by job) */
    struct sts_state *sts;      /* MSG_RESOLVED, MSG_STS: the domain's MTA-STS state
                                   (sts_fetch.c; owned likewise), NULL with --no-policy */
    int sts_wait;               /* MSG_RESOLVED: the state comes later, in MSG_STS */
    struct loop_state st;       /* every message: the loop's state when it was posted */
    STAILQ_ENTRY(run_msg) link;
};

STAILQ_HEAD(run_msg_queue, run_msg);

struct loop_counts {
    unsigned long probes, retries, version_probes;
    unsigned long sts_fetches; /* sts_fetch.c */
};

/* What the run asks of a loop (sched_thread.c). */
enum loop_cmd_kind {
    CMD_RESOLVE,  /* resolve job's domain (MSG_RESOLVED comes back) */
    CMD_ENDPOINT, /* ep is the loop's to probe (MSG_ENDPOINT comes back, unless dropped) */
    CMD_STOP,     /* loop_stop (MSG_LOOP with stopped comes back) */
    CMD_ABORT,    /* loop_abort_all */
    CMD_FINAL,    /* the input is over: inferred endpoints held for it go (infer_final) */
    CMD_CLOSE,    /* the run is done: close every handle; the thread then ends */
};

struct loop_cmd {
    enum loop_cmd_kind kind;
    struct domain_job *job;     /* CMD_RESOLVE */
    struct endpoint *ep;        /* CMD_ENDPOINT */
    STAILQ_ENTRY(loop_cmd) link;
};

struct probe_loop {
    const struct sched_opts *o;
    struct scan_run *run;           /* only for loop_post */
    int index;                      /* in run->lps */
    int concurrency;                /* its share of --concurrency (loop_share) */
    double rate;                    /* its share of --rate */
    uv_loop_t loop;
    struct dns_client *dns;
    struct resolver *res;
    struct probe_ctx *pctx;
    struct probe_iface probe;
    struct hmap ips;                /* per-address slots (struct ip_slot) */
    STAILQ_HEAD(, endpoint) ready; /* loop_new inits */
    struct endpoint **eps;          /* every endpoint handed to this loop (borrowed) */
    size_t neps, capeps;
    int active_probes;
    int backing_off;                /* endpoints waiting for a retry (EP_BACKOFF): not idle */
    int final_told;                 /* CMD_FINAL done: what it released is posted */
    double next_conn_ms;
    const struct sched_clock *clock; /* o->clock, or the real one */
    struct sched_timer rate_timer, stop_timer;
    int stopping, closed;
    struct loop_state told;         /* the state its last message carried */
    struct loop_counts c;
    struct infer_loop inf;          /* infer.c: the sample's numbers and the counts */
    struct resolve_stats dns_final; /* its resolver's tallies when it closed (loop_close) */
    struct sts_loop *sts;           /* the MTA-STS fetches and their cache (sts_fetch.c), made
                                       with the first domain that has a policy to fetch */
    /* On a thread of its own (run->threaded): the run's commands (sched_thread.c). */
    int threaded;
    uv_thread_t thread;
    int thread_started;
    uv_mutex_t cmd_mu;
    uv_async_t cmd_async;           /* on loop: the run posted commands */
    int cmd_open;                   /* cmd_async not yet closed */
    STAILQ_HEAD(, loop_cmd) cmds;   /* under cmd_mu */
};

struct scan_run {
    const struct sched_opts *o;
    struct probe_loop **lps;        /* the probe loops (o->threads of them) */
    int nloops;
    int threaded;                   /* nloops > 1: each loop on a thread of its own */
    struct loop_state *lp_states;   /* each loop's state, as its last message said */
    struct loop_state lp_state;     /* their sum (busy, active, DNS tallies: any or added;
                                       idle, stopped: all) */
    uv_loop_t *uvl;                 /* the run's uv loop: loop 0's, or own_loop */
    uv_loop_t own_loop;             /* threaded: the run's own */
    uv_mutex_t mu;                  /* threaded: guards queue and async_open */
    uv_async_t msg_async;           /* threaded: on own_loop: the loops posted messages */
    int async_open;
    struct trust_ctx *trust;
    psl_ctx_t *psl;
    struct input_reader *in;
    struct targets_reader *tr;      /* SCHED_PROBE, SCHED_MERGE: the targets (targets.h) */
    struct hmap first_lines;        /* SCHED_PROBE: "host|ip" of the shard's endpoints -> the
                                       earliest target naming it (sched_first_lines) */
    const char *one_domain;         /* sched_run_one */
    int eof;
    struct hmap endpoints;          /* dedup: "host|ip" -> struct endpoint */
    struct hmap chains_named;       /* the chain files records name (--resume: the folder's) */
    LIST_HEAD(, domain_job) jobs;   /* domains started and not yet written */
    unsigned long inflight_domains;
    struct run_msg_queue queue;     /* the loops' messages, in order (threaded: under mu);
                                       sched_new inits */
    int draining;
    int filling;                    /* sched_fill is under way */
    /* sched_spill.c: domains set aside while their endpoints wait for the end of the input */
    int final_sent;                 /* CMD_FINAL went to the loops */
    char *spill_path;               /* SCHED_SCAN with a folder: where they go; NULL: none */
    FILE *spill;                    /* open for writing while domains are set aside */
    unsigned long spilled;          /* domains set aside and not yet joined again */
    int rejoining;                  /* s->tr reads spill_path back: no line is counted again */
    const char *spill_paths[1];     /* spill_path, as targets_reader_open takes its files */
    uv_timer_t progress_timer, flush_timer; /* on the run's uv loop */
    uv_timer_t fill_timer;          /* the next batch of targets (sched_fill_later) */
    uv_signal_t sigint, sigterm;
    sigset_t entry_mask;            /* the caller's signal mask, restored when the run ends */
    int stopping, closed;
    int nout;                       /* outputs opened */
    void *out_state[SCHED_MAX_OUTPUTS];
    struct sched_counts *c;
    /* scan --resume (sched_resume.c): the outputs append, the input lines with a record are
     * skipped, and what the folder already held is counted in. */
    int append;
    const struct lineset *done_lines;
    unsigned long kept_domains, kept_invalid, kept_duplicates, kept_endpoints;
    unsigned long total_lines;      /* for progress; 0 when unknown */
    uint64_t start_ms;
    char progress_drawn;
};

/* ---- sched_loop.c: the loop side */
/* Makes the loop's uv loop, DNS client and probe context (NULL with err on failure). */
struct probe_loop *loop_new(const struct sched_opts *o, struct scan_run *run, int index,
                            int nloops, char *err, size_t errlen);
int loop_start(struct probe_loop *lp);          /* the resolver and timers; 0 or -1 */
void loop_free(struct probe_loop *lp);          /* after its handles closed; NULL is fine */
/* Resolves job's domain; the answer comes back as MSG_RESOLVED. -1 when it cannot start. */
int loop_resolve_domain(struct probe_loop *lp, struct domain_job *job, const char *name);
/* ep is the loop's to probe (and to look up the PTR name of); its verdict comes back as
 * MSG_ENDPOINT (or never, when a stop drops it). */
void loop_add_endpoint(struct probe_loop *lp, struct endpoint *ep);
void loop_dispatch(struct probe_loop *lp);      /* starts queued probes as the limits allow */
/* Stops starting probes: what never started is dropped; probes in flight get the grace. */
void loop_stop(struct probe_loop *lp);
void loop_abort_all(struct probe_loop *lp);     /* aborts the probes in flight */
/* m to the run (run_post), stamped with the loop's state (m->st). */
void loop_post(struct probe_loop *lp, const struct run_msg *m);
/* Tells the run (MSG_LOOP) when the loop's state changed since its last message. */
void loop_report(struct probe_loop *lp);
/* The resolver (its tallies kept in dns_final) and timers (the run is done). */
void loop_close(struct probe_loop *lp);
struct ip_slot *loop_ip_slot(struct probe_loop *lp, const char *ip); /* made on first use */
/* Drops ep: the run stopped before its verdict (no record; its domains never get one). */
void endpoint_drop(struct endpoint *ep);
/* For infer.c: ep goes to the ready queue; ep has its result (ep->res, probed or inferred):
 * its address's version probe is decided by the first, and its verdict goes on. */
void loop_enqueue(struct probe_loop *lp, struct endpoint *ep);
void loop_probed(struct endpoint *ep);

/* ---- infer.c (above: the rule and the phases) */
/* 0, or -1 when no randomness could be had for the spot checks. */
int infer_loop_init(struct infer_loop *il, const struct sched_opts *o);
void infer_loop_free(struct infer_loop *il);
void infer_addr_init(struct infer_addr *a);
void infer_addr_clear(struct infer_addr *a);

/* A new endpoint of slot's address (instead of queueing it): queued for a probe, held, or
 * given its inferred result at once. */
void infer_admit(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* ep's probe has its final result (before its verdict goes on): the address learns from it,
 * and what waited for it is released. */
void infer_probed(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* Just before a queued endpoint would connect: 1 when its address is down (ep has then taken
 * the address's result instead), 0 to probe it. */
int infer_skip(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* Connections the address may have at once. */
int infer_cap(const struct ip_slot *slot, int per_ip);
/* CMD_FINAL: the input is over; inferred endpoints held for it whose address has no check
 * pending take its result, at most budget of them (the others when their checks answer).
 * 1 when some such are left: the loop asks for another CMD_FINAL (MSG_FINAL_MORE), which comes
 * after the run has handled this batch's verdicts. */
int infer_final(struct probe_loop *lp, size_t budget);
/* Asks the run for another CMD_FINAL (MSG_FINAL_MORE), once until it comes. */
void infer_release_more(struct probe_loop *lp);
/* Held endpoints released per CMD_FINAL. */
#define INFER_FINAL_BATCH 512

/* The rule above: a and b show the same server. */
int infer_same(const struct probe_result *a, const struct probe_result *b);
/* r failed before any greeting (connection refused, connect timeout, no greeting in time). */
int infer_no_greeting(const struct probe_result *r);

/* ---- sched_thread.c: the hand-over between the run and its loops */
/* To s's queue: one loop, drained at once unless a drain is under way; threaded, under the
 * mutex, and the run's uv_async_t wakes it (nothing once the run closed it: release frees
 * what is left). Loops call it through loop_post. */
void run_post(struct scan_run *s, const struct run_msg *m);
/* The loop an address belongs to: a hash of the address string, mod the loops. */
struct probe_loop *run_loop_of(const struct scan_run *s, const char *ip);
/* The run's commands to its loops (a call with one loop, a queued command otherwise). */
int run_send_resolve(struct scan_run *s, struct domain_job *job); /* -1: cannot start */
void run_send_endpoint(struct scan_run *s, struct endpoint *ep);
void run_send_dispatch(struct scan_run *s);     /* one loop: loop_dispatch (threaded: the
                                                   loops dispatch after each command batch) */
void run_send_all(struct scan_run *s, enum loop_cmd_kind kind); /* CMD_STOP, _ABORT, _CLOSE */
void run_send_final(struct scan_run *s, int i);  /* CMD_FINAL to loop i again (MSG_FINAL_MORE) */
/* Threaded: the run's queue and wake-up, and the loops' threads (started with the stop
 * signals blocked, so only the run's thread takes them); 0 or -1 with err. */
int run_threads_start(struct scan_run *s, char *err, size_t errlen);
void run_threads_join(struct scan_run *s);      /* after CMD_CLOSE: waits for every thread */
void run_async_close(struct scan_run *s);       /* no more wake-ups (the run is closing) */
/* Moves every queued message into *out (under the mutex when threaded); 1 when any. */
int run_take_queue(struct scan_run *s, struct run_msg_queue *out);
/* A message's loop state (m->st of loop i) into the run's view: lp_states[i] and the sum. */
void run_take_state(struct scan_run *s, int i, const struct loop_state *st);
/* A loop on a thread of its own: its command queue and wake-up (loop_new), and their end
 * (loop_free: closes cmd_async unless CMD_CLOSE did, frees commands never run). */
void loop_cmds_init(struct probe_loop *lp);
void loop_cmds_free(struct probe_loop *lp);
/* One part of a total (--concurrency, --dns-concurrency) for loop i of n: at least 1. */
int loop_share(int total, int n, int i);

/* ---- sched.c: the run side (the join) */
void run_drain(struct scan_run *run);           /* handles the queued messages */
void sched_output_failed(struct sched_counts *c, int rc); /* rc: -errno, or -1 */
void sched_fill(struct scan_run *run);          /* reads input while domains may be in flight */
void sched_fill_later(struct scan_run *run);    /* sched_fill at the run loop's next turn */
void sched_job_free(struct domain_job *j);      /* unlinks and frees a domain job */
void sched_endpoint_free(void *v);              /* hmap free callbacks */
void sched_ip_slot_free(void *v);
/* A new endpoint in the table (key "host|ip"), nothing started for it. */
/* SCHED_PROBE: reads every target once before the run (its own reader) and keeps, for each
 * endpoint of the shard, the earliest line naming it and that line's domain, which
 * endpoint_get gives the endpoint as its first_domain. 0, or -1 with err. */
int sched_first_lines(struct scan_run *s, char *err, size_t errlen);
struct endpoint *sched_endpoint_add(struct scan_run *run, const char *host, const char *ip);

/* ---- sched_spill.c: domains set aside (see infer.c's INF_INSENSITIVE)
 * An inferred endpoint waits for the end of the input; a domain whose only unfinished
 * endpoints are such is set aside, so that it holds no place among --max-domains and no
 * memory: in a scan, as a target line (targets.h, the staged survey's codec) in a temporary
 * file of the folder, joined again once the loops have released them (spill_rejoin); in the
 * probe stage, which writes no domain record, it is simply over. */
void spill_open(struct scan_run *s);              /* SCHED_SCAN with a folder: spill_path */
void spill_maybe(struct domain_job *j);          /* sets j aside when it only waits for such */
void spill_held(struct scan_run *s, struct endpoint *ep); /* MSG_HELD */
/* The loops took CMD_FINAL: 1 when set-aside domains are now read back (s->tr), else 0. */
int spill_rejoin(struct scan_run *s);
void spill_close(struct scan_run *s);            /* the file closed and removed */
/* sched.c: j is over without a record now (set aside: SCHED_SCAN joins it again later). */
void sched_job_aside(struct domain_job *j);

/* ---- sched_run.c */
void sched_maybe_finish(struct scan_run *run);  /* closes down once everything is out */
void sched_dns_watch(struct scan_run *run);     /* stops a run whose resolvers answer nothing */
/* A record could not be written (rc: -errno, or -1): counted, and the run stops, since
 * records written after it would be lost too (linebuf's errors are sticky). */
void sched_write_failed(struct scan_run *run, int rc);

#endif

/* sched_thread: the hand-over between the run and its probe loops (sched_int.h "Threads"):
 * the run's commands to a loop and a loop's messages to the run, each a call with one loop
 * and a mutex-protected queue plus a uv_async_t on the receiving uv loop with several; which
 * loop an address and a domain go to; the loops' threads, started and joined. */
#include "sched_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "resolve/dns.h"

/* ------------------------------------------------------------------ loop -> run */

static void run_wake(uv_async_t *h)
{
    run_drain(h->data); /* the whole queue: uv_async_send coalesces wake-ups */
}

void run_post(struct scan_run *s, const struct run_msg *m)
{
    struct run_msg *q = xmalloc(sizeof(*q));
    *q = *m;
    if (!s->threaded) {
        STAILQ_INSERT_TAIL(&s->queue, q, link);
        run_drain(s); /* one thread: at once, unless a drain is under way (it takes this too) */
        return;
    }
    uv_mutex_lock(&s->mu);
    STAILQ_INSERT_TAIL(&s->queue, q, link);
    if (s->async_open) /* else the run is closing: release frees what is left */
        uv_async_send(&s->msg_async);
    uv_mutex_unlock(&s->mu);
}

/* The run takes the queue whole under the mutex and handles it outside (run_drain). */
int run_take_queue(struct scan_run *s, struct run_msg_queue *out)
{
    STAILQ_INIT(out);
    if (!s->threaded) {
        STAILQ_CONCAT(out, &s->queue);
        return !STAILQ_EMPTY(out);
    }
    uv_mutex_lock(&s->mu);
    STAILQ_CONCAT(out, &s->queue);
    uv_mutex_unlock(&s->mu);
    return !STAILQ_EMPTY(out);
}

void run_take_state(struct scan_run *s, int i, const struct loop_state *st)
{
    s->lp_states[i] = *st;
    struct loop_state sum = {.stopped = 1, .idle = 1, .final = 1};
    for (int k = 0; k < s->nloops; k++) {
        const struct loop_state *l = &s->lp_states[k];
        sum.stopped &= l->stopped;
        sum.busy |= l->busy;
        sum.idle &= l->idle;
        sum.final &= l->final;
        sum.active += l->active;
        sum.dns_answered += l->dns_answered;
        sum.dns_failed_rcode += l->dns_failed_rcode;
        sum.dns_failed_noreply += l->dns_failed_noreply;
    }
    s->lp_state = sum;
}

void run_async_close(struct scan_run *s)
{
    if (!s->threaded || !s->async_open)
        return;
    uv_mutex_lock(&s->mu);
    s->async_open = 0; /* no loop sends to it from now on */
    uv_mutex_unlock(&s->mu);
    uv_close((uv_handle_t *)&s->msg_async, NULL);
}

/* ------------------------------------------------------------------ run -> loop */

struct probe_loop *run_loop_of(const struct scan_run *s, const char *ip)
{
    /* Fixed per address for the whole run (and for --resume's slots read back before). */
    return s->lps[s->nloops > 1 ? hmap_hash_str(0, ip) % (uint64_t)s->nloops : 0];
}

/* Runs one command on the loop's own thread (or, with one loop, in the run's call). */
static void loop_exec(struct probe_loop *lp, struct loop_cmd *c);

static void loop_send(struct probe_loop *lp, const struct loop_cmd *c)
{
    if (!lp->threaded) {
        struct loop_cmd copy = *c;
        loop_exec(lp, &copy);
        return;
    }
    struct loop_cmd *q = xmalloc(sizeof(*q));
    *q = *c;
    uv_mutex_lock(&lp->cmd_mu);
    STAILQ_INSERT_TAIL(&lp->cmds, q, link);
    uv_async_send(&lp->cmd_async); /* open until CMD_CLOSE, the last command it gets */
    uv_mutex_unlock(&lp->cmd_mu);
}

int run_send_resolve(struct scan_run *s, struct domain_job *job)
{
    /* Every domain on loop 0: one name cache for the run, so a name (an MX host shared by
     * many domains, its A and AAAA) is asked once per run, as dns_queries promises; resolving
     * costs little CPU beside the handshakes, which the loops share by address. */
    job->lp = s->lps[0];
    if (!s->threaded)
        return loop_resolve_domain(job->lp, job, job->domain);
    loop_send(job->lp, &(struct loop_cmd){.kind = CMD_RESOLVE, .job = job});
    return 0; /* a lookup that cannot start comes back cancelled */
}

void run_send_endpoint(struct scan_run *s, struct endpoint *ep)
{
    ep->lp = run_loop_of(s, ep->ip); /* before the hand-over: the loop's from now on */
    loop_send(ep->lp, &(struct loop_cmd){.kind = CMD_ENDPOINT, .ep = ep});
}

void run_send_dispatch(struct scan_run *s)
{
    if (!s->threaded)
        loop_dispatch(s->lps[0]);
}

void run_send_final(struct scan_run *s, int i)
{
    loop_send(s->lps[i], &(struct loop_cmd){.kind = CMD_FINAL});
}

void run_send_all(struct scan_run *s, enum loop_cmd_kind kind)
{
    for (int i = 0; i < s->nloops; i++)
        loop_send(s->lps[i], &(struct loop_cmd){.kind = kind});
}

/* ------------------------------------------------------------------ the loop's side */

/* CMD_CLOSE on a loop's own thread: whatever is still in flight (a stop's probes the run did
 * not wait for: it finishes on the loops' word, which may be a message old) is aborted, and
 * every handle closes, so that the thread's uv_run ends. */
static void loop_shutdown(struct probe_loop *lp)
{
    lp->stopping = 1;     /* nothing starts from here on */
    loop_abort_all(lp);
    loop_close(lp);       /* the resolver (its cancellations posted), the timers */
    uv_mutex_lock(&lp->cmd_mu);
    lp->cmd_open = 0;
    uv_mutex_unlock(&lp->cmd_mu);
    uv_close((uv_handle_t *)&lp->cmd_async, NULL);
}

static void loop_exec(struct probe_loop *lp, struct loop_cmd *c)
{
    switch (c->kind) {
    case CMD_RESOLVE:
        if (loop_resolve_domain(lp, c->job, c->job->domain) < 0) {
            struct resolve_result *rr = xcalloc(1, sizeof(*rr));
            rr->status = RESOLVE_CANCELLED; /* the loop is closing: the domain is not reported */
            loop_post(lp, &(struct run_msg){.kind = MSG_RESOLVED, .job = c->job, .rr = rr});
        }
        break;
    case CMD_ENDPOINT:
        loop_add_endpoint(lp, c->ep);
        break;
    case CMD_STOP:
        if (!lp->closed)
            loop_stop(lp);
        break;
    case CMD_ABORT:
        loop_abort_all(lp);
        break;
    case CMD_FINAL:
        if (!lp->closed) {
            lp->inf.asked = 0;
            if (infer_final(lp, INFER_FINAL_BATCH))
                infer_release_more(lp);
            else
                lp->final_told = 1; /* after what it released was posted: the run waits */
            loop_dispatch(lp);
            loop_report(lp);
        }
        break;
    case CMD_CLOSE:
        if (lp->threaded)
            loop_shutdown(lp);
        else
            loop_close(lp); /* its resolver's cancellations come back as messages */
        break;
    }
}

static void loop_wake(uv_async_t *h)
{
    struct probe_loop *lp = h->data;
    STAILQ_HEAD(, loop_cmd) todo = STAILQ_HEAD_INITIALIZER(todo);
    uv_mutex_lock(&lp->cmd_mu);
    STAILQ_CONCAT(&todo, &lp->cmds);
    uv_mutex_unlock(&lp->cmd_mu);
    struct loop_cmd *c;
    while ((c = STAILQ_FIRST(&todo))) {
        STAILQ_REMOVE_HEAD(&todo, link);
        loop_exec(lp, c);
        free(c);
    }
    if (!lp->closed) {
        loop_dispatch(lp); /* the batch's endpoints start together, as the limits allow */
        loop_report(lp);
    }
}

void loop_cmds_init(struct probe_loop *lp)
{
    lp->threaded = 1;
    uv_mutex_init(&lp->cmd_mu);
    STAILQ_INIT(&lp->cmds);
    uv_async_init(&lp->loop, &lp->cmd_async, loop_wake);
    lp->cmd_async.data = lp;
    lp->cmd_open = 1;
}

void loop_cmds_free(struct probe_loop *lp)
{
    if (!lp->threaded)
        return;
    if (lp->cmd_open) { /* its thread never ran, or never got CMD_CLOSE */
        lp->cmd_open = 0;
        uv_close((uv_handle_t *)&lp->cmd_async, NULL);
    }
    struct loop_cmd *c;
    while ((c = STAILQ_FIRST(&lp->cmds))) {
        STAILQ_REMOVE_HEAD(&lp->cmds, link);
        free(c);
    }
    uv_mutex_destroy(&lp->cmd_mu);
    lp->threaded = 0;
}

/* ------------------------------------------------------------------ threads */

static void loop_thread(void *arg)
{
    struct probe_loop *lp = arg;
    uv_run(&lp->loop, UV_RUN_DEFAULT); /* until CMD_CLOSE closed its handles */
    dns_client_free(lp->dns);
    lp->dns = NULL;
    uv_run(&lp->loop, UV_RUN_DEFAULT); /* let the DNS client's handles close */
}

int run_threads_start(struct scan_run *s, char *err, size_t errlen)
{
    uv_async_init(s->uvl, &s->msg_async, run_wake);
    s->msg_async.data = s;
    s->async_open = 1;
    /* The threads inherit the mask: SIGINT and SIGTERM stay the run's thread's. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int rc = 0;
    for (int i = 0; i < s->nloops && rc == 0; i++) {
        struct probe_loop *lp = s->lps[i];
        rc = uv_thread_create(&lp->thread, loop_thread, lp);
        if (rc == 0)
            lp->thread_started = 1;
        else
            snprintf(err, errlen, "cannot start a probe thread: %s", uv_strerror(rc));
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) { /* those started end at once */
        for (int i = 0; i < s->nloops; i++)
            if (s->lps[i]->thread_started)
                loop_send(s->lps[i], &(struct loop_cmd){.kind = CMD_CLOSE});
        run_threads_join(s);
        return -1;
    }
    return 0;
}

void run_threads_join(struct scan_run *s)
{
    for (int i = 0; i < s->nloops; i++) {
        struct probe_loop *lp = s->lps[i];
        if (lp->thread_started) {
            uv_thread_join(&lp->thread);
            lp->thread_started = 0;
        }
    }
}

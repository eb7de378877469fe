/* sched_loop: the loop side of the scheduler (sched_int.h struct probe_loop): the ready
 * queue, the per-address slots (at most per_ip connections; the address's one version probe),
 * the global and rate limits, 4xx retries after a back-off, the PTR lookups, the stop's drops
 * and aborts. It never writes a record: an endpoint with its verdict goes to the run as a
 * message (MSG_ENDPOINT), and so does a resolved domain (MSG_RESOLVED). */
#include "sched_int.h"

#include <arpa/inet.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "resolve/dns.h"

static struct probe *real_start(void *ctx, uv_loop_t *loop, const struct probe_params *p,
                                probe_cb cb, void *arg)
{
    return probe_start(ctx, loop, p, cb, arg);
}

/* ------------------------------------------------------------------ life */

int loop_share(int total, int n, int i)
{
    int part = total / n + (i < total % n);
    return part > 0 ? part : 1;
}

struct probe_loop *loop_new(const struct sched_opts *o, struct scan_run *run, int index,
                            int nloops, char *err, size_t errlen)
{
    struct probe_loop *lp = xcalloc(1, sizeof(*lp));
    lp->o = o;
    lp->run = run;
    lp->index = index;
    /* The run's limits divided among its loops (sched_int.h); --per-ip needs no division:
     * an address is one loop's. */
    lp->concurrency = loop_share(o->concurrency, nloops, index);
    lp->rate = o->rate / nloops;
    lp->clock = o->clock ? o->clock : &sched_clock_real;
    uv_loop_init(&lp->loop);
    hmap_init(&lp->ips);
    STAILQ_INIT(&lp->ready);
    if (nloops > 1)
        loop_cmds_init(lp); /* on a thread of its own: the run's commands come queued */
    if (infer_loop_init(&lp->inf, o) != 0) {
        snprintf(err, errlen, "no randomness for the spot checks (getrandom failed)");
        goto fail;
    }
    if (o->probe_iface) { /* a test's fake probe */
        lp->probe = *o->probe_iface;
    } else {
        char *perr = NULL;
        lp->pctx = probe_ctx_new(&perr);
        if (!lp->pctx) {
            snprintf(err, errlen, "TLS setup failed: %s", perr ? perr : "?");
            free(perr);
            goto fail;
        }
        lp->probe = (struct probe_iface){.start = real_start, .abort = probe_abort,
                                         .ctx = lp->pctx};
    }
    struct dns_opts dopts = {.timeout_ms = o->dns_timeout_ms, .retries = o->dns_retries,
                             .max_inflight = loop_share(o->dns_concurrency, nloops, index)};
    lp->dns = dns_client_new(&lp->loop, o->resolvers, o->nresolvers, &dopts);
    if (!lp->dns) {
        snprintf(err, errlen, "cannot set up the DNS client (no usable resolver address, or "
                              "no randomness for query IDs)");
        goto fail;
    }
    return lp;
fail:
    loop_free(lp);
    return NULL;
}

int loop_start(struct probe_loop *lp)
{
    const struct sched_opts *o = lp->o;
    struct resolve_opts ropts = {.want_aaaa = 1, .max_mx = o->max_mx, .max_addrs = o->max_addrs,
                                 .share_families = o->ipv6, .dnssec = o->policy,
                                 .tlsa_port = o->port};
    lp->res = resolver_new(&lp->loop, lp->dns, &ropts);
    if (!lp->res)
        return -1;
    sched_timer_init(&lp->loop, lp->clock, &lp->rate_timer);
    sched_timer_init(&lp->loop, lp->clock, &lp->stop_timer);
    return 0;
}

static void close_noop(uv_handle_t *h)
{
    (void)h;
}

void loop_close(struct probe_loop *lp)
{
    lp->closed = 1;
    if (lp->res)
        lp->dns_final = *resolver_stats(lp->res);
    resolver_free(lp->res); /* cancels lookups still in flight (stopping only) */
    lp->res = NULL;
    sts_loop_close(lp);     /* and the policy fetches (their domains: cancelled) */
    sched_timer_close(&lp->rate_timer, close_noop);
    sched_timer_close(&lp->stop_timer, close_noop);
}

void loop_free(struct probe_loop *lp)
{
    if (!lp)
        return;
    if (lp->res)
        resolver_free(lp->res);
    if (lp->dns)
        dns_client_free(lp->dns);
    loop_cmds_free(lp); /* closes cmd_async if its thread never did */
    uv_run(&lp->loop, UV_RUN_DEFAULT);
    if (lp->pctx)
        probe_ctx_free(lp->pctx);
    hmap_free(&lp->ips, sched_ip_slot_free);
    free(lp->eps);
    infer_loop_free(&lp->inf);
    if (uv_loop_close(&lp->loop) != 0)
        fprintf(stderr, "mxsurvey: internal: handles left open at exit\n");
    free(lp);
}

static struct loop_state loop_state_now(const struct probe_loop *lp)
{
    struct loop_state st = {.stopped = lp->stopping, .busy = lp->active_probes > 0,
                            .idle = lp->active_probes == 0 && STAILQ_EMPTY(&lp->ready) &&
                                    lp->backing_off == 0,
                            .active = lp->active_probes, .final = lp->final_told};
    if (lp->res) {
        const struct resolve_stats *rs = resolver_stats(lp->res);
        st.dns_answered = rs->answered;
        st.dns_failed_rcode = rs->failed_rcode;
        st.dns_failed_noreply = rs->failed_noreply;
    }
    return st;
}

void loop_post(struct probe_loop *lp, const struct run_msg *m)
{
    struct run_msg copy = *m;
    copy.from = lp->index;
    copy.st = lp->told = loop_state_now(lp);
    run_post(lp->run, &copy);
}

void loop_report(struct probe_loop *lp)
{
    struct loop_state st = loop_state_now(lp);
    if (st.busy != lp->told.busy || st.idle != lp->told.idle || st.stopped != lp->told.stopped ||
        st.final != lp->told.final)
        loop_post(lp, &(struct run_msg){.kind = MSG_LOOP});
}

/* ep->lp is lp already: the run set it before the hand-over (a version probe: its slot). */
static void own(struct probe_loop *lp, struct endpoint *ep)
{
    if (lp->neps == lp->capeps) {
        lp->capeps = lp->capeps ? lp->capeps * 2 : 64;
        lp->eps = xrealloc(lp->eps, lp->capeps * sizeof(*lp->eps));
    }
    lp->eps[lp->neps++] = ep;
}

/* ------------------------------------------------------------------ verdicts */

void endpoint_drop(struct endpoint *ep)
{
    /* The run stopped before ep had its verdict (its probe aborted, a retry or its address's
     * version probe never run, its PTR lookup cancelled): no record is written, and the
     * domains waiting for it never are either (they go to pending.txt). A record in
     * hosts.jsonl is always a verdict an uninterrupted run would have written too, which scan
     * --resume relies on. */
    ep->state = EP_DONE;
    ep->dropped = 1;
    probe_result_free(ep->res);
    ep->res = NULL;
}

/* ep's probe and PTR lookup are done: once its address's version probe has its answer, the
 * verdict goes to the run (every endpoint carries its address's tls_max). */
static void endpoint_ready(struct endpoint *ep)
{
    struct probe_loop *lp = ep->lp;
    if (!ep->probed_done || !ep->ptr_done || ep->state == EP_DONE)
        return;
    struct ip_slot *slot = hmap_get(&lp->ips, ep->ip);
    if (slot->vp_state == VP_DROPPED) {
        endpoint_drop(ep);
        return;
    }
    if (slot->vp_state == VP_PENDING) {
        if (!ep->vp_waiting) {
            ep->vp_waiting = 1;
            if (slot->nvpw == slot->capvpw) {
                slot->capvpw = slot->capvpw ? slot->capvpw * 2 : 4;
                slot->vp_waiters = xrealloc(slot->vp_waiters, slot->capvpw * sizeof(*slot->vp_waiters));
            }
            slot->vp_waiters[slot->nvpw++] = ep;
        }
        return;
    }
    ep->state = EP_DONE; /* the loop is done with it: res, ptr, inferred_from go to the run */
    struct run_msg m = {
        .kind = MSG_ENDPOINT, .ep = ep, .has_tm = slot->vp_state == VP_DONE,
        .tm = {.from = slot->vp_from, .kind = slot->vp_kind, .version = slot->vp_version,
               .cipher = slot->vp_cipher, .group = slot->vp_group, .error = slot->vp_error,
               .starttls_injection = slot->vp_injection},
    };
    loop_post(lp, &m);
}

/* ------------------------------------------------------------------ version probes */

static void enqueue(struct probe_loop *lp, struct endpoint *ep);

/* The endpoints waiting for the address's version probe, handed each to `each` (endpoint_ready
 * when the probe answered, endpoint_drop when the run stopped first); the list is emptied
 * before, so `each` may not see it. */
static void vp_release_waiters(struct ip_slot *slot, void (*each)(struct endpoint *))
{
    struct endpoint **w = slot->vp_waiters;
    size_t n = slot->nvpw;
    slot->vp_waiters = NULL;
    slot->nvpw = slot->capvpw = 0;
    for (size_t i = 0; i < n; i++) {
        w[i]->vp_waiting = 0;
        each(w[i]);
    }
    free(w);
}

/* The address's version probe has its answer (or failed, or was never run because the run
 * stopped): keep what it learnt for the run, and pass on the endpoints that waited for it. */
static void vp_finish(struct ip_slot *slot, struct endpoint *vp, const char *why_not)
{
    const struct probe_result *r = vp->res;
    slot->vp_state = VP_DONE;
    slot->vp_ep = NULL;
    vp->state = EP_DONE;
    if (why_not) {
        slot->vp_error = xstrdup(why_not);
    } else {
        slot->vp_from = xstrdup(vp->mx_host);
        slot->vp_kind = r->vp_kind;
        slot->vp_version = r->vp_version;
        slot->vp_cipher = r->vp_cipher;
        slot->vp_group = r->vp_group;
        slot->vp_injection = r->starttls_injection;
        if (r->status != PROBE_OK) {
            size_t n = strlen(probe_status_str(r->status)) + (r->error ? strlen(r->error) : 0) + 3;
            slot->vp_error = xmalloc(n);
            snprintf(slot->vp_error, n, "%s%s%s", probe_status_str(r->status), r->error ? ": " : "",
                     r->error ? r->error : "");
        }
    }
    probe_result_free(vp->res);
    vp->res = NULL;
    vp_release_waiters(slot, endpoint_ready);
}

/* The run stopped before the address's version probe gave its answer: the endpoints waiting
 * for it, and those of the address still to finish, are dropped (endpoint_drop). */
static void vp_drop(struct ip_slot *slot)
{
    slot->vp_state = VP_DROPPED;
    if (slot->vp_ep) {
        endpoint_drop(slot->vp_ep);
        slot->vp_ep = NULL;
    }
    vp_release_waiters(slot, endpoint_drop);
}

/* The first endpoint of an address to finish decides its version probe: run it, with that
 * endpoint's name as SNI, when the server got as far as TLS (STARTTLS answered 220); else there
 * is no TLS to ask about at this address, and no connection is spent on it (a silent or dead
 * address costs no second timeout). Either way the decision is the address's, so every
 * endpoint of it carries the same tls_max. */
static void vp_decide(struct ip_slot *slot, const struct endpoint *first)
{
    struct endpoint *vp = slot->vp_ep;
    slot->vp_queued = 1;
    if (first->res->tls_started) {
        free(vp->mx_host);
        vp->mx_host = xstrdup(first->mx_host);
        enqueue(first->lp, vp);
        return;
    }
    const char *status = probe_status_str(first->res->status);
    size_t n = strlen(first->mx_host) + strlen(status) + 80;
    char *why = xmalloc(n);
    snprintf(why, n, "not probed: the session with %s did not reach TLS (%s)", first->mx_host,
             status);
    vp_finish(slot, vp, why);
    free(why);
}

/* A probe (endpoint or version probe) has its final result. */
static void probe_finished(struct endpoint *ep)
{
    struct ip_slot *slot = hmap_get(&ep->lp->ips, ep->ip);
    ep->probed_done = 1;
    if (ep->version_probe) {
        if (slot->vp_state == VP_PENDING)
            vp_finish(slot, ep, NULL);
        return;
    }
    if (slot->vp_state == VP_PENDING && !slot->vp_queued)
        vp_decide(slot, ep);
    infer_probed(ep->lp, slot, ep); /* before the verdict goes on: the run frees ep->res */
    endpoint_ready(ep);
}

void loop_probed(struct endpoint *ep)
{
    struct ip_slot *slot = hmap_get(&ep->lp->ips, ep->ip);
    ep->probed_done = 1;
    if (slot->vp_state == VP_PENDING && !slot->vp_queued)
        vp_decide(slot, ep);
    endpoint_ready(ep);
}

/* ------------------------------------------------------------------ endpoints */

static void enqueue(struct probe_loop *lp, struct endpoint *ep)
{
    ep->state = EP_QUEUED;
    STAILQ_INSERT_TAIL(&lp->ready, ep, link);
}

void loop_enqueue(struct probe_loop *lp, struct endpoint *ep)
{
    enqueue(lp, ep);
}

/* The address's parked endpoints go to the front of the ready queue, as many as it may start
 * now (infer_cap), or all of them when it is down (they take its result without connecting). */
static void unpark(struct probe_loop *lp, struct ip_slot *slot)
{
    int room = slot->inf.phase == INF_DOWN ? INT_MAX : infer_cap(slot, lp->o->per_ip) - slot->active;
    STAILQ_HEAD(, endpoint) take = STAILQ_HEAD_INITIALIZER(take);
    struct endpoint *ep;
    while (room-- > 0 && (ep = STAILQ_FIRST(&slot->waiting))) {
        STAILQ_REMOVE_HEAD(&slot->waiting, link);
        STAILQ_INSERT_TAIL(&take, ep, link);
    }
    STAILQ_CONCAT(&take, &lp->ready);
    STAILQ_CONCAT(&lp->ready, &take);
}

static void on_ptr(void *arg, struct resolve_ptr_result *pr)
{
    struct endpoint *ep = arg;
    struct probe_loop *lp = ep->lp;
    if (pr->status == RESOLVE_CANCELLED) { /* the run is closing: no PTR, no verdict */
        resolve_ptr_result_free(pr);
        ep->ptr_done = 1;
        if (ep->state != EP_DONE)
            endpoint_drop(ep);
        return;
    }
    if (pr->status == RESOLVE_OK)
        ep->ptr = xstrdup(pr->name);
    ep->ptr_status = resolve_status_str(pr->status); /* ok, nxdomain, nodata, dns-error */
    resolve_ptr_result_free(pr);
    ep->ptr_done = 1;
    endpoint_ready(ep);
    loop_post(lp, &(struct run_msg){.kind = MSG_DNS});
}

struct ip_slot *loop_ip_slot(struct probe_loop *lp, const char *ip)
{
    struct ip_slot *slot = hmap_get(&lp->ips, ip);
    if (!slot) {
        slot = xcalloc(1, sizeof(*slot));
        STAILQ_INIT(&slot->waiting);
        infer_addr_init(&slot->inf);
        hmap_put(&lp->ips, ip, slot);
    }
    return slot;
}

void loop_add_endpoint(struct probe_loop *lp, struct endpoint *ep)
{
    own(lp, ep);
    if (resolve_ptr(lp->res, ep->ip, on_ptr, ep) < 0) {
        ep->ptr_done = 1;
        ep->ptr_status = resolve_status_str(RESOLVE_DNS_ERROR);
    }
    struct ip_slot *slot = loop_ip_slot(lp, ep->ip);
    if (lp->o->version_probe && slot->vp_state == VP_OFF) {
        /* The address's version probe: queued once the address's first endpoint has
         * finished (vp_decide), under the same per-address limit; owned by the slot. */
        struct endpoint *vp = xcalloc(1, sizeof(*vp));
        vp->run = ep->run;
        vp->lp = lp;
        vp->mx_host = xstrdup(ep->mx_host);
        vp->ip = xstrdup(ep->ip);
        vp->version_probe = 1;
        vp->ptr_done = 1;
        own(lp, vp);
        slot->vp_own = vp;
        slot->vp_state = VP_PENDING;
        slot->vp_ep = vp;
    }
    infer_admit(lp, slot, ep); /* queued, held, or its address's result at once */
}

static void transcript_cb(void *arg, char dir, const char *line)
{
    struct endpoint *ep = arg;
    const struct sched_opts *o = ep->lp->o;
    char host[1100];
    snprintf(host, sizeof(host), "%s%s", ep->mx_host, ep->version_probe ? " (version probe)" : "");
    o->transcript(o->hook_arg, host, ep->ip, dir, line);
}

static void on_probe(void *arg, struct probe_result *res);

/* The local address a probe of ip binds to (--source-ip, --source-ip6), or NULL. An
 * IPv4-mapped ip (::ffff:a.b.c.d, allowed only when its IPv4 address is) is an IPv4
 * connection from an IPv6 socket: it leaves from --source-ip, as ::ffff:SOURCE (in *buf). */
static const struct sockaddr *probe_source(const struct sched_opts *o, const char *ip,
                                           struct sockaddr_in6 *buf)
{
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&o->source_ip;
    struct in6_addr a;
    if (!strchr(ip, ':'))
        return v4->sin_family == AF_INET ? (const struct sockaddr *)v4 : NULL;
    if (inet_pton(AF_INET6, ip, &a) != 1 || !IN6_IS_ADDR_V4MAPPED(&a))
        return o->source_ip6.ss_family == AF_INET6 ? (const struct sockaddr *)&o->source_ip6 : NULL;
    if (v4->sin_family != AF_INET)
        return NULL;
    memset(buf, 0, sizeof(*buf));
    buf->sin6_family = AF_INET6;
    buf->sin6_addr.s6_addr[10] = buf->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&buf->sin6_addr.s6_addr[12], &v4->sin_addr, 4);
    return (const struct sockaddr *)buf;
}

static void start_probe(struct probe_loop *lp, struct endpoint *ep)
{
    const struct sched_opts *o = lp->o;
    struct sockaddr_in6 mapped;
    struct probe_params p = {
        .mx_host = ep->mx_host, .ip = ep->ip, .port = o->port, .ehlo_name = o->ehlo,
        .source = probe_source(o, ep->ip, &mapped),
        .timeout_ms = o->timeout_ms, .stop_after_certificate = o->stop_after_certificate,
        .version_probe = ep->version_probe,
        .transcript = o->transcript ? transcript_cb : NULL, .transcript_arg = ep,
    };
    ep->state = EP_PROBING;
    ep->attempts++;
    lp->c.probes++;
    lp->c.version_probes += ep->version_probe;
    lp->active_probes++;
    struct ip_slot *slot = hmap_get(&lp->ips, ep->ip);
    slot->active++;
    ep->probe = lp->probe.start(lp->probe.ctx, &lp->loop, &p, on_probe, ep);
}

static void backoff_closed(uv_handle_t *h)
{
    free(container_of((uv_timer_t *)h, struct backoff, timer.uv));
}

static void backoff_fire(struct sched_timer *t)
{
    struct backoff *b = container_of(t, struct backoff, timer);
    struct endpoint *ep = b->ep;
    ep->backoff = NULL;
    ep->lp->backing_off--;
    sched_timer_close(t, backoff_closed);
    enqueue(ep->lp, ep);
    loop_dispatch(ep->lp);
}

static void on_probe(void *arg, struct probe_result *res)
{
    struct endpoint *ep = arg;
    struct probe_loop *lp = ep->lp;
    ep->probe = NULL;
    lp->active_probes--;
    struct ip_slot *slot = hmap_get(&lp->ips, ep->ip);
    slot->active--;
    probe_result_free(ep->res);
    ep->res = res;
    int retry_due = res->temporary && ep->attempts <= lp->o->retries;
    if (ep->aborting || (retry_due && lp->stopping)) {
        /* Not a verdict: the stop cut the probe short, or its retry will not run. */
        ep->probed_done = 1;
        if (ep->version_probe) {
            if (slot->vp_state == VP_PENDING)
                vp_drop(slot);
        } else {
            endpoint_drop(ep);
        }
    } else if (retry_due) {
        /* A 4xx (421 is how busy providers rate-limit): try again after a back-off. */
        lp->c.retries++;
        ep->state = EP_BACKOFF;
        ep->backoff = xcalloc(1, sizeof(*ep->backoff));
        ep->backoff->ep = ep;
        lp->backing_off++;
        sched_timer_init(&lp->loop, lp->clock, &ep->backoff->timer);
        uint64_t delay = (uint64_t)lp->o->retry_delay_ms << (ep->attempts - 1);
        sched_timer_start(&ep->backoff->timer, backoff_fire, delay);
    } else {
        probe_finished(ep);
    }
    unpark(lp, slot); /* this address's next endpoints go first */
    loop_dispatch(lp);
    loop_report(lp);
}

static void rate_fire(struct sched_timer *t)
{
    loop_dispatch(container_of(t, struct probe_loop, rate_timer));
}

void loop_dispatch(struct probe_loop *lp)
{
    const struct sched_opts *o = lp->o;
    while (!STAILQ_EMPTY(&lp->ready) && lp->active_probes < lp->concurrency && !lp->stopping) {
        double now = (double)sched_clock_now(lp->clock, &lp->loop);
        if (lp->rate > 0 && now < lp->next_conn_ms) {
            if (!sched_timer_active(&lp->rate_timer))
                sched_timer_start(&lp->rate_timer, rate_fire, (uint64_t)ceil(lp->next_conn_ms - now));
            return;
        }
        struct endpoint *ep = STAILQ_FIRST(&lp->ready);
        STAILQ_REMOVE_HEAD(&lp->ready, link);
        struct ip_slot *slot = hmap_get(&lp->ips, ep->ip);
        if (infer_skip(lp, slot, ep)) { /* its address is down: no connection */
            unpark(lp, slot);
            continue;
        }
        if (slot->active >= infer_cap(slot, o->per_ip)) { /* park it behind this address */
            STAILQ_INSERT_TAIL(&slot->waiting, ep, link);
            continue;
        }
        if (lp->rate > 0)
            lp->next_conn_ms = (now > lp->next_conn_ms ? now : lp->next_conn_ms) + 1000.0 / lp->rate;
        start_probe(lp, ep);
    }
    loop_report(lp);
}

/* ------------------------------------------------------------------ domains */

static void on_resolved(void *arg, struct resolve_result *rr)
{
    struct domain_job *j = arg;
    sts_resolved(j->lp, j, rr); /* its MTA-STS policy first (sts_fetch.c), then the run */
}

int loop_resolve_domain(struct probe_loop *lp, struct domain_job *job, const char *name)
{
    return resolve_domain(lp->res, name, on_resolved, job);
}

/* ------------------------------------------------------------------ stop */

void loop_abort_all(struct probe_loop *lp)
{
    /* Probes still running after the grace period are aborted: their records say so. */
    for (size_t i = 0; i < lp->neps; i++) {
        struct endpoint *ep = lp->eps[i];
        if (ep->state == EP_PROBING && ep->probe && !ep->aborting) {
            ep->aborting = 1; /* its result is no verdict: not written */
            lp->probe.abort(ep->probe);
        }
    }
}

static void stop_fire(struct sched_timer *t)
{
    loop_abort_all(container_of(t, struct probe_loop, stop_timer));
}

void loop_stop(struct probe_loop *lp)
{
    lp->stopping = 1;
    /* Endpoints never started (queued, parked behind an address, backing off: their retry
     * will not run) are not reported; neither are the domains waiting on them. */
    STAILQ_INIT(&lp->ready);
    for (size_t i = 0; i < lp->neps; i++) {
        struct endpoint *ep = lp->eps[i];
        if (ep->state == EP_BACKOFF && ep->backoff) {
            sched_timer_close(&ep->backoff->timer, backoff_closed);
            ep->backoff = NULL;
            lp->backing_off--;
            if (ep->version_probe) {
                struct ip_slot *slot = hmap_get(&lp->ips, ep->ip);
                if (slot->vp_state == VP_PENDING)
                    vp_drop(slot);
            } else {
                endpoint_drop(ep);
            }
        }
    }
    /* Version probes that never started will not run; their addresses' endpoints are not
     * written (endpoint_drop): without tls_max they would not be the records an
     * uninterrupted run writes. */
    struct hmap *m = &lp->ips;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct hmap_entry *e = m->buckets[i]; e; e = e->next) {
            struct ip_slot *slot = e->val;
            if (slot->vp_state == VP_PENDING && slot->vp_ep->state == EP_QUEUED)
                vp_drop(slot);
        }
    /* Dropping may already have let everything finish (and the timers close). */
    if (!lp->closed)
        sched_timer_start(&lp->stop_timer, stop_fire, SCHED_STOP_GRACE_MS);
    loop_report(lp); /* stopped: the run waits for every loop's */
}

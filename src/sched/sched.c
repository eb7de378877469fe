/* sched: the join (see sched.h, sched_int.h): outputs, domains, endpoints and their version
 * probes, input. The run's life (loop, signals, progress, finish) is in sched_run.c. */
#include "sched_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classify/classify.h"
#include "input/lineset.h"
#include "report/record.h"
#include "core/util.h"

/* ------------------------------------------------------------------ outputs */

/* A write failed: rc is -errno (or any negative number when the reason is unknown). */
void sched_output_failed(struct sched_counts *c, int rc)
{
    c->output_error = 1;
    if (!c->output_errno && rc < -1)
        c->output_errno = -rc;
}

static void emit_endpoint(struct sched *s, json_t *rec)
{
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        int rc = ops->endpoint ? ops->endpoint(s->out_state[i], rec) : 0;
        if (rc < 0)
            sched_write_failed(s, rc);
    }
}

static void emit_domain(struct sched *s, json_t *rec)
{
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        int rc = ops->domain ? ops->domain(s->out_state[i], rec) : 0;
        if (rc < 0)
            sched_write_failed(s, rc);
    }
}

/* The outputs that keep certificate chains (output.h chain) take res's; returns the file the
 * record names (caller frees), or NULL. */
static char *emit_chain(struct sched *s, const struct probe_result *res)
{
    char *named = NULL;
    if (!res->chain_len)
        return NULL;
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        char rel[256];
        if (!ops->chain)
            continue;
        int rc = ops->chain(s->out_state[i], res, rel, sizeof(rel));
        if (rc < 0) {
            sched_write_failed(s, rc);
            continue;
        }
        if (!named && rel[0])
            named = xstrdup(rel);
    }
    if (named)
        hmap_put(&s->chains_named, named, (void *)1);
    return named;
}

/* ------------------------------------------------------------------ domains */

/* Unlinks and frees a domain job (written, cancelled, or left waiting by a stop). */
void sched_job_free(struct domain_job *j)
{
    struct sched *s = j->s;
    if (j->prev)
        j->prev->next = j->next;
    else
        s->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    resolve_result_free(j->rr);
    free(j->eps);
    free(j->domain);
    free(j);
}

static void domain_done(struct domain_job *j)
{
    struct sched *s = j->s;
    size_t n = j->neps ? j->neps : 1;
    struct domain_ep_ref *refs = xcalloc(n, sizeof(*refs));
    struct assess_domain_ep *aeps = xcalloc(n, sizeof(*aeps));
    /* j->eps is in preference order: lowest MX preference, then the address order. */
    for (size_t i = 0; i < j->neps; i++) {
        const struct endpoint *ep = j->eps[i];
        refs[i].mx_host = ep->mx_host;
        refs[i].ip = ep->ip;
        refs[i].status = probe_status_str(ep->final_status);
        aeps[i] = (struct assess_domain_ep){.status = refs[i].status, .names = &ep->names};
    }
    const char *status = resolve_status_str(j->rr->status);
    struct assess_domain ad;
    assess_domain(s->psl, j->domain, status, j->rr->nmx > 0 ? j->rr->mx[0].host : NULL, aeps,
                  j->neps, &ad);
    struct domain_rec r = {
        .line = j->line, .domain = j->domain, .status = status,
        .error = j->rr->error, .rr = j->rr, .ipv6 = s->o->ipv6, .eps = refs, .neps = j->neps,
        .pattern = classify_pattern_str(ad.cd.pattern), .provider = ad.provider,
        .consistent = ad.cd.consistent, .match_domain = ad.match_domain,
        .primary = ad.cd.primary >= 0 ? &refs[ad.cd.primary] : NULL,
    };
    json_t *rec = record_domain_json(&r);
    emit_domain(s, rec);
    json_decref(rec);
    assess_domain_clear(&ad);
    free(aeps);
    free(refs);
    s->c->domains_done++;
    s->inflight_domains--;
    sched_job_free(j);
    sched_fill(s);
    sched_maybe_finish(s);
}

/* The run stopped before ep had its verdict (its probe aborted, a retry or its address's
 * version probe never run, its PTR lookup cancelled): no record is written, and the domains
 * waiting for it never are either (they go to pending.txt). A record in hosts.jsonl is always
 * a verdict an uninterrupted run would have written too, which scan --resume relies on. */
static void endpoint_drop(struct endpoint *ep)
{
    ep->state = EP_DONE;
    ep->dropped = 1;
    probe_result_free(ep->res);
    ep->res = NULL;
}

static void endpoint_done(struct endpoint *ep)
{
    struct sched *s = ep->s;
    if (!ep->probed_done || !ep->ptr_done || ep->state == EP_DONE)
        return;
    struct ip_slot *slot = hmap_get(&s->ips, ep->ip);
    if (slot->vp_state == VP_DROPPED) {
        endpoint_drop(ep);
        return;
    }
    if (slot->vp_state == VP_PENDING) { /* every endpoint carries its address's tls_max */
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
    ep->state = EP_DONE;
    struct tls_max_rec tm = {
        .from = slot->vp_from, .kind = slot->vp_kind, .version = slot->vp_version,
        .cipher = slot->vp_cipher, .group = slot->vp_group, .error = slot->vp_error,
        .starttls_injection = slot->vp_injection,
    };
    char *chain = emit_chain(s, ep->res);
    struct assess_endpoint as;
    assess_endpoint(s->psl, s->trust, ep->mx_host, ep->ptr, ep->first_domain, ep->res, &as);
    struct endpoint_rec r = {
        .mx_host = ep->mx_host, .ip = ep->ip, .port = s->o->port, .ptr = ep->ptr,
        .ptr_status = ep->ptr_status, .attempts = ep->attempts, .first_domain = ep->first_domain,
        .res = ep->res, .chain_file = chain, .as = &as,
        .tls_max = slot->vp_state == VP_DONE ? &tm : NULL,
    };
    json_t *rec = record_endpoint_json(&r);
    emit_endpoint(s, rec);
    json_decref(rec);
    free(chain);
    ep->names = as.keep; /* the certificate's names and verdicts stay for later domains */
    assess_endpoint_clear(&as);
    ep->final_status = ep->res->status;
    /* Later domains only need the key and the status: drop the rest now. */
    probe_result_free(ep->res);
    ep->res = NULL;
    free(ep->ptr);
    ep->ptr = NULL;
    free(ep->first_domain);
    ep->first_domain = NULL;
    s->c->endpoints_done++;
    struct domain_job **w = ep->waiters;
    size_t n = ep->nwait;
    ep->waiters = NULL;
    ep->nwait = ep->capwait = 0;
    for (size_t i = 0; i < n; i++)
        if (--w[i]->pending == 0)
            domain_done(w[i]);
    free(w);
}

static void ep_wait(struct endpoint *ep, struct domain_job *j)
{
    if (ep->nwait == ep->capwait) {
        ep->capwait = ep->capwait ? ep->capwait * 2 : 4;
        ep->waiters = xrealloc(ep->waiters, ep->capwait * sizeof(*ep->waiters));
    }
    ep->waiters[ep->nwait++] = j;
    j->pending++;
}

/* ------------------------------------------------------------------ version probes */

static void enqueue(struct sched *s, struct endpoint *ep);

/* The address's version probe has its answer (or failed, or was never run because the run
 * stopped): keep what it learnt for the run, and write the records that waited for it. */
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
    struct endpoint **w = slot->vp_waiters;
    size_t n = slot->nvpw;
    slot->vp_waiters = NULL;
    slot->nvpw = slot->capvpw = 0;
    for (size_t i = 0; i < n; i++) {
        w[i]->vp_waiting = 0;
        endpoint_done(w[i]);
    }
    free(w);
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
    struct endpoint **w = slot->vp_waiters;
    size_t n = slot->nvpw;
    slot->vp_waiters = NULL;
    slot->nvpw = slot->capvpw = 0;
    for (size_t i = 0; i < n; i++) {
        w[i]->vp_waiting = 0;
        endpoint_drop(w[i]);
    }
    free(w);
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
        enqueue(first->s, vp);
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
    struct ip_slot *slot = hmap_get(&ep->s->ips, ep->ip);
    ep->probed_done = 1;
    if (ep->version_probe) {
        if (slot->vp_state == VP_PENDING)
            vp_finish(slot, ep, NULL);
        return;
    }
    if (slot->vp_state == VP_PENDING && !slot->vp_queued)
        vp_decide(slot, ep);
    endpoint_done(ep);
}

/* On a stop: version probes that never started will not run; their addresses' endpoints
 * are not written (endpoint_drop): without tls_max they would not be the records an
 * uninterrupted run writes. */
void sched_vp_drop_unstarted(struct sched *s)
{
    struct hmap *m = &s->ips;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct hmap_entry *e = m->buckets[i]; e; e = e->next) {
            struct ip_slot *slot = e->val;
            if (slot->vp_state == VP_PENDING && slot->vp_ep->state == EP_QUEUED)
                vp_drop(slot);
        }
}

/* ------------------------------------------------------------------ endpoints */

static void enqueue(struct sched *s, struct endpoint *ep)
{
    ep->state = EP_QUEUED;
    ep->next = NULL;
    if (s->ready_tail)
        s->ready_tail->next = ep;
    else
        s->ready_head = ep;
    s->ready_tail = ep;
}

static void on_ptr(void *arg, struct resolve_ptr_result *pr)
{
    struct endpoint *ep = arg;
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
    struct sched *s = ep->s;
    endpoint_done(ep);
    sched_dns_watch(s);
}

struct ip_slot *sched_ip_slot(struct sched *s, const char *ip)
{
    struct ip_slot *slot = hmap_get(&s->ips, ip);
    if (!slot) {
        slot = xcalloc(1, sizeof(*slot));
        hmap_put(&s->ips, ip, slot);
    }
    return slot;
}

static struct endpoint *endpoint_new(struct sched *s, const char *host, const char *ip)
{
    struct endpoint *ep = xcalloc(1, sizeof(*ep));
    ep->s = s;
    ep->mx_host = xstrdup(host);
    ep->ip = xstrdup(ip);
    return ep;
}

/* An address the blocklist refuses: the record says so at once, and nothing is sent to it or
 * asked about it (no connection, no PTR query, no version probe: its slot never gets one). */
static void endpoint_blocked(struct sched *s, struct endpoint *ep, const struct blocklist_verdict *v)
{
    char why[4600];
    size_t n = (size_t)snprintf(why, sizeof(why), "blocked: ");
    blocklist_reason(v, why + n, sizeof(why) - n);
    ep->res = xcalloc(1, sizeof(*ep->res));
    ep->res->status = PROBE_BLOCKED;
    ep->res->error = xstrdup(why);
    ep->res->tls_alert = -1;
    ep->ptr_status = "blocked";
    ep->ptr_done = ep->probed_done = 1;
    sched_ip_slot(s, ep->ip);
    s->c->blocked++;
    endpoint_done(ep);
}

/* The endpoint table's key of (host, ip): "host|ip", whole, never cut (a host name in
 * presentation form can pass 1000 octets: \DDD). Caller frees. */
static char *endpoint_key(const char *host, const char *ip)
{
    size_t klen = strlen(host) + strlen(ip) + 2;
    char *key = xmalloc(klen);
    snprintf(key, klen, "%s|%s", host, ip);
    return key;
}

struct endpoint *sched_endpoint_add(struct sched *s, const char *host, const char *ip)
{
    struct endpoint *ep = endpoint_new(s, host, ip);
    char *key = endpoint_key(host, ip);
    hmap_put(&s->endpoints, key, ep);
    free(key);
    return ep;
}

static struct endpoint *endpoint_get(struct sched *s, const char *host, const char *ip,
                                     const char *domain, unsigned long line)
{
    char *key = endpoint_key(host, ip);
    struct endpoint *ep = hmap_get(&s->endpoints, key);
    free(key);
    if (ep) {
        /* Domains resolve out of order: until the record is out, keep the one that comes
         * first in the input. */
        if (ep->state != EP_DONE && line < ep->first_line) {
            free(ep->first_domain);
            ep->first_domain = xstrdup(domain);
            ep->first_line = line;
        }
        return ep;
    }
    ep = sched_endpoint_add(s, host, ip);
    ep->first_domain = xstrdup(domain);
    ep->first_line = line;
    s->c->endpoints++;
    struct blocklist_verdict v;
    if (blocklist_check(s->o->blocklist, ip, &v) != 0) {
        endpoint_blocked(s, ep, &v);
        return ep;
    }
    if (resolve_ptr(s->res, ip, on_ptr, ep) < 0) {
        ep->ptr_done = 1;
        ep->ptr_status = resolve_status_str(RESOLVE_DNS_ERROR);
    }
    enqueue(s, ep);
    struct ip_slot *slot = sched_ip_slot(s, ip);
    if (s->o->version_probe && slot->vp_state == VP_OFF) {
        /* The address's version probe: queued once the address's first endpoint has
         * finished (vp_decide), under the same per-address limit. Key "|ip": no host name is
         * empty, so it never meets an endpoint's key. */
        struct endpoint *vp = endpoint_new(s, host, ip);
        vp->version_probe = 1;
        vp->ptr_done = 1;
        size_t vlen = strlen(ip) + 2;
        char *vkey = xmalloc(vlen);
        snprintf(vkey, vlen, "|%s", ip);
        hmap_put(&s->endpoints, vkey, vp);
        free(vkey);
        slot->vp_state = VP_PENDING;
        slot->vp_ep = vp;
    }
    return ep;
}

static void transcript_cb(void *arg, char dir, const char *line)
{
    struct endpoint *ep = arg;
    char host[1100];
    snprintf(host, sizeof(host), "%s%s", ep->mx_host, ep->version_probe ? " (version probe)" : "");
    ep->s->o->transcript(ep->s->o->hook_arg, host, ep->ip, dir, line);
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

static void start_probe(struct sched *s, struct endpoint *ep)
{
    struct sockaddr_in6 mapped;
    struct probe_params p = {
        .mx_host = ep->mx_host, .ip = ep->ip, .port = s->o->port, .ehlo_name = s->o->ehlo,
        .source = probe_source(s->o, ep->ip, &mapped),
        .timeout_ms = s->o->timeout_ms, .stop_after_certificate = s->o->stop_after_certificate,
        .version_probe = ep->version_probe,
        .transcript = s->o->transcript ? transcript_cb : NULL, .transcript_arg = ep,
    };
    ep->state = EP_PROBING;
    ep->attempts++;
    s->c->probes++;
    s->c->version_probes += ep->version_probe;
    s->active_probes++;
    struct ip_slot *slot = hmap_get(&s->ips, ep->ip);
    slot->active++;
    ep->probe = probe_start(s->pctx, &s->loop, &p, on_probe, ep);
}

static void backoff_closed(uv_handle_t *h)
{
    free(container_of((uv_timer_t *)h, struct backoff, timer));
}

static void backoff_fire(uv_timer_t *t)
{
    struct backoff *b = container_of(t, struct backoff, timer);
    struct endpoint *ep = b->ep;
    ep->backoff = NULL;
    uv_close((uv_handle_t *)t, backoff_closed);
    enqueue(ep->s, ep);
    sched_dispatch(ep->s);
}

static void on_probe(void *arg, struct probe_result *res)
{
    struct endpoint *ep = arg;
    struct sched *s = ep->s;
    ep->probe = NULL;
    s->active_probes--;
    struct ip_slot *slot = hmap_get(&s->ips, ep->ip);
    slot->active--;
    if (slot->head) { /* this address's next endpoint goes first */
        struct endpoint *next = slot->head;
        slot->head = next->next;
        if (!slot->head)
            slot->tail = NULL;
        next->next = s->ready_head;
        s->ready_head = next;
        if (!s->ready_tail)
            s->ready_tail = next;
    }
    probe_result_free(ep->res);
    ep->res = res;
    int retry_due = res->temporary && ep->attempts <= s->o->retries;
    if (ep->aborting || (retry_due && s->stopping)) {
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
        s->c->retries++;
        ep->state = EP_BACKOFF;
        ep->backoff = xcalloc(1, sizeof(*ep->backoff));
        ep->backoff->ep = ep;
        uv_timer_init(&s->loop, &ep->backoff->timer);
        uint64_t delay = (uint64_t)s->o->retry_delay_ms << (ep->attempts - 1);
        uv_timer_start(&ep->backoff->timer, backoff_fire, delay, 0);
    } else {
        probe_finished(ep);
    }
    sched_dispatch(s);
    sched_maybe_finish(s);
}

static void rate_fire(uv_timer_t *t)
{
    sched_dispatch(container_of(t, struct sched, rate_timer));
}

void sched_dispatch(struct sched *s)
{
    while (s->ready_head && s->active_probes < s->o->concurrency && !s->stopping) {
        double now = (double)uv_now(&s->loop);
        if (s->o->rate > 0 && now < s->next_conn_ms) {
            if (!uv_is_active((uv_handle_t *)&s->rate_timer))
                uv_timer_start(&s->rate_timer, rate_fire, (uint64_t)ceil(s->next_conn_ms - now), 0);
            return;
        }
        struct endpoint *ep = s->ready_head;
        s->ready_head = ep->next;
        if (!s->ready_head)
            s->ready_tail = NULL;
        ep->next = NULL;
        struct ip_slot *slot = hmap_get(&s->ips, ep->ip);
        if (slot->active >= s->o->per_ip) { /* park it behind this address */
            if (slot->tail)
                slot->tail->next = ep;
            else
                slot->head = ep;
            slot->tail = ep;
            continue;
        }
        if (s->o->rate > 0)
            s->next_conn_ms = (now > s->next_conn_ms ? now : s->next_conn_ms) + 1000.0 / s->o->rate;
        start_probe(s, ep);
    }
}

/* ------------------------------------------------------------------ input */

static void on_resolved(void *arg, struct resolve_result *rr)
{
    struct domain_job *j = arg;
    struct sched *s = j->s;
    j->rr = rr;
    if (rr->status == RESOLVE_CANCELLED) { /* shutting down: this domain is not reported */
        sched_job_free(j);
        s->inflight_domains--;
        return;
    }
    size_t n = 0;
    for (int i = 0; i < rr->nmx; i++)
        n += (size_t)rr->mx[i].nips;
    j->eps = xcalloc(n ? n : 1, sizeof(*j->eps));
    for (int i = 0; i < rr->nmx; i++) {
        const struct resolve_mx *m = &rr->mx[i];
        for (int k = 0; k < m->nips; k++) {
            if (strchr(m->ips[k], ':') && !s->o->ipv6)
                continue; /* listed in the MX entry, probed only with --ipv6 */
            struct endpoint *ep = endpoint_get(s, m->host, m->ips[k], j->domain, j->line);
            int dup = 0;
            for (size_t x = 0; x < j->neps; x++)
                dup |= j->eps[x] == ep;
            if (dup)
                continue;
            j->eps[j->neps++] = ep;
            if (ep->state != EP_DONE)
                ep_wait(ep, j);
        }
    }
    sched_dispatch(s);
    if (j->pending == 0)
        domain_done(j);
    sched_dns_watch(s);
}

static void invalid_line(struct sched *s, const struct input_line *l)
{
    /* The raw octets, NUL included, go to the record as they are (domain_len): the text
     * notation writes a NUL as \x00 and invalid UTF-8 as \xHH, so the line decodes back. */
    struct resolve_result none = {.status = RESOLVE_DNS_ERROR};
    struct assess_domain ad;
    assess_domain(s->psl, l->raw, "invalid", NULL, NULL, 0, &ad);
    struct domain_rec r = {.line = l->lineno, .domain = l->raw,
                           .domain_len = l->raw_len, .status = "invalid", .error = l->why,
                           .rr = &none, .pattern = classify_pattern_str(ad.cd.pattern),
                           .consistent = ad.cd.consistent};
    json_t *rec = record_domain_json(&r);
    assess_domain_clear(&ad);
    emit_domain(s, rec);
    json_decref(rec);
    s->c->invalid++;
    s->c->domains_done++;
}

static void start_domain(struct sched *s, unsigned long line, const char *name)
{
    struct domain_job *j = xcalloc(1, sizeof(*j));
    j->s = s;
    j->line = line;
    j->domain = xstrdup(name);
    j->next = s->jobs;
    if (s->jobs)
        s->jobs->prev = j;
    s->jobs = j;
    s->inflight_domains++;
    if (resolve_domain(s->res, name, on_resolved, j) < 0) {
        s->inflight_domains--;
        sched_job_free(j);
    }
}

void sched_fill(struct sched *s)
{
    while (!s->eof && !s->stopping && s->inflight_domains < (unsigned long)s->o->max_domains) {
        if (s->one_domain) {
            char name[INPUT_NAME_MAX + 1];
            const char *why = NULL;
            struct input_line l = {.lineno = 1, .raw = s->one_domain, .raw_len = strlen(s->one_domain)};
            s->eof = 1;
            s->c->lines++;
            l.status = input_normalize(l.raw, l.raw_len, name, sizeof(name), &why);
            l.why = why;
            if (l.status == INPUT_OK)
                start_domain(s, 1, name);
            else
                invalid_line(s, &l);
            break;
        }
        struct input_line l;
        int rc = input_next(s->in, &l);
        if (rc <= 0) {
            if (rc < 0) {
                fprintf(stderr, "mxsurvey: %s\n", input_reader_error(s->in));
                s->c->input_error = 1; /* the lines after it were never scanned */
            }
            s->eof = 1;
            break;
        }
        if (l.status == INPUT_SKIP)
            continue;
        s->c->lines++;
        if (s->done_lines && lineset_has(s->done_lines, l.lineno))
            continue; /* scan --resume: its record is in domains.jsonl */
        if (l.status == INPUT_INVALID)
            invalid_line(s, &l);
        else
            start_domain(s, l.lineno, l.name);
    }
}

/* ------------------------------------------------------------------ stop and teardown */

void sched_drop_unprobed(struct sched *s)
{
    /* Endpoints never started (queued, parked behind an address, backing off: their retry
     * will not run) are not reported; neither are the domains waiting on them. */
    s->ready_head = s->ready_tail = NULL;
    struct hmap *m = &s->endpoints;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct hmap_entry *e = m->buckets[i]; e; e = e->next) {
            struct endpoint *ep = e->val;
            if (ep->state == EP_BACKOFF && ep->backoff) {
                uv_timer_stop(&ep->backoff->timer);
                uv_close((uv_handle_t *)&ep->backoff->timer, backoff_closed);
                ep->backoff = NULL;
                if (ep->version_probe) {
                    struct ip_slot *slot = hmap_get(&s->ips, ep->ip);
                    if (slot->vp_state == VP_PENDING)
                        vp_drop(slot);
                } else {
                    endpoint_drop(ep);
                }
            }
        }
}

void sched_endpoint_free(void *v)
{
    struct endpoint *ep = v;
    assess_names_clear(&ep->names);
    probe_result_free(ep->res);
    free(ep->ptr);
    free(ep->first_domain);
    free(ep->waiters);
    free(ep->mx_host);
    free(ep->ip);
    free(ep);
}

void sched_ip_slot_free(void *v)
{
    struct ip_slot *slot = v;
    free(slot->vp_from);
    free(slot->vp_error);
    free(slot->vp_waiters);
    free(slot);
}

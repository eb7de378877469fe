/* infer: one handshake per server (the rule and the phases: sched_int.h, "infer.c"). The loop side: it decides per address, and hands verdicts on through
 * the loop's own functions (loop_enqueue, loop_probed), never to the run directly. */
#include "sched_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

int infer_loop_init(struct infer_loop *il, const struct sched_opts *o)
{
    memset(il, 0, sizeof(*il));
    il->on = o->infer;
    il->check_share = o->infer_check_pct / 100.0;
    /* Held to the end only where the run can set the waiting domains aside (sched_spill.c):
     * a scan into a folder, or the probe stage; a run without a folder (one domain) writes
     * them once the checks so far agree. */
    il->final = !(o->stage == SCHED_PROBE || (o->stage == SCHED_SCAN && o->out_dir));
    /* Which names are spot-checked must not be guessable from the list alone (a server cannot
     * arrange for them): the project's CTR_DRBG, seeded afresh each run. */
    if (rng_init(&il->rng) != 0)
        return -1;
    il->rng_ok = 1;
    return 0;
}

void infer_loop_free(struct infer_loop *il)
{
    if (il->rng_ok)
        rng_free(&il->rng);
    il->rng_ok = 0;
    free(il->ready);
    il->ready = NULL;
    il->nready = il->capready = 0;
}

/* A number in [0, 1): 53 random bits. */
static double next_unit(struct infer_loop *il)
{
    uint64_t v;
    rng_bytes(&il->rng, &v, sizeof(v));
    return (double)(v >> 11) / 9007199254740992.0;
}

void infer_addr_init(struct infer_addr *a)
{
    memset(a, 0, sizeof(*a));
    STAILQ_INIT(&a->held);
}

void infer_addr_clear(struct infer_addr *a)
{
    probe_result_free(a->ref);
    probe_result_free(a->nogreet);
    free(a->ref_host);
    free(a->nogreet_host);
    a->ref = a->nogreet = NULL;
    a->ref_host = a->nogreet_host = NULL;
}

/* ------------------------------------------------------------------ the rule */

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int infer_same(const struct probe_result *a, const struct probe_result *b)
{
    /* A 4xx says "later", not what the server is: never evidence either way. */
    if (a->temporary || b->temporary)
        return 0;
    if (a->status != b->status || a->smtp_code != b->smtp_code ||
        a->tls_started != b->tls_started || a->tls_alert != b->tls_alert ||
        a->tls_client_limit != b->tls_client_limit ||
        a->starttls_injection != b->starttls_injection)
        return 0;
    if (!same_str(a->error, b->error) || !same_str(a->banner_host, b->banner_host) ||
        !same_str(a->ehlo_host, b->ehlo_host) || !same_str(a->tls_version, b->tls_version) ||
        !same_str(a->tls_cipher, b->tls_cipher))
        return 0;
    if (a->chain_len != b->chain_len)
        return 0;
    for (size_t i = 0; i < a->chain_len; i++)
        if (strcmp(a->chain[i]->sha256, b->chain[i]->sha256) != 0)
            return 0;
    return 1;
}

int infer_no_greeting(const struct probe_result *r)
{
    return (r->status == PROBE_CONNECT_FAILED || r->status == PROBE_TIMEOUT ||
            r->status == PROBE_SMTP_ERROR) &&
           r->smtp_code == 0 && !r->banner_host && !r->tls_started;
}

/* Failed the same way without a greeting: the same status and the same words. */
static int same_failure(const struct probe_result *a, const struct probe_result *b)
{
    return a->status == b->status && same_str(a->error, b->error);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* A copy the run frees with the record (probe_result_free): its own strings, and the probe's
 * chain shared (cert_info_ref), not parsed again: at the end of the input every held endpoint
 * of an address takes its copy at once, thousands of them for a large provider. */
static struct probe_result *result_copy(const struct probe_result *r)
{
    struct probe_result *c = xmalloc(sizeof(*c));
    *c = *r;
    c->error = dup_or_null(r->error);
    c->banner_host = dup_or_null(r->banner_host);
    c->ehlo_host = dup_or_null(r->ehlo_host);
    c->tls_version = dup_or_null(r->tls_version);
    c->tls_cipher = dup_or_null(r->tls_cipher);
    c->chain = r->chain_len ? xcalloc(r->chain_len, sizeof(*c->chain)) : NULL;
    for (size_t i = 0; i < r->chain_len; i++)
        c->chain[i] = cert_info_ref(r->chain[i]);
    return c;
}

static void set_ref(struct infer_addr *a, const struct probe_result *r, const char *host)
{
    probe_result_free(a->ref);
    free(a->ref_host);
    a->ref = result_copy(r);
    a->ref_host = xstrdup(host);
}

/* ------------------------------------------------------------------ verdicts */

/* ep takes the address's reference result, as `kind`, without a connection. */
static void infer_as(struct probe_loop *lp, struct infer_addr *a, struct endpoint *ep,
                     enum record_inference kind)
{
    ep->infer_role = INF_ROLE_NONE;
    probe_result_free(ep->res);
    ep->res = result_copy(a->ref);
    free(ep->inferred_from);
    ep->inferred_from = xstrdup(a->ref_host);
    ep->inference = kind;
    if (kind == RECORD_ADDRESS_DOWN)
        lp->inf.inferred_down++;
    else
        lp->inf.inferred++;
    loop_probed(ep);
}

static void hold(struct infer_addr *a, struct endpoint *ep)
{
    ep->state = EP_QUEUED;
    STAILQ_INSERT_TAIL(&a->held, ep, link);
}

/* Is the next endpoint after the pair a spot check? The first always is (at least one per
 * address), then each with the --infer-check share. */
static int sample(struct probe_loop *lp, struct infer_addr *a)
{
    return a->after_pair++ == 0 || next_unit(&lp->inf) < lp->inf.check_share;
}

void infer_admit(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep)
{
    struct infer_addr *a = &slot->inf;
    if (!lp->inf.on) {
        loop_enqueue(lp, ep);
        return;
    }
    switch (a->phase) {
    case INF_PAIR:
        if (a->pair_members < 2) {
            a->pair_members++;
            ep->infer_role = INF_ROLE_PAIR;
            loop_enqueue(lp, ep);
        } else {
            hold(a, ep);
        }
        return;
    case INF_INSENSITIVE:
        if (ep->infer_role != INF_ROLE_INFER) {
            if (sample(lp, a)) {
                ep->infer_role = INF_ROLE_CHECK;
                a->checks_pending++;
                loop_enqueue(lp, ep);
                return;
            }
            ep->infer_role = INF_ROLE_INFER;
        }
        if (a->checks_pending > 0 || !lp->inf.final) {
            /* Until the input is over and every check has said the same: a check still to
             * come may differ, and then this name is probed too. */
            hold(a, ep);
            if (!ep->held_told) {
                ep->held_told = 1;
                loop_post(lp, &(struct run_msg){.kind = MSG_HELD, .ep = ep});
            }
        } else {
            infer_as(lp, a, ep, RECORD_SNI_INSENSITIVE);
        }
        return;
    case INF_SENSITIVE:
        ep->infer_role = INF_ROLE_NONE;
        loop_enqueue(lp, ep);
        return;
    case INF_DOWN:
        infer_as(lp, a, ep, RECORD_ADDRESS_DOWN);
        return;
    }
}

/* Its held endpoints may take its result now (once the input is over): the pair agreed, and
 * no check is on the wire. */
static int releasable(const struct infer_addr *a)
{
    return a->phase == INF_INSENSITIVE && a->checks_pending == 0 && !STAILQ_EMPTY(&a->held);
}

static void queue_ready(struct infer_loop *il, struct ip_slot *slot)
{
    if (slot->inf.ready)
        return;
    if (il->nready == il->capready) {
        il->capready = il->capready ? il->capready * 2 : 16;
        il->ready = xrealloc(il->ready, il->capready * sizeof(*il->ready));
    }
    il->ready[il->nready++] = slot;
    slot->inf.ready = 1;
}

/* Up to max of the address's held endpoints, admitted again under its phase now (probed
 * after a switch, or given its result at the end); how many. They are taken off first:
 * admitting may run the run's side (a verdict written, a domain done, new domains read), which
 * may bring new endpoints of this address, and one held again goes back on the list. */
static size_t release_some(struct probe_loop *lp, struct ip_slot *slot, size_t max)
{
    STAILQ_HEAD(, endpoint) list = STAILQ_HEAD_INITIALIZER(list);
    size_t n = 0;
    struct endpoint *ep;
    while (n < max && (ep = STAILQ_FIRST(&slot->inf.held))) {
        STAILQ_REMOVE_HEAD(&slot->inf.held, link);
        STAILQ_INSERT_TAIL(&list, ep, link);
        n++;
    }
    while ((ep = STAILQ_FIRST(&list))) {
        STAILQ_REMOVE_HEAD(&list, link);
        infer_admit(lp, slot, ep);
    }
    return n;
}

/* All of them: the address's phase changed (the pair decided, or a check found a switch). */
static void release_held(struct probe_loop *lp, struct ip_slot *slot)
{
    release_some(lp, slot, SIZE_MAX);
}

void infer_probed(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep)
{
    struct infer_addr *a = &slot->inf;
    const struct probe_result *r = ep->res;
    if (!lp->inf.on)
        return;
    enum infer_phase was = a->phase;
    int role = ep->infer_role;
    ep->infer_role = INF_ROLE_NONE;
    if (infer_no_greeting(r)) {
        if (a->nogreet && same_failure(a->nogreet, r)) {
            a->phase = INF_DOWN; /* twice the same way: the address is down */
            set_ref(a, r, ep->mx_host);
        } else if (!a->nogreet) {
            a->nogreet = result_copy(r);
            a->nogreet_host = xstrdup(ep->mx_host);
        }
        a->suspect = 1;
    } else {
        a->suspect = 0; /* greeted: alive */
    }
    if (role == INF_ROLE_PAIR && a->phase == INF_PAIR) {
        if (++a->pair_done == 1)
            set_ref(a, r, ep->mx_host);
        else
            a->phase = infer_same(a->ref, r) ? INF_INSENSITIVE : INF_SENSITIVE;
    } else if (role == INF_ROLE_CHECK) {
        a->checks_pending--;
        lp->inf.spot_checks++;
        if (a->phase == INF_INSENSITIVE && !infer_same(a->ref, r)) {
            a->phase = INF_SENSITIVE; /* a name of its own: every name is probed */
            lp->inf.switched++;
        }
    }
    if (lp->stopping)
        return; /* nothing new starts: what is held is not reported */
    if (a->phase != was)
        release_held(lp, slot);
    else if (lp->inf.final && releasable(a)) { /* its last check answered after CMD_FINAL */
        queue_ready(&lp->inf, slot);
        infer_release_more(lp); /* in batches too */
    }
}

static void collect_ready(void *arg, const char *key, void *val)
{
    (void)key;
    struct ip_slot *slot = val;
    if (releasable(&slot->inf))
        queue_ready(arg, slot);
}

int infer_final(struct probe_loop *lp, size_t budget)
{
    int first = !lp->inf.final;
    lp->inf.final = 1;
    if (!lp->inf.on || lp->stopping)
        return 0;
    /* The table is walked once, at the first CMD_FINAL (later ones take the queue): the
     * addresses first, then their release, which hands verdicts to the run, and the run must
     * not find the table being walked. */
    if (first)
        hmap_foreach(&lp->ips, collect_ready, &lp->inf);
    struct infer_loop *il = &lp->inf;
    while (il->nready > 0 && budget > 0) {
        /* Off the queue before its release (which may queue others), back if some are left. */
        struct ip_slot *slot = il->ready[--il->nready];
        slot->inf.ready = 0;
        if (!releasable(&slot->inf))
            continue; /* a check chosen meanwhile: its answer queues it again */
        budget -= release_some(lp, slot, budget);
        if (releasable(&slot->inf))
            queue_ready(il, slot);
    }
    return il->nready > 0;
}

void infer_release_more(struct probe_loop *lp)
{
    if (lp->inf.asked)
        return; /* a CMD_FINAL is on its way */
    lp->inf.asked = 1;
    lp->final_told = 0;
    loop_post(lp, &(struct run_msg){.kind = MSG_FINAL_MORE});
}

int infer_skip(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep)
{
    struct infer_addr *a = &slot->inf;
    if (!lp->inf.on || ep->version_probe || a->phase != INF_DOWN)
        return 0;
    if (ep->infer_role == INF_ROLE_CHECK)
        a->checks_pending--;
    infer_as(lp, a, ep, RECORD_ADDRESS_DOWN);
    return 1;
}

int infer_cap(const struct ip_slot *slot, int per_ip)
{
    return slot->inf.suspect ? 1 : per_ip;
}

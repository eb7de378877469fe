/* resolve: see resolve.h.
 *
 * Rules, in order, for a domain:
 *   1. Ask MX. Follow CNAMEs in the answer; when the answer stops at a CNAME target without
 *      records, ask the target (ANSWER_MAX_CNAME CNAMEs per lookup, a name seen twice is a
 *      loop). NXDOMAIN → nxdomain. Any other RCODE, a timeout, a loop → dns-error.
 *   2. A lone MX "0 ." → null-mx (RFC 7505 §3); nothing more is looked up.
 *   3. No MX records → the domain is its own implicit MX (RFC 5321 §5.1) if it has A (or,
 *      with want_aaaa, AAAA) records: no-mx with one entry {domain, 0}; without addresses:
 *      no-mx with no entries; an error looking the addresses up is a dns-error.
 *   4. Otherwise the MX list, sorted by preference then name, cut to max_mx, each host resolved
 *      to A (and AAAA) through the cache, its addresses cut to max_addrs (resolve.h); a host
 *      without addresses is listed with ips [] and a reason.
 *   5. With dnssec (resolve_opts.dnssec): TXT _mta-sts.DOMAIN and TXT _smtp._tls.DOMAIN go
 *      with the MX query (the job steps once all three are in), and each host (the implicit
 *      MX too) whose address records are all secure gets a TLSA lookup at _PORT._tcp.HOST;
 *      the result comes once every one of them answered. Each outcome's DNSSEC state comes
 *      from its lookup (resolve_lookup.c); the MX's is mx_dnssec, an implicit MX's is its
 *      addresses'.
 * For an address: PTR of its reverse name (CNAMEs followed too: RFC 2317 delegations).
 * For a host (resolve_host): its addresses, as an MX host's.
 *
 * Three kinds of objects: a lookup asks one (name, type) and follows CNAMEs
 * (resolve_lookup.c); a cache entry owns the lookup of a domain's MX or TXT, an address, a
 * TLSA or a PTR name and the waiters for it; a job is one request (domain, host or PTR) and
 * waits on cache entries. MX and TXT entries are one per domain, so only the most recently
 * used finished ones are kept (those of RESOLVE_MX_CACHE domains): memory stays bounded
 * by that, not by the length of the list, while a domain listed again nearby (or a million
 * times) is asked once. Answers from a finished entry are not given
 * synchronously but through a queue drained by a uv_idle handle, so no callback ever runs
 * inside the call that asked. */
#include "resolve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---------------------------------------------------------------- the resolver */

/* Named states of a job; job_step() dispatches on them. */
enum job_state {
    JOB_MX,       /* domain: the MX lookup is in flight */
    JOB_ADDRS,    /* domain: waiting for the MX hosts' addresses */
    JOB_IMPLICIT, /* domain: no MX; waiting for the domain's own addresses */
    JOB_TLSA,     /* domain (dnssec): waiting for the TLSA entries of the secure hosts */
    JOB_HOST,     /* resolve_host: waiting for the host's addresses */
    JOB_PTR,      /* address: waiting for the PTR entry */
    JOB_DONE,     /* result ready: deliver it */
};

struct job {
    struct resolver *r;
    struct list_node link;   /* in r->jobs */
    enum job_state state;
    resolve_cb cb;
    resolve_ptr_cb ptr_cb;
    void *arg;
    int pending;             /* cache entries still awaited */
    struct resolve_result *res;
    struct resolve_ptr_result *pres;
    struct centry *(*ent)[3]; /* per MX host (or the implicit MX, or resolve_host's host): its
                                 A, AAAA and TLSA entries (ENT_A, ...), NULL when not asked */
    struct centry *ptr_entry;
    struct centry *mx_entry;  /* JOB_MX: the domain's MX entry, once it has arrived (pinned:
                                 the TXT answers may come after it) */
};
enum { ENT_A, ENT_AAAA, ENT_TLSA };

static int ent_slot(ldns_rr_type t)
{
    return t == LDNS_RR_TYPE_A ? ENT_A : t == LDNS_RR_TYPE_AAAA ? ENT_AAAA : ENT_TLSA;
}

/* The entries kept one per domain, bounded by the LRU (resolve.h, RESOLVE_MX_CACHE): the MX
 * and the two policy TXT lookups. */
static int per_domain(const struct centry *e)
{
    return e->type == LDNS_RR_TYPE_MX || e->type == LDNS_RR_TYPE_TXT;
}

static void job_step(struct job *job);

/* ---- deferred queue ---- */

/* Entry e has the answer job waited for in slot idx. */
static void entry_arrived(struct job *job, int idx, struct centry *e)
{
    if (idx == RESOLVE_IDX_STS || idx == RESOLVE_IDX_TLSRPT) { /* copied now: evictable */
        resolve_rrset_from(idx == RESOLVE_IDX_STS ? &job->res->sts : &job->res->tlsrpt, e->name,
                           &e->out);
    } else if (job->state == JOB_PTR) {
        job->ptr_entry = e;
    } else if (job->state == JOB_MX) {
        job->mx_entry = e;
        e->pins++; /* until mx_answer(): not trimmed while the TXT answers are awaited */
    } else {
        job->ent[idx][ent_slot(e->type)] = e;
    }
    if (--job->pending == 0)
        job_step(job);
}

static void teardown(struct resolver *r);

/* Every way the loop enters the resolver goes through these, so that resolver_free() called
 * from a user callback waits until nothing of ours is on the stack. */
void resolver_enter(struct resolver *r)
{
    r->busy++;
}

void resolver_leave(struct resolver *r)
{
    if (--r->busy == 0 && r->closing)
        teardown(r);
}

static void on_idle(uv_idle_t *h)
{
    struct resolver *r = container_of(h, struct resolver, idle);
    struct list_node batch;
    list_take_all(&batch, &r->ready);
    uv_idle_stop(h);
    resolver_enter(r);
    /* Items queued while these run wait for the next loop iteration. Once resolver_free()
     * has been called they are only freed: teardown cancels what they would have advanced. */
    while (!list_empty(&batch)) {
        struct deferred *d = container_of(batch.next, struct deferred, link);
        list_remove(&d->link);
        if (!r->closing) {
            switch (d->kind) {
            case DEFER_ENTRY:
                d->w.entry->pins--;
                entry_arrived(d->w.job, d->w.idx, d->w.entry);
                break;
            case DEFER_LOOKUP:
                d->lk->done(r, d->lk);
                break;
            case DEFER_JOB:
                job_step(d->job);
                break;
            }
        }
        free(d);
    }
    resolver_leave(r);
}

void resolver_defer(struct resolver *r, struct deferred *d)
{
    list_push_back(&r->ready, &d->link);
    uv_idle_start(&r->idle, on_idle);
}

/* ---- cache ---- */

/* The cache's key for (name, type): "TYPE/name", the type as its number, in buf when it fits
 * (a name as text is at most 1,020 octets, all escaped: it always does), else allocated.
 * Free it with key_free(k, buf). The map copies the keys it keeps, so a lookup allocates
 * nothing here. */
#define CACHE_KEY_BUF 1040
static char *cache_key(ldns_rr_type type, const char *name, char *buf)
{
    size_t n = strlen(name) + 16;
    char *k = n <= CACHE_KEY_BUF ? buf : xmalloc(n);
    snprintf(k, n, "%u/%s", (unsigned)type, name);
    return k;
}

static void key_free(char *k, const char *buf)
{
    if (k != buf)
        free(k);
}

static void centry_free(void *val)
{
    struct centry *e = val;
    while (!list_empty(&e->waiters)) {
        struct waiter *w = container_of(e->waiters.next, struct waiter, link);
        list_remove(&w->link);
        free(w);
    }
    resolve_outcome_clear(&e->out);
    free(e->name);
    free(e);
}

/* ---- the MX entries' bound: least recently used out first ---- */

static void lru_unlink(struct resolver *r, struct centry *e)
{
    list_remove(&e->lru);
    e->in_lru = 0;
    r->nlru--;
}

/* e (a finished MX entry) was just used: to the front. */
static void lru_touch(struct resolver *r, struct centry *e)
{
    if (e->in_lru)
        lru_unlink(r, e);
    list_push_front(&r->lru, &e->lru);
    e->in_lru = 1;
    r->nlru++;
}

/* Drops the least recently used finished MX entries beyond r->lru_max, except one an answer
 * still on its way points to (it goes on a later call). */
static void lru_trim(struct resolver *r)
{
    struct list_node *n = r->lru.prev, *prev;
    for (; r->nlru > r->lru_max && n != &r->lru; n = prev) {
        prev = n->prev;
        struct centry *e = container_of(n, struct centry, lru);
        if (!e->pins) {
            lru_unlink(r, e);
            char buf[CACHE_KEY_BUF];
            char *k = cache_key(e->type, e->name, buf);
            hmap_del(&r->cache, k);
            key_free(k, buf);
            centry_free(e);
        }
    }
}

/* A cache entry's lookup ended: keep the outcome, wake the waiters (in request order). */
static void entry_done(struct resolver *r, struct lookup *lk)
{
    struct centry *e = lk->entry;
    e->out = lk->out;
    memset(&lk->out, 0, sizeof(lk->out));
    e->done = 1;
    lookup_free(lk);
    if (per_domain(e))
        lru_touch(r, e);
    struct list_node waiters;
    list_take_all(&waiters, &e->waiters);
    while (!list_empty(&waiters)) {
        struct waiter *w = container_of(waiters.next, struct waiter, link);
        list_remove(&w->link);
        struct job *job = w->job;
        int idx = w->idx;
        free(w);
        entry_arrived(job, idx, e); /* a no-op step once resolver_free() was called */
    }
    if (per_domain(e) && !r->closing)
        lru_trim(r); /* after the waiters: they have copied what they need */
}

/* Asks for (name, type) on behalf of job (slot idx); the answer arrives later, always. */
static void cache_get(struct resolver *r, ldns_rr_type type, const char *name, struct job *job,
                      int idx)
{
    char buf[CACHE_KEY_BUF];
    char *k = cache_key(type, name, buf);
    struct centry *e = hmap_get(&r->cache, k);
    job->pending++;
    if (e && e->done) {
        r->stats.cache_hits++;
        if (e->in_lru)
            lru_touch(r, e);
        e->pins++; /* not trimmed before the answer is delivered */
        struct deferred *d = xcalloc(1, sizeof(*d));
        d->kind = DEFER_ENTRY;
        d->w.job = job;
        d->w.entry = e;
        d->w.idx = idx;
        resolver_defer(r, d);
        key_free(k, buf);
        return;
    }
    int fresh = !e;
    if (fresh) {
        e = xcalloc(1, sizeof(*e));
        e->type = type;
        e->name = xstrdup(name);
        list_init(&e->waiters);
        hmap_put(&r->cache, k, e);
    } else {
        r->stats.coalesced++;
    }
    key_free(k, buf);
    struct waiter *w = xcalloc(1, sizeof(*w));
    w->job = job;
    w->entry = e;
    w->idx = idx;
    list_push_back(&e->waiters, &w->link);
    if (fresh)
        lookup_start(r, type, name, entry_done, e);
}

/* ---- jobs ---- */

static struct job *job_new(struct resolver *r, enum job_state state, void *arg)
{
    struct job *job = xcalloc(1, sizeof(*job));
    job->r = r;
    job->state = state;
    job->arg = arg;
    list_push_front(&r->jobs, &job->link);
    return job;
}

static void job_unlink(struct job *job)
{
    list_remove(&job->link);
}

/* Hands the result over and frees the job. Unlinked first: the callback may free the
 * resolver, which must not see this job again. */
static void job_deliver(struct job *job)
{
    job_unlink(job);
    if (job->cb) {
        struct resolve_result *res = job->res;
        job->res = NULL;
        job->cb(job->arg, res);
    } else {
        struct resolve_ptr_result *res = job->pres;
        job->pres = NULL;
        job->ptr_cb(job->arg, res);
    }
    free(job->ent);
    free(job);
}

/* resolve_fill_addrs on a host's A and AAAA entries (either NULL when not asked), and with
 * dnssec the host's addr_dnssec from the same entries. */
static int fill_addrs(const struct resolve_opts *o, struct resolve_mx *m, struct centry *ent[3])
{
    struct centry *a = ent[ENT_A], *aaaa = ent[ENT_AAAA];
    if (o->dnssec)
        m->addr_dnssec = resolve_dnssec_combine(a ? a->out.dnssec : DNSSEC_SECURE,
                                                aaaa ? aaaa->out.dnssec : DNSSEC_SECURE);
    return resolve_fill_addrs(o->max_addrs, o->share_families, m, a ? &a->out : NULL,
                              aaaa ? &aaaa->out : NULL);
}

/* With dnssec, a host whose address records are secure gets its TLSA lookup (RFC 7672
 * §2.2.2) at _PORT._tcp.HOST for slot idx; returns 1 when it asked. */
static int ask_tlsa(struct job *job, int idx, const struct resolve_mx *m)
{
    const struct resolve_opts *o = &job->r->opts;
    if (!o->dnssec || m->addr_dnssec != DNSSEC_SECURE)
        return 0;
    size_t n = strlen(m->host) + 32;
    char *name = xmalloc(n);
    snprintf(name, n, "_%d._tcp.%s", o->tlsa_port > 0 ? o->tlsa_port : 25, m->host);
    cache_get(job->r, LDNS_RR_TYPE_TLSA, name, job, idx);
    free(name);
    return 1;
}

/* Starts the address lookups for entry idx of job's host list. */
static void ask_addrs(struct job *job, int idx, const char *host)
{
    cache_get(job->r, LDNS_RR_TYPE_A, host, job, idx);
    if (job->r->opts.want_aaaa)
        cache_get(job->r, LDNS_RR_TYPE_AAAA, host, job, idx);
}

/* The domain's MX entry has arrived (job_step, JOB_MX): its outcome is shared with every
 * request for the same domain, so everything taken from it is copied. */
static void mx_answer(struct job *job)
{
    struct resolve_result *res = job->res;
    struct centry *e = job->mx_entry;
    const struct resolve_outcome *out = &e->out;
    job->mx_entry = NULL;
    e->pins--; /* trimmed at the earliest by the next entry_done(), after this is copied */
    res->mx_dnssec = out->dnssec; /* an implicit MX's is its addresses' (implicit_done) */
    switch (out->status) {
    case RESOLVE_NXDOMAIN:
        res->status = RESOLVE_NXDOMAIN;
        job->state = JOB_DONE;
        break;
    case RESOLVE_NODATA:
        job->state = JOB_IMPLICIT;
        job->ent = xcalloc(1, sizeof(*job->ent));
        ask_addrs(job, 0, res->domain);
        break;
    case RESOLVE_OK:
        res->status = resolve_mx_list(out->rrs, out->n, &res->mx, &res->nmx);
        if (res->status == RESOLVE_NULL_MX) {
            job->state = JOB_DONE;
            break;
        }
        if (job->r->opts.max_mx > 0 && res->nmx > job->r->opts.max_mx) {
            /* The cap: the most preferred are kept; the rest are never looked up. */
            for (int i = job->r->opts.max_mx; i < res->nmx; i++)
                resolve_mx_clear(&res->mx[i]);
            res->mx_cut = res->nmx - job->r->opts.max_mx;
            res->nmx = job->r->opts.max_mx;
        }
        job->state = JOB_ADDRS;
        job->ent = xcalloc((size_t)res->nmx, sizeof(*job->ent));
        for (int i = 0; i < res->nmx; i++) {
            if (strcmp(res->mx[i].host, ".") == 0)
                res->mx[i].error = xstrdup("null MX target among other MX records");
            else
                ask_addrs(job, i, res->mx[i].host);
        }
        break;
    default:
        res->status = RESOLVE_DNS_ERROR;
        res->error = xstrdup(out->error ? out->error : "MX query: failed");
        job->state = JOB_DONE;
        break;
    }
}

static void addrs_done(struct job *job)
{
    struct resolve_result *res = job->res;
    int tlsa = 0;
    for (int i = 0; i < res->nmx; i++)
        if (!res->mx[i].error) { /* "." targets were never asked */
            res->addrs_cut += fill_addrs(&job->r->opts, &res->mx[i], job->ent[i]);
            tlsa += ask_tlsa(job, i, &res->mx[i]);
        }
    res->status = RESOLVE_OK;
    job->state = tlsa ? JOB_TLSA : JOB_DONE;
}

/* The TLSA entries asked for the secure hosts have all arrived: copied into the result. */
static void tlsa_done(struct job *job)
{
    struct resolve_result *res = job->res;
    for (int i = 0; i < res->nmx; i++) {
        const struct centry *t = job->ent[i][ENT_TLSA];
        if (t)
            resolve_rrset_from(&res->mx[i].tlsa, t->name, &t->out);
    }
    job->state = JOB_DONE;
}

/* resolve_host: the host's addresses, whatever they are, as mx[0]. */
static void host_done(struct job *job)
{
    struct resolve_result *res = job->res;
    res->mx = xcalloc(1, sizeof(*res->mx));
    res->mx[0].host = xstrdup(res->domain);
    res->nmx = 1;
    res->addrs_cut = fill_addrs(&job->r->opts, &res->mx[0], job->ent[0]);
    res->status = RESOLVE_OK;
    job->state = JOB_DONE;
}

static void implicit_done(struct job *job)
{
    struct resolve_result *res = job->res;
    struct resolve_mx m = {.host = xstrdup(res->domain)};
    int cut = fill_addrs(&job->r->opts, &m, job->ent[0]);
    const struct centry *a = job->ent[0][0], *aaaa = job->ent[0][1];
    if (m.resolved) {
        res->status = RESOLVE_NO_MX;
        res->implicit_mx = 1;
        res->mx = xmalloc(sizeof(*res->mx));
        res->mx[0] = m; /* moved */
        res->nmx = 1;
        res->addrs_cut = cut;
        if (job->r->opts.dnssec) /* the MX is the domain's addresses (resolve_result.h) */
            res->mx_dnssec = m.addr_dnssec;
        if (ask_tlsa(job, 0, &res->mx[0])) {
            job->state = JOB_TLSA;
            return;
        }
    } else {
        if (a->out.status == RESOLVE_DNS_ERROR ||
            (aaaa && aaaa->out.status == RESOLVE_DNS_ERROR)) {
            size_t n = strlen(m.error) + sizeof(" (implicit MX)");
            res->status = RESOLVE_DNS_ERROR;
            res->error = xmalloc(n);
            snprintf(res->error, n, "%s (implicit MX)", m.error);
            if (job->r->opts.dnssec) /* the implicit MX's addresses failed: bogus or unknown */
                res->mx_dnssec = m.addr_dnssec;
        } else {
            res->status = RESOLVE_NO_MX; /* neither MX nor addresses: no mail route at all */
        }
        resolve_mx_clear(&m);
    }
    job->state = JOB_DONE;
}

static void ptr_done(struct job *job)
{
    struct resolve_ptr_result *res = job->pres;
    const struct resolve_outcome *o = &job->ptr_entry->out;
    res->status = o->status;
    if (o->status == RESOLVE_OK && o->n > 0)
        res->name = xstrdup(o->rrs[0].str);
    else if (o->status == RESOLVE_DNS_ERROR)
        res->error = xstrdup(o->error);
    job->state = JOB_DONE;
}

/* One step of a job whose awaited entries have all arrived. */
static void job_step(struct job *job)
{
    if (job->r->closing)
        return; /* resolver_free() was called meanwhile: teardown cancels the job */
    switch (job->state) {
    case JOB_MX:
        mx_answer(job);
        if (job->state == JOB_DONE)
            break;
        if (job->pending == 0)
            job_step(job); /* no address to wait for (only "." targets) */
        return;
    case JOB_ADDRS:
        addrs_done(job);
        break;
    case JOB_IMPLICIT:
        implicit_done(job);
        break;
    case JOB_TLSA:
        tlsa_done(job);
        break;
    case JOB_HOST:
        host_done(job);
        break;
    case JOB_PTR:
        ptr_done(job);
        break;
    case JOB_DONE:
        break;
    }
    if (job->state == JOB_DONE)
        job_deliver(job);
}

/* ---- public ---- */

struct resolver *resolver_new(uv_loop_t *loop, struct dns_client *dns,
                              const struct resolve_opts *opts)
{
    struct resolver *r = xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->dns = dns;
    if (opts)
        r->opts = *opts;
    r->lru_max = r->opts.mx_cache > 0 ? (size_t)r->opts.mx_cache : RESOLVE_MX_CACHE;
    /* With dnssec, a domain's two TXT entries share the bound with the MX entries: the
     * cache's memory stays what it was (a domain is resolved once per run anyway: the input
     * skips names it has given; the bound only keeps a long run's memory flat). */
    uv_idle_init(loop, &r->idle);
    hmap_init(&r->cache);
    list_init(&r->jobs);
    list_init(&r->lookups);
    list_init(&r->lru);
    list_init(&r->ready);
    return r;
}

int resolve_domain(struct resolver *r, const char *domain, resolve_cb cb, void *arg)
{
    if (r->closing)
        return -1;
    struct job *job = job_new(r, JOB_MX, arg);
    job->cb = cb;
    job->res = xcalloc(1, sizeof(*job->res));
    job->res->domain = xstrdup(domain);
    r->stats.domains++;
    /* Through the cache: a domain listed again (or twice at once) is asked once. */
    cache_get(r, LDNS_RR_TYPE_MX, domain, job, 0);
    if (r->opts.dnssec) { /* with the MX, in parallel: the job steps once all three are in */
        size_t n = strlen(domain) + sizeof("_smtp._tls.");
        char *name = xmalloc(n);
        snprintf(name, n, "_mta-sts.%s", domain); /* RFC 8461 §3.1 */
        cache_get(r, LDNS_RR_TYPE_TXT, name, job, RESOLVE_IDX_STS);
        snprintf(name, n, "_smtp._tls.%s", domain); /* RFC 8460 §3 */
        cache_get(r, LDNS_RR_TYPE_TXT, name, job, RESOLVE_IDX_TLSRPT);
        free(name);
    }
    return 0;
}

int resolve_host(struct resolver *r, const char *host, resolve_cb cb, void *arg)
{
    if (r->closing)
        return -1;
    struct job *job = job_new(r, JOB_HOST, arg);
    job->cb = cb;
    job->res = xcalloc(1, sizeof(*job->res));
    job->res->domain = xstrdup(host);
    job->ent = xcalloc(1, sizeof(*job->ent));
    ask_addrs(job, 0, host);
    return 0;
}

int resolve_ptr(struct resolver *r, const char *ip, resolve_ptr_cb cb, void *arg)
{
    if (r->closing)
        return -1;
    struct job *job = job_new(r, JOB_PTR, arg);
    job->ptr_cb = cb;
    job->pres = xcalloc(1, sizeof(*job->pres));
    job->pres->ip = xstrdup(ip);
    r->stats.ptrs++;
    char rev[80];
    if (dns_reverse_name(ip, rev, sizeof(rev)) < 0) {
        job->pres->status = RESOLVE_DNS_ERROR;
        job->pres->error = xstrdup("not an IP address");
        job->state = JOB_DONE;
        struct deferred *d = xcalloc(1, sizeof(*d));
        d->kind = DEFER_JOB;
        d->job = job;
        resolver_defer(r, d);
        return 0;
    }
    cache_get(r, LDNS_RR_TYPE_PTR, rev, job, 0);
    return 0;
}

static void on_resolver_closed(uv_handle_t *h)
{
    free(container_of(h, struct resolver, idle));
}

/* Frees everything; pending jobs get RESOLVE_CANCELLED. Runs outside any resolver callback. */
static void teardown(struct resolver *r)
{
    /* dns_cancel() calls lookup_on_reply() at once, which sees r->closing and returns. */
    while (!list_empty(&r->lookups)) {
        struct lookup *lk = container_of(r->lookups.next, struct lookup, link);
        if (lk->q)
            dns_cancel(lk->q);
        lookup_free(lk);
    }
    while (!list_empty(&r->ready)) {
        struct deferred *d = container_of(r->ready.next, struct deferred, link);
        list_remove(&d->link);
        free(d);
    }
    while (!list_empty(&r->jobs)) {
        struct job *job = container_of(r->jobs.next, struct job, link);
        if (job->res) {
            struct resolve_result *res = job->res;
            char *domain = res->domain;
            res->domain = NULL;
            resolve_result_free(res);
            job->res = xcalloc(1, sizeof(*job->res));
            job->res->domain = domain;
            job->res->status = RESOLVE_CANCELLED;
        } else {
            free(job->pres->name);
            free(job->pres->error);
            job->pres->name = job->pres->error = NULL;
            job->pres->status = RESOLVE_CANCELLED;
        }
        job_deliver(job);
    }
    hmap_free(&r->cache, centry_free);
    uv_close((uv_handle_t *)&r->idle, on_resolver_closed);
}

void resolver_free(struct resolver *r)
{
    if (!r || r->closing)
        return;
    r->closing = 1;
    /* From inside one of our callbacks the stack still uses jobs, entries and lookups: the
     * outermost entry point tears down once it unwinds. */
    if (r->busy == 0)
        teardown(r);
}

const struct resolve_stats *resolver_stats(const struct resolver *r)
{
    return &r->stats;
}

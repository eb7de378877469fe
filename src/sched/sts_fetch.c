/* sts_fetch: a domain's MTA-STS policy on the loop (see sched_int.h, "sts_fetch.c").
 *
 * Per domain (struct sts_op): the TXT record read at once; when it gives an id, the op waits
 * on the cache entry of (policy host, id) (struct sts_entry), which asks the policy host's
 * addresses, checks the one it will use against the blocklist, fetches and parses the body;
 * each waiter then gets its own copy of the entry's state and its MSG_RESOLVED. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/mtasts.h"
#include "classify/taglist.h"
#include "core/hmap.h"
#include "core/list.h"
#include "core/util.h"
#include "core/version.h"
#include "probe/blocklist.h"
#include "probe/https.h"
#include "sched_int.h"

#define STS_PATH "/.well-known/mta-sts.txt"

struct sts_loop {
    struct probe_loop *lp;
    struct https_client *https; /* made with the first fetch */
    struct hmap cache;          /* "host|id" -> struct sts_entry */
    struct list_node entries;   /* every entry, for the close */
};

/* One (policy host, id): its fetch and, once done, its result. */
struct sts_entry {
    struct sts_loop *sl;
    struct list_node link;    /* in sl->entries */
    char *host;
    int done, cancelled;
    struct sts_state res;     /* done: what every waiter copies (res.s.id unused) */
    struct list_node waiters; /* struct sts_op, while !done */
};

struct sts_op {
    struct list_node link;    /* in its entry's waiters */
    struct domain_job *job;
    struct resolve_result *rr;
    struct sts_state *st;     /* the TXT's verdict (and id) */
};

void sts_state_free(struct sts_state *st)
{
    if (!st)
        return;
    free(st->error);
    free(st->fetch_ip);
    mtasts_policy_clear(&st->policy);
    free(st);
}

static void post(struct probe_loop *lp, struct domain_job *j, struct resolve_result *rr,
                 struct sts_state *st)
{
    loop_post(lp, &(struct run_msg){.kind = MSG_RESOLVED, .job = j, .rr = rr, .sts = st});
}

/* The loop is closing: the domain is not reported (the run sees a cancelled resolution). */
static void post_cancelled(struct probe_loop *lp, struct sts_op *op)
{
    resolve_result_free(op->rr);
    sts_state_free(op->st);
    struct resolve_result *rr = xcalloc(1, sizeof(*rr));
    rr->status = RESOLVE_CANCELLED;
    post(lp, op->job, rr, NULL);
    free(op);
}

/* ---------------------------------------------------------------- the TXT record */

static void txt_verdict(const struct resolve_rrset *t, struct sts_state *st)
{
    struct sender_sts *s = &st->s;
    if (t->status == RESOLVE_DNS_ERROR) {
        s->status = STS_DNS_ERROR;
        st->error = xstrdup(t->error ? t->error : "TXT query failed");
        return;
    }
    if (t->status != RESOLVE_OK || t->n == 0) {
        s->status = STS_NO_TXT;
        return;
    }
    const char **recs = xcalloc((size_t)t->n, sizeof(*recs));
    size_t *lens = xcalloc((size_t)t->n, sizeof(*lens));
    for (int i = 0; i < t->n; i++) {
        recs[i] = (const char *)t->rr[i].data;
        lens[i] = t->rr[i].len;
    }
    int k = taglist_select(recs, lens, (size_t)t->n, "v=STSv1");
    if (k == -1) {
        s->status = STS_NO_TXT;
    } else if (k == -2) {
        s->status = STS_TXT_MULTIPLE;
    } else {
        switch (mtasts_txt_parse(recs[k], lens[k], s->id)) {
        case MTASTS_TXT_OK:
            s->status = STS_OK; /* for now: the policy decides */
            break;
        case MTASTS_TXT_SYNTAX:
            s->status = STS_TXT_SYNTAX;
            break;
        case MTASTS_TXT_NO_ID:
            s->status = STS_TXT_NO_ID;
            break;
        case MTASTS_TXT_BAD_ID:
            s->status = STS_TXT_BAD_ID;
            break;
        }
        if (s->status != STS_OK)
            s->id[0] = 0;
    }
    free(recs);
    free(lens);
}

/* ---------------------------------------------------------------- the entry's result */

static void policy_copy(struct mtasts_policy *dst, const struct mtasts_policy *src)
{
    *dst = *src;
    dst->mx = src->nmx ? xcalloc(src->nmx, sizeof(*dst->mx)) : NULL;
    for (size_t i = 0; i < src->nmx; i++)
        dst->mx[i] = xstrdup(src->mx[i]);
}

/* op's state takes a copy of the entry's result; shared: an earlier domain's fetch. */
static void state_from_entry(struct sts_state *st, const struct sts_entry *e, int shared)
{
    const struct sender_sts *r = &e->res.s;
    struct sender_sts *s = &st->s;
    s->status = r->status;
    s->fetch_status = r->fetch_status;
    s->http_code = r->http_code;
    s->policy_error = r->policy_error;
    s->policy_line = r->policy_line;
    s->shared = shared;
    st->error = e->res.error ? xstrdup(e->res.error) : NULL;
    st->fetch_ip = e->res.fetch_ip ? xstrdup(e->res.fetch_ip) : NULL;
    if (r->status == STS_OK)
        policy_copy(&st->policy, &e->res.policy);
}

/* Links a state's borrowed pointers to its own fields (after it has been filled). */
static void state_link(struct sts_state *st)
{
    st->s.asked = 1;
    st->s.error = st->error;
    st->s.fetch_ip = st->fetch_ip;
    st->s.policy = st->s.status == STS_OK ? &st->policy : NULL;
}

static void op_finish(struct sts_loop *sl, struct sts_op *op, const struct sts_entry *e,
                      int shared)
{
    if (e)
        state_from_entry(op->st, e, shared);
    state_link(op->st);
    if (shared)
        sl->lp->c.sts_shared++;
    post(sl->lp, op->job, op->rr, op->st);
    free(op);
}

static void entry_done(struct sts_entry *e)
{
    e->done = 1;
    int first = 1;
    struct list_node w;
    list_take_all(&w, &e->waiters);
    while (!list_empty(&w)) {
        struct sts_op *op = container_of(w.next, struct sts_op, link);
        list_remove(&op->link);
        op_finish(e->sl, op, e, !first);
        first = 0;
    }
}

static void entry_cancel(struct sts_entry *e)
{
    e->cancelled = e->done = 1;
    while (!list_empty(&e->waiters)) {
        struct sts_op *op = container_of(e->waiters.next, struct sts_op, link);
        list_remove(&op->link);
        post_cancelled(e->sl->lp, op);
    }
}

/* ---------------------------------------------------------------- the fetch */

static void on_fetch(void *arg, struct https_result *res)
{
    struct sts_entry *e = arg;
    struct sender_sts *s = &e->res.s;
    s->fetch_status = https_status_str(res->status);
    s->http_code = res->http_code;
    if (res->status != HTTPS_OK) {
        s->status = STS_FETCH;
        if (res->error)
            e->res.error = xstrdup(res->error);
    } else {
        struct mtasts_reader rd;
        mtasts_reader_init(&rd);
        mtasts_reader_feed(&rd, res->body, res->body_len);
        enum mtasts_policy_error pe = mtasts_reader_end(&rd, &e->res.policy);
        if (pe == MTASTS_POLICY_OK) {
            s->status = STS_OK;
        } else {
            s->status = STS_POLICY;
            s->policy_error = pe;
            s->policy_line = rd.line; /* 0 for a field missing from the whole body */
        }
    }
    https_result_clear(res);
    entry_done(e);
}

static int https_ready(struct sts_loop *sl, char *err, size_t errlen)
{
    if (sl->https)
        return 0;
    const struct sched_opts *o = sl->lp->o;
    struct https_opts ho = {.ca_file = o->ca_file, .connect_timeout_ms = o->timeout_ms,
                            .timeout_ms = 2L * o->timeout_ms,
                            .user_agent = "mxsurvey/" MXSURVEY_VERSION};
    sl->https = https_client_new(&sl->lp->loop, &ho, err, errlen);
    return sl->https ? 0 : -1;
}

/* The policy host's addresses came: the first IPv4 one (IPv6 with --ipv6, when there is no
 * IPv4 one), through the blocklist, then the fetch. */
static void on_host(void *arg, struct resolve_result *rr)
{
    struct sts_entry *e = arg;
    struct sts_loop *sl = e->sl;
    const struct sched_opts *o = sl->lp->o;
    struct sender_sts *s = &e->res.s;
    if (rr->status == RESOLVE_CANCELLED) {
        resolve_result_free(rr);
        entry_cancel(e);
        return;
    }
    const struct resolve_mx *m = rr->nmx > 0 ? &rr->mx[0] : NULL;
    const char *ip = NULL;
    for (int pass = 0; m && pass < 2 && !ip; pass++)
        for (int i = 0; i < m->nips && !ip; i++)
            if ((strchr(m->ips[i], ':') != NULL) == pass && (pass == 0 || o->ipv6))
                ip = m->ips[i];
    if (!ip) {
        s->status = STS_NO_POLICY_HOST;
        const char *why = m && m->error ? m->error
                          : m && m->nips ? "no IPv4 address (IPv6 is used with --ipv6)"
                          : rr->error ? rr->error : "no address records";
        e->res.error = xstrdup(why);
        resolve_result_free(rr);
        entry_done(e);
        return;
    }
    e->res.fetch_ip = xstrdup(ip);
    resolve_result_free(rr);
    struct blocklist_verdict v;
    char why[4600];
    if (blocklist_check(o->blocklist, e->res.fetch_ip, &v) != 0) {
        s->status = STS_BLOCKED;
        size_t n = (size_t)snprintf(why, sizeof(why), "blocked: ");
        blocklist_reason(&v, why + n, sizeof(why) - n);
        e->res.error = xstrdup(why);
        entry_done(e);
        return;
    }
    sl->lp->c.sts_fetches++;
    if (https_ready(sl, why, sizeof(why)) < 0 ||
        https_fetch(sl->https, e->host, e->res.fetch_ip, o->mta_sts_port, STS_PATH, on_fetch,
                    e) < 0) {
        s->status = STS_FETCH;
        s->fetch_status = https_status_str(HTTPS_FETCH_FAILED);
        e->res.error = xstrdup(sl->https ? "the fetch could not be started" : why);
        entry_done(e);
    }
}

/* ---------------------------------------------------------------- per domain */

static struct sts_loop *sts_loop_of(struct probe_loop *lp)
{
    if (!lp->sts) {
        lp->sts = xcalloc(1, sizeof(*lp->sts));
        lp->sts->lp = lp;
        hmap_init(&lp->sts->cache);
        list_init(&lp->sts->entries);
    }
    return lp->sts;
}

void sts_resolved(struct probe_loop *lp, struct domain_job *j, struct resolve_result *rr)
{
    if (!lp->o->policy || rr->status == RESOLVE_CANCELLED || !rr->sts.asked) {
        post(lp, j, rr, NULL);
        return;
    }
    struct sts_op *op = xcalloc(1, sizeof(*op));
    op->job = j;
    op->rr = rr;
    op->st = xcalloc(1, sizeof(*op->st));
    txt_verdict(&rr->sts, op->st);
    struct sts_loop *sl = sts_loop_of(lp);
    if (op->st->s.status != STS_OK || lp->closed) {
        if (lp->closed) {
            post_cancelled(lp, op);
            return;
        }
        op_finish(sl, op, NULL, 0);
        return;
    }
    size_t hlen = strlen(j->domain) + sizeof("mta-sts.");
    char *host = xmalloc(hlen);
    snprintf(host, hlen, "mta-sts.%s", j->domain);
    size_t klen = hlen + strlen(op->st->s.id) + 1;
    char *key = xmalloc(klen);
    snprintf(key, klen, "%s|%s", host, op->st->s.id);
    struct sts_entry *e = hmap_get(&sl->cache, key);
    if (e && e->done && !e->cancelled) {
        free(key);
        free(host);
        op_finish(sl, op, e, 1);
        return;
    }
    if (e) {
        free(key);
        free(host);
        list_push_back(&e->waiters, &op->link);
        return;
    }
    e = xcalloc(1, sizeof(*e));
    e->sl = sl;
    e->host = host;
    list_init(&e->waiters);
    list_push_back(&sl->entries, &e->link);
    hmap_put(&sl->cache, key, e);
    free(key);
    list_push_back(&e->waiters, &op->link);
    if (resolve_host(lp->res, host, on_host, e) < 0)
        entry_cancel(e);
}

static void entry_free(void *v)
{
    struct sts_entry *e = v;
    list_remove(&e->link);
    free(e->host);
    free(e->res.error);
    free(e->res.fetch_ip);
    mtasts_policy_clear(&e->res.policy);
    free(e);
}

void sts_loop_close(struct probe_loop *lp)
{
    struct sts_loop *sl = lp->sts;
    if (!sl)
        return;
    /* Fetches still on the wire: their domains are not reported (no callback comes after
     * the close). */
    for (struct list_node *n = sl->entries.next; n != &sl->entries; n = n->next) {
        struct sts_entry *e = container_of(n, struct sts_entry, link);
        if (!e->done)
            entry_cancel(e);
    }
    if (sl->https)
        https_client_close(sl->https);
    hmap_free(&sl->cache, entry_free);
    free(sl);
    lp->sts = NULL;
}

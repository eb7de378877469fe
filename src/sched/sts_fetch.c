/* sts_fetch: a domain's MTA-STS policy on the loop (see sched_int.h, "sts_fetch.c").
 *
 * Per domain (struct sts_op): the TXT record read at once; when it gives an id, the policy
 * host's addresses, the one used checked against the blocklist, the fetch and the body's
 * parse, then its MSG_RESOLVED. The policy host is named after the domain (mta-sts.DOMAIN, and
 * its certificate must match that name), so domains never share a fetch: a scan makes at most
 * one per domain with a valid TXT record, and none per MX host or endpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/mtasts.h"
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
    struct list_node ops;       /* domains waiting for their policy host or fetch */
};

struct sts_op {
    struct sts_loop *sl;
    struct list_node link;    /* in sl->ops */
    struct domain_job *job;   /* its MSG_RESOLVED has gone (sts_wait) */
    struct sts_state *st;
    char *host;               /* mta-sts.DOMAIN */
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

void sts_state_link(struct sts_state *st)
{
    st->s.asked = 1;
    st->s.error = st->error;
    st->s.fetch_ip = st->fetch_ip;
    st->s.policy = st->s.status == STS_OK ? &st->policy : NULL;
}

/* The fetch is over (st) or was cancelled by the loop's close (NULL): MSG_STS. */
static void op_end(struct sts_op *op, struct sts_state *st)
{
    list_remove(&op->link);
    if (st)
        sts_state_link(st);
    else
        sts_state_free(op->st);
    loop_post(op->sl->lp, &(struct run_msg){.kind = MSG_STS, .job = op->job, .sts = st});
    free(op->host);
    free(op);
}

static void op_finish(struct sts_op *op)
{
    op_end(op, op->st);
}

static void op_cancel(struct sts_op *op)
{
    op_end(op, NULL);
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
    int k = sender_txt_select(t, "v=STSv1");
    if (k == -1) {
        s->status = STS_NO_TXT;
        return;
    }
    if (k == -2) {
        s->status = STS_TXT_MULTIPLE;
        return;
    }
    switch (mtasts_txt_parse((const char *)t->rr[k].data, t->rr[k].len, s->id)) {
    case MTASTS_TXT_OK:
        s->status = STS_OK; /* for now: the policy decides */
        return;
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
    s->id[0] = 0;
}

/* ---------------------------------------------------------------- the fetch */

static void on_fetch(void *arg, struct https_result *res)
{
    struct sts_op *op = arg;
    struct sts_state *st = op->st;
    struct sender_sts *s = &st->s;
    s->fetch_status = https_status_str(res->status);
    s->http_code = res->http_code;
    if (res->status != HTTPS_OK) {
        s->status = STS_FETCH;
        if (res->error)
            st->error = xstrdup(res->error);
    } else {
        struct mtasts_reader rd;
        mtasts_reader_init(&rd);
        mtasts_reader_feed(&rd, res->body, res->body_len);
        enum mtasts_policy_error pe = mtasts_reader_end(&rd, &st->policy);
        if (pe == MTASTS_POLICY_OK) {
            s->status = STS_OK;
        } else {
            s->status = STS_POLICY;
            s->policy_error = pe;
            s->policy_line = rd.line; /* 0 for a field missing from the whole body */
        }
    }
    https_result_clear(res);
    op_finish(op);
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
    struct sts_op *op = arg;
    struct sts_loop *sl = op->sl;
    const struct sched_opts *o = sl->lp->o;
    struct sts_state *st = op->st;
    struct sender_sts *s = &st->s;
    if (rr->status == RESOLVE_CANCELLED) {
        resolve_result_free(rr);
        op_cancel(op);
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
        st->error = xstrdup(why);
        resolve_result_free(rr);
        op_finish(op);
        return;
    }
    st->fetch_ip = xstrdup(ip);
    resolve_result_free(rr);
    struct blocklist_verdict v;
    char why[4600];
    if (blocklist_check(o->blocklist, st->fetch_ip, &v) != 0) {
        s->status = STS_BLOCKED;
        size_t n = (size_t)snprintf(why, sizeof(why), "blocked: ");
        blocklist_reason(&v, why + n, sizeof(why) - n);
        st->error = xstrdup(why);
        op_finish(op);
        return;
    }
    sl->lp->c.sts_fetches++;
    if (https_ready(sl, why, sizeof(why)) < 0 ||
        https_fetch(sl->https, op->host, st->fetch_ip, o->mta_sts_port, STS_PATH, on_fetch,
                    op) < 0) {
        s->status = STS_FETCH;
        s->fetch_status = https_status_str(HTTPS_FETCH_FAILED);
        st->error = xstrdup(sl->https ? "the fetch could not be started" : why);
        op_finish(op);
    }
}

/* ---------------------------------------------------------------- per domain */

void sts_resolved(struct probe_loop *lp, struct domain_job *j, struct resolve_result *rr)
{
    struct run_msg m = {.kind = MSG_RESOLVED, .job = j, .rr = rr};
    if (!lp->o->policy || rr->status == RESOLVE_CANCELLED || !rr->sts.asked) {
        loop_post(lp, &m);
        return;
    }
    struct sts_state *st = xcalloc(1, sizeof(*st));
    txt_verdict(&rr->sts, st);
    if (st->s.status != STS_OK || lp->closed) { /* no policy to fetch */
        sts_state_link(st);
        m.sts = st;
        loop_post(lp, &m);
        return;
    }
    /* The host's name before the message goes: the job is the run's from then on. */
    size_t hlen = strlen(j->domain) + sizeof("mta-sts.");
    char *host = xmalloc(hlen);
    snprintf(host, hlen, "mta-sts.%s", j->domain);
    m.sts_wait = 1; /* the state follows in MSG_STS */
    loop_post(lp, &m);
    if (!lp->sts) {
        lp->sts = xcalloc(1, sizeof(*lp->sts));
        lp->sts->lp = lp;
        list_init(&lp->sts->ops);
    }
    struct sts_op *op = xcalloc(1, sizeof(*op));
    op->sl = lp->sts;
    op->job = j;
    op->st = st;
    list_push_back(&lp->sts->ops, &op->link);
    op->host = host;
    if (resolve_host(lp->res, op->host, on_host, op) < 0)
        op_cancel(op); /* the resolver is closing */
}

void sts_loop_close(struct probe_loop *lp)
{
    struct sts_loop *sl = lp->sts;
    if (!sl)
        return;
    /* Fetches still on the wire: their domains are not reported (no callback comes after
     * the close). */
    while (!list_empty(&sl->ops))
        op_cancel(container_of(sl->ops.next, struct sts_op, link));
    if (sl->https)
        https_client_close(sl->https);
    free(sl);
    lp->sts = NULL;
}

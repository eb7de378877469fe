/* dns_pool: see dns_pool.h.
 *
 * Choosing a socket for a try: from the server's cursor on (it moves on by one each time, so
 * the load spreads over the open sockets), the first open socket carrying fewer than
 * DNS_POOL_PER_SOCKET queries; else a new socket in the first empty slot; else (every slot full
 * and busy: only when max_inflight leaves more in flight than slots x DNS_POOL_PER_SOCKET) the
 * least loaded socket. At low load the client so uses one socket; at max_inflight it uses
 * about max_inflight / DNS_POOL_PER_SOCKET.
 *
 * A send is batched: the datagram is copied into the pool's batch and the flusher (a libuv
 * prepare handle: it runs after the loop's timers and I/O callbacks, before it waits again)
 * sends the batch with one sendmmsg() per socket, again for what a short count left. Only when
 * a socket's send buffer is full (EAGAIN) is the rest queued in libuv (struct dns_send, which
 * owns a copy of the datagram and frees itself in its callback, which libuv runs, with
 * UV_ECANCELED at the latest, before the socket's close callback). Any other error fails the
 * socket as an ICMP error does: retired, and what is in flight on it failed from the reaper. */
#define _GNU_SOURCE /* sendmmsg, struct mmsghdr */
#include "dns_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct dns_sock {
    uv_udp_t udp;
    struct dns_pool *p;
    struct list_node link; /* in p->socks until it is closing */
    int server, slot;      /* slot: -1 once retired */
    int failed;            /* a send failed: what is still in flight fails from the reaper */
    unsigned long inflight;
    unsigned long sent;    /* queries it has carried */
    struct list_node bucket[DNS_POOL_BUCKETS];
};

struct dns_send {
    uv_udp_send_t req;
    struct dns_pool *p;
    struct dns_pool_entry *e; /* NULL once e's try is over */
    uint8_t data[];
};

int (*dns_pool_sendmmsg)(int fd, struct mmsghdr *msgs, unsigned int n, int flags) = sendmmsg;

int dns_pool_slots(int max_inflight, int want)
{
    if (want > 0)
        return want < DNS_POOL_MAX_SLOTS ? want : DNS_POOL_MAX_SLOTS;
    if (max_inflight <= 0)
        return DNS_POOL_MAX_SLOTS;
    int n = (max_inflight + DNS_POOL_PER_SOCKET - 1) / DNS_POOL_PER_SOCKET;
    return n < DNS_POOL_MAX_SLOTS ? n : DNS_POOL_MAX_SLOTS;
}

void dns_pool_init(struct dns_pool *p, uv_loop_t *loop, const struct sockaddr_storage *servers,
                   int nservers, int slots, int uses, struct rng *rng)
{
    p->loop = loop;
    p->servers = servers;
    p->nservers = nservers;
    p->slots = slots;
    p->uses = uses > 0 ? uses : DNS_POOL_SOCKET_USES;
    p->slot = xcalloc((size_t)(nservers * slots), sizeof(*p->slot));
    p->cursor = xcalloc((size_t)nservers, sizeof(*p->cursor));
    list_init(&p->socks);
    uv_timer_init(loop, &p->reaper);
    uv_prepare_init(loop, &p->flusher);
    p->open = 2; /* the reaper, the flusher */
    p->rng = rng;
    p->buf = xmalloc((size_t)DNS_POOL_RECV_BATCH * DNS_POOL_RECV_CHUNK);
    p->pending = xmalloc(DNS_POOL_SEND_BATCH * sizeof(*p->pending));
    p->npending = 0;
}

/* ---- sockets ---- */

/* One of the pool's handles is gone: the last one frees the tables, then the client may go. */
static void pool_release(struct dns_pool *p)
{
    p->open--;
    if (p->open == 0 && p->closing) { /* the last one: the tables go too */
        free(p->slot);
        free(p->cursor);
        free(p->buf);
        free(p->pending);
        p->slot = NULL;
        p->cursor = NULL;
        p->buf = NULL;
        p->pending = NULL;
    }
    p->sock_freed(p);
}

static void on_sock_closed(uv_handle_t *h)
{
    struct dns_sock *s = container_of(h, struct dns_sock, udp);
    struct dns_pool *p = s->p;
    free(s);
    pool_release(p);
}

static void on_reaper_closed(uv_handle_t *h)
{
    pool_release(container_of(h, struct dns_pool, reaper));
}

static void on_flusher_closed(uv_handle_t *h)
{
    pool_release(container_of(h, struct dns_pool, flusher));
}

static void sock_close(struct dns_sock *s)
{
    list_remove(&s->link);
    uv_close((uv_handle_t *)&s->udp, on_sock_closed);
}

/* No new query goes to s; it closes once nothing is in flight on it. */
static void sock_retire(struct dns_sock *s)
{
    if (s->slot < 0)
        return;
    s->p->slot[s->server * s->p->slots + s->slot] = NULL;
    s->slot = -1;
    (*s->p->n_retired)++;
    if (s->inflight == 0)
        sock_close(s);
}

static struct dns_pool_entry *sock_find(struct dns_sock *s, uint16_t id)
{
    struct list_node *head = &s->bucket[id % DNS_POOL_BUCKETS];
    for (struct list_node *n = head->next; n != head; n = n->next) {
        struct dns_pool_entry *e = container_of(n, struct dns_pool_entry, link);
        if (e->id == id)
            return e;
    }
    return NULL;
}

/* Any query in flight on s, or NULL. */
static struct dns_pool_entry *sock_any(struct dns_sock *s)
{
    for (int i = 0; i < DNS_POOL_BUCKETS; i++)
        if (!list_empty(&s->bucket[i]))
            return container_of(s->bucket[i].next, struct dns_pool_entry, link);
    return NULL;
}

/* s failed (ICMP port unreachable, a failed send): nobody serves DNS at its server as far as
 * these queries can tell, so every query in flight on it has failed. Each is taken out before
 * its owner hears of it: its next try goes to a fresh socket, and an owner that frees the
 * client (which forgets the rest and closes s) leaves nothing here to reach. Runs only from a
 * loop callback of the pool's own, never inside dns_pool_send(). */
static void sock_fail_all(struct dns_sock *s)
{
    struct dns_pool *p = s->p;
    sock_retire(s);
    struct dns_pool_entry *e;
    while (s->inflight > 0 && (e = sock_any(s)) != NULL) {
        int last = s->inflight == 1; /* forgetting the last one closes s */
        dns_pool_forget(e);
        p->on_error(e);
        if (last)
            break;
    }
}

/* Fails what is in flight on sockets whose send failed (so that the query whose send failed
 * was not on the stack when the others' owners were called). */
static void on_reaper(uv_timer_t *t)
{
    struct dns_pool *p = container_of(t, struct dns_pool, reaper);
    for (;;) {
        struct dns_sock *s = NULL;
        for (struct list_node *n = p->socks.next; n != &p->socks && !s; n = n->next) {
            struct dns_sock *x = container_of(n, struct dns_sock, link);
            if (x->failed && x->inflight > 0)
                s = x;
        }
        if (!s)
            return;
        s->failed = 0;
        sock_fail_all(s);
    }
}

static void sock_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct dns_sock *s = container_of(h, struct dns_sock, udp);
    *buf = uv_buf_init(s->p->buf, DNS_POOL_RECV_BATCH * DNS_POOL_RECV_CHUNK);
}

static void sock_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                      unsigned flags)
{
    struct dns_sock *s = container_of(h, struct dns_sock, udp);
    struct dns_pool *p = s->p;
    if (nread == 0 && !addr)
        return; /* libuv saying "nothing more to read", or the end of a recvmmsg batch */
    if (nread < 0) {
        sock_fail_all(s); /* on a connected socket mostly ICMP port unreachable */
        return;
    }
    const uint8_t *d = (const uint8_t *)buf->base;
    struct dns_pool_entry *e = NULL;
    if (!(flags & UV_UDP_PARTIAL) && nread >= 2)
        e = sock_find(s, (uint16_t)(d[0] << 8 | d[1]));
    p->on_reply(p, e, addr, s->server, d, (size_t)nread);
}

static struct dns_sock *sock_open(struct dns_pool *p, int server, int slot)
{
    struct dns_sock *s = xcalloc(1, sizeof(*s));
    const struct sockaddr *addr = (const struct sockaddr *)&p->servers[server];
    if (uv_udp_init_ex(p->loop, &s->udp, addr->sa_family | UV_UDP_RECVMMSG) < 0) {
        free(s);
        return NULL;
    }
    s->p = p;
    s->server = server;
    s->slot = slot;
    for (int i = 0; i < DNS_POOL_BUCKETS; i++)
        list_init(&s->bucket[i]);
    list_push_front(&p->socks, &s->link);
    p->open++;
    /* connect() binds the socket to port 0 — a kernel-chosen random port — and makes the
     * kernel drop datagrams from other sources and report ICMP errors to us. */
    int rc = uv_udp_connect(&s->udp, addr);
    if (rc == 0)
        rc = uv_udp_recv_start(&s->udp, sock_alloc, sock_recv);
    /* An idle socket waiting for the next query must not keep the loop running (uv_run
     * returns once the work is done, as it did when a try's socket closed with the try):
     * a query on the wire keeps it alive by its timer. */
    uv_unref((uv_handle_t *)&s->udp);
    if (rc < 0) {
        sock_close(s);
        return NULL;
    }
    p->slot[server * p->slots + slot] = s;
    (*p->n_sockets)++;
    return s;
}

/* The socket for the next try to server (see the top of this file); NULL when none opens. */
static struct dns_sock *sock_pick(struct dns_pool *p, int server)
{
    struct dns_sock **slot = p->slot + server * p->slots, *busiest_free = NULL;
    int empty = -1, start = p->cursor[server];
    p->cursor[server] = (start + 1) % p->slots;
    for (int i = 0; i < p->slots; i++) {
        int k = (start + i) % p->slots;
        struct dns_sock *s = slot[k];
        if (!s) {
            if (empty < 0)
                empty = k;
        } else if (s->inflight < DNS_POOL_PER_SOCKET) {
            return s;
        } else if (!busiest_free || s->inflight < busiest_free->inflight) {
            busiest_free = s; /* the least loaded of the full ones */
        }
    }
    if (empty >= 0)
        return sock_open(p, server, empty);
    return busiest_free;
}

/* ---- sends ---- */

static void on_sent(uv_udp_send_t *req, int status)
{
    struct dns_send *snd = container_of(req, struct dns_send, req);
    struct dns_pool *p = snd->p;
    struct dns_pool_entry *e = snd->e;
    free(snd);
    if (!e)
        return; /* its try is over (or cancelled with the socket's close: UV_ECANCELED) */
    e->send = NULL;
    if (status < 0) { /* a loop callback: the others on the socket can fail right here */
        struct dns_sock *s = e->sock;
        sock_retire(s);     /* no new query on a socket that fails */
        dns_pool_forget(e); /* (closes s if e was the last on it; s stays readable) */
        p->on_error(e);
        if (!p->closing && s->inflight > 0)
            sock_fail_all(s);
    }
}

/* s cannot send: no new query on it, and what is in flight on it fails from the reaper (so
 * that no owner is called from inside a send). */
static void sock_send_failed(struct dns_sock *s)
{
    sock_retire(s);
    if (s->inflight > 0 && !s->failed) {
        s->failed = 1;
        uv_timer_start(&s->p->reaper, on_reaper, 0, 0);
    }
}

/* The socket's send buffer is full: libuv sends a copy of the datagram when it has room. */
static int send_queued(struct dns_sock *s, struct dns_pool_entry *e, const uint8_t *data,
                       size_t len)
{
    struct dns_send *snd = xmalloc(sizeof(*snd) + len);
    memcpy(snd->data, data, len);
    snd->p = s->p;
    snd->e = e;
    uv_buf_t b = uv_buf_init((char *)snd->data, (unsigned)len);
    int rc = uv_udp_send(&snd->req, &s->udp, &b, 1, NULL, on_sent);
    if (rc < 0) {
        free(snd);
        return rc;
    }
    e->send = snd;
    return 0;
}

/* Sends the k datagrams of the batch at idx[], all for s, in as few sendmmsg() as the
 * kernel takes them. */
static void send_batch(struct dns_sock *s, const int *idx, unsigned k)
{
    struct dns_pool *p = s->p;
    struct mmsghdr m[DNS_POOL_SEND_BATCH];
    struct iovec iov[DNS_POOL_SEND_BATCH];
    memset(m, 0, k * sizeof(*m));
    for (unsigned i = 0; i < k; i++) {
        struct dns_pending *pd = &p->pending[idx[i]];
        iov[i].iov_base = pd->data;
        iov[i].iov_len = pd->len;
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1; /* connected: no address */
    }
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)&s->udp, &fd) < 0) {
        sock_send_failed(s);
        return;
    }
    unsigned off = 0;
    while (off < k) {
        int r = dns_pool_sendmmsg(fd, m + off, k - off, 0);
        if (r > 0) { /* a short count: the rest again */
            off += (unsigned)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            for (; off < k; off++) {
                struct dns_pending *pd = &p->pending[idx[off]];
                if (send_queued(s, pd->e, pd->data, pd->len) < 0) {
                    sock_send_failed(s);
                    return;
                }
            }
            return;
        }
        /* The socket is failing (most often an ICMP error for an earlier query, reported on
         * this send and so never to the receive side). */
        sock_send_failed(s);
        return;
    }
}

/* Sends the batch: per socket, its datagrams in the order they were queued. Calls no owner
 * (libuv calls no send callback from inside uv_udp_send), so no query is forgotten while it
 * runs. */
static void pool_flush(struct dns_pool *p)
{
    int n = p->npending, idx[DNS_POOL_SEND_BATCH];
    p->npending = 0;
    for (int i = 0; i < n; i++) {
        struct dns_sock *s = p->pending[i].sock;
        if (!p->pending[i].e)
            continue; /* sent with an earlier socket's, or its try ended: s may be gone */
        unsigned k = 0;
        for (int j = i; j < n; j++)
            if (p->pending[j].e && p->pending[j].sock == s)
                idx[k++] = j;
        if (!s->failed) /* else what is on it fails from the reaper */
            send_batch(s, idx, k);
        for (unsigned x = 0; x < k; x++) {
            p->pending[idx[x]].e->pending = 0;
            p->pending[idx[x]].e = NULL;
        }
    }
}

static void on_flush(uv_prepare_t *h)
{
    struct dns_pool *p = container_of(h, struct dns_pool, flusher);
    uv_prepare_stop(h);
    pool_flush(p);
}

int dns_pool_send(struct dns_pool *p, int server, struct dns_pool_entry *e, uint8_t *wire,
                  size_t len)
{
    if (len > DNS_POOL_DGRAM_MAX)
        return UV_EMSGSIZE;
    if (p->npending == DNS_POOL_SEND_BATCH)
        pool_flush(p); /* before the pick: a socket that fails there is retired */
    struct dns_sock *s = sock_pick(p, server);
    if (!s)
        return UV_EMFILE;
    /* An ID not in flight on this socket: at most a few draws, as a socket carries few. */
    uint16_t id;
    do
        id = rng_u16(p->rng);
    while (sock_find(s, id));
    wire[0] = (uint8_t)(id >> 8);
    wire[1] = (uint8_t)id;
    struct dns_pending *pd = &p->pending[p->npending++];
    pd->sock = s;
    pd->e = e;
    pd->len = len;
    memcpy(pd->data, wire, len);
    uv_prepare_start(&p->flusher, on_flush);
    e->pending = p->npending;
    e->sock = s;
    e->id = id;
    e->send = NULL;
    list_push_front(&s->bucket[id % DNS_POOL_BUCKETS], &e->link);
    s->inflight++;
    if (++s->sent >= (unsigned long)p->uses)
        sock_retire(s); /* its port has been used enough: the next query gets a fresh one */
    return 0;
}

void dns_pool_forget(struct dns_pool_entry *e)
{
    struct dns_sock *s = e->sock;
    if (!s)
        return;
    if (e->send) {
        e->send->e = NULL;
        e->send = NULL;
    }
    if (e->pending) { /* not sent yet: it never will be */
        s->p->pending[e->pending - 1].e = NULL;
        e->pending = 0;
    }
    list_remove(&e->link);
    e->sock = NULL;
    if (--s->inflight == 0 && s->slot < 0)
        sock_close(s);
}

void dns_pool_close(struct dns_pool *p)
{
    p->closing = 1;
    p->npending = 0; /* every query was forgotten: nothing in it is still wanted */
    uv_close((uv_handle_t *)&p->reaper, on_reaper_closed);
    uv_close((uv_handle_t *)&p->flusher, on_flusher_closed);
    while (!list_empty(&p->socks)) {
        struct dns_sock *s = container_of(p->socks.next, struct dns_sock, link);
        if (s->slot >= 0)
            p->slot[s->server * p->slots + s->slot] = NULL;
        s->slot = -1;
        sock_close(s);
    }
}

/* dns_pool: see dns_pool.h.
 *
 * Choosing a socket for a try: from the server's cursor on (it moves on by one each time, so
 * the load spreads over the open sockets), the first open socket carrying fewer than
 * DNS_POOL_PER_SOCKET queries; else a new socket in the first empty slot; else (every slot full
 * and busy: only when max_inflight leaves more in flight than slots x DNS_POOL_PER_SOCKET) the
 * least loaded socket. At low load the client so uses one socket; at max_inflight it uses
 * about max_inflight / DNS_POOL_PER_SOCKET.
 *
 * A send goes out at once with uv_udp_try_send (UDP to a connected socket: the datagram is
 * copied into the kernel, nothing to keep); only when the socket's send buffer is full is it
 * queued (struct dns_send, which owns a copy of the datagram and frees itself in its
 * callback, which libuv runs, with UV_ECANCELED at the latest, before the socket's close
 * callback). */
#include "dns_pool.h"

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
    p->open = 1; /* the reaper */
    p->rng = rng;
    p->buf = xmalloc((size_t)DNS_POOL_RECV_BATCH * DNS_POOL_RECV_CHUNK);
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
        p->slot = NULL;
        p->cursor = NULL;
        p->buf = NULL;
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

int dns_pool_send(struct dns_pool *p, int server, struct dns_pool_entry *e, uint8_t *wire,
                  size_t len)
{
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
    uv_buf_t b = uv_buf_init((char *)wire, (unsigned)len);
    int rc = uv_udp_try_send(&s->udp, &b, 1, NULL);
    struct dns_send *snd = NULL;
    if (rc == UV_EAGAIN) { /* the send buffer is full: queue a copy */
        snd = xmalloc(sizeof(*snd) + len);
        memcpy(snd->data, wire, len);
        snd->p = p;
        snd->e = e;
        b = uv_buf_init((char *)snd->data, (unsigned)len);
        rc = uv_udp_send(&snd->req, &s->udp, &b, 1, NULL, on_sent);
        if (rc < 0) {
            free(snd);
            snd = NULL;
        }
    }
    if (rc < 0) {
        /* The socket is failing (most often an ICMP error for an earlier query, reported on
         * this send and so never to the receive side): no new query on it, and what is in
         * flight on it fails from the loop. */
        sock_retire(s);
        if (s->inflight > 0) {
            s->failed = 1;
            uv_timer_start(&p->reaper, on_reaper, 0, 0);
        }
        return rc;
    }
    e->sock = s;
    e->id = id;
    e->send = snd;
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
    list_remove(&e->link);
    e->sock = NULL;
    if (--s->inflight == 0 && s->slot < 0)
        sock_close(s);
}

void dns_pool_close(struct dns_pool *p)
{
    p->closing = 1;
    uv_close((uv_handle_t *)&p->reaper, on_reaper_closed);
    while (!list_empty(&p->socks)) {
        struct dns_sock *s = container_of(p->socks.next, struct dns_sock, link);
        if (s->slot >= 0)
            p->slot[s->server * p->slots + s->slot] = NULL;
        s->slot = -1;
        sock_close(s);
    }
}

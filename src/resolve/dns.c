/* dns: see dns.h.
 *
 * The exchange (RFC 1035 §4.2, RFC 7766 for TCP): for each try, take a UDP socket of the
 * client's pool (dns_pool.c: sockets connected to the server, each on a random port the
 * kernel picked, shared by many queries and retired after a bounded number), send one query
 * with a random ID not in flight on that socket, RD=1 and optionally an EDNS0 OPT record
 * (RFC 6891; its DO bit with dnssec or DNS_Q_DO, RFC 3225; CD=1 with DNS_Q_CD), and wait
 * up to timeout_ms for a reply that passes validation (the pool hands over a datagram from
 * the server with the try's ID; the question is checked here).
 * A valid reply with TC=1 moves the same try to TCP (same server, new timeout): connect,
 * write the query behind its 2-octet length, read one length-prefixed reply.
 *
 * Failure classes per try: timeout (nothing valid arrived in time), network error (socket
 * calls failed, ICMP port unreachable on the connected UDP socket — which fails every try in
 * flight on that socket, as they all asked the server that is not there —, TCP refused or
 * closed before a whole reply), bad reply (the server only sent malformed or mismatched
 * replies).
 * A failed try is followed by the next one on the next server until 1 + retries tries are
 * spent; the query then ends with the last try's failure.
 *
 * Handle discipline (libuv handle.rst): a TCP socket lives in its own struct dns_conn, closed
 * with uv_close() and freed in its close callback; the pool's UDP sockets likewise (dns_pool.c);
 * the query's timer is embedded in struct dns_query, which is freed in the timer's close
 * callback. A conn is detached (conn->q = NULL) before it is closed, so callbacks still in
 * flight (libuv cancels pending writes and connects with UV_ECANCELED before the close
 * callback) see no query and do nothing; a query leaves the pool (dns_pool_forget) whenever its
 * try ends. The client counts queries and conns not yet freed, the pool its sockets, and the
 * client frees itself after the last of them once dns_client_free() asked for it. */
#include "dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/util.h"
#include "dns_pool.h"

#define DNS_DEFAULT_TIMEOUT_MS 2000
#define DNS_TCP_MAX (2 + 65535) /* length prefix + the largest DNS message */

/* Where a query stands; the timer callback dispatches on it. */
enum query_state {
    Q_START, /* created; the 0 ms timer will start the first try from the loop */
    Q_UDP,   /* a datagram is out, waiting for a reply or the timeout */
    Q_TCP,   /* the reply was truncated, the same try continues over TCP */
    Q_DONE,  /* the callback has been called; only the timer's close is pending */
};

/* A TCP connection for the truncated answer of one try. */
struct dns_conn {
    union {
        uv_handle_t handle;
        uv_tcp_t tcp;
    } h;
    struct dns_client *c;
    struct dns_query *q; /* NULL once detached */
    uv_connect_t connect_req;
    uv_write_t write_req;
    uint8_t *out; /* the query as sent (with its length prefix over TCP) */
    size_t outlen;
    uint8_t *in; /* the reply being assembled */
    size_t inlen;
};

struct dns_query {
    struct dns_client *c;
    struct list_node link; /* in c->active while not done */
    enum query_state state;
    dns_cb cb;
    void *arg;
    ldns_rdf *qname;
    ldns_rr_type type;
    unsigned flags;           /* DNS_Q_DO, DNS_Q_CD: the caller's and dns_opts.dnssec's */
    uint16_t id;              /* of the current try */
    int try;                  /* 0-based index of the current try */
    enum dns_status try_fail; /* what the current try will report if it times out */
    uv_timer_t timer;
    struct dns_pool_entry pe; /* the current try's place in the pool (UDP) */
    struct dns_conn *conn;    /* the current try's TCP socket, NULL when none */
    int on_wire;           /* counted in c->inflight (has started its first try) */
    int parked;            /* waiting in c->waiting for a free slot */
    struct list_node wait; /* in c->waiting while parked */
};

struct dns_client {
    uv_loop_t *loop;
    struct sockaddr_storage servers[DNS_MAX_SERVERS];
    int nservers;
    struct dns_opts opts;
    struct rng rng;
    struct list_node active;  /* struct dns_query, not done */
    int inflight;             /* queries on the wire */
    struct list_node waiting; /* struct dns_query parked by max_inflight, oldest first */
    int pumping;              /* pump() is running: a nested call leaves the work to it */
    unsigned long alive; /* queries and conns not yet freed (the pool counts its sockets) */
    int freeing;
    struct dns_stats stats;
    struct dns_pool pool;
};

static void try_failed(struct dns_query *q, enum dns_status st);
static void start_tcp(struct dns_query *q);

const char *dns_status_str(enum dns_status st)
{
    switch (st) {
    case DNS_OK:
        return "ok";
    case DNS_TIMEOUT:
        return "timeout";
    case DNS_NETERR:
        return "network error";
    case DNS_BADREPLY:
        return "bad reply";
    case DNS_CANCELLED:
        return "cancelled";
    }
    return "?";
}

/* Frees c once dns_client_free() asked for it and nothing of it is left. */
static void client_maybe_free(struct dns_client *c)
{
    if (c->freeing && c->alive == 0 && c->pool.open == 0) {
        rng_free(&c->rng);
        free(c);
    }
}

static void client_release(struct dns_client *c)
{
    c->alive--;
    client_maybe_free(c);
}

static const struct sockaddr *query_server(const struct dns_query *q)
{
    return (const struct sockaddr *)&q->c->servers[q->try % q->c->nservers];
}

/* ---- packets ---- */

int dns_reply_matches(const ldns_pkt *reply, uint16_t id, const ldns_rdf *qname,
                      ldns_rr_type type)
{
    if (!ldns_pkt_qr(reply) || ldns_pkt_id(reply) != id)
        return 0;
    const ldns_rr_list *qs = ldns_pkt_question(reply);
    if (!qs || ldns_rr_list_rr_count(qs) != 1)
        return 0;
    const ldns_rr *qr = ldns_rr_list_rr(qs, 0);
    return ldns_rr_get_type(qr) == type && ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN &&
           ldns_dname_compare(ldns_rr_owner(qr), qname) == 0;
}

size_t dns_query_wire(uint8_t *out, size_t outsz, uint16_t id, const ldns_rdf *qname,
                      ldns_rr_type type, int edns, unsigned flags)
{
    /* What ldns_pkt_query_new + ldns_pkt2wire make of a query with RD=1 (test_dns.c checks
     * it octet for octet), without their packet and their 64 KiB buffer per call: a dname rdf
     * already holds the name in wire form, uncompressed, with its root label. */
    size_t nlen = ldns_rdf_size(qname);
    if (flags & DNS_Q_DO)
        edns = 1; /* the DO bit is in the OPT record */
    size_t need = 12 + nlen + 4 + (edns ? 11 : 0);
    if (ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME || nlen == 0 || nlen > 255 ||
        need > outsz)
        return 0;
    uint8_t *p = out;
    *p++ = (uint8_t)(id >> 8);
    *p++ = (uint8_t)id;
    *p++ = 0x01;                             /* RD */
    *p++ = (flags & DNS_Q_CD) ? 0x10 : 0x00; /* CD (RFC 4035 §3.2.2) */
    static const uint8_t counts[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* QD 1, AN 0, NS 0, AR below */
    memcpy(p, counts, sizeof(counts));
    p[7] = edns ? 1 : 0;
    p += sizeof(counts);
    memcpy(p, ldns_rdf_data(qname), nlen);
    p += nlen;
    *p++ = (uint8_t)(type >> 8);
    *p++ = (uint8_t)type;
    *p++ = 0x00;
    *p++ = LDNS_RR_CLASS_IN;
    if (edns) { /* OPT (RFC 6891): root owner, the payload size as class, TTL (extended
                 * RCODE, version, the flags with DO first: RFC 3225 §3) and RDLEN 0 */
        static const uint8_t opt[11] = {0, 0, 41, DNS_EDNS_BUFSIZE >> 8, DNS_EDNS_BUFSIZE & 0xFF,
                                        0, 0, 0, 0, 0, 0};
        memcpy(p, opt, sizeof(opt));
        if (flags & DNS_Q_DO)
            p[7] = 0x80;
        p += sizeof(opt);
    }
    return (size_t)(p - out);
}

/* The query for the current try into out (DNS_QUERY_WIRE_MAX + 2 octets); prefix: the 2-octet
 * length first, for TCP. Returns the length, or 0. */
static size_t build_wire(const struct dns_query *q, int prefix, uint8_t *out)
{
    size_t n = dns_query_wire(out + (prefix ? 2 : 0), DNS_QUERY_WIRE_MAX, q->id, q->qname,
                              q->type, q->c->opts.edns, q->flags);
    if (n == 0)
        return 0;
    if (!prefix)
        return n;
    out[0] = (uint8_t)(n >> 8);
    out[1] = (uint8_t)n;
    return n + 2;
}

/* ---- completion ---- */

static void on_conn_closed(uv_handle_t *h)
{
    struct dns_conn *conn = container_of(h, struct dns_conn, h.handle);
    struct dns_client *c = conn->c;
    free(conn->out);
    free(conn->in);
    free(conn);
    client_release(c);
}

/* The current try leaves its sockets: the pool's UDP one, its TCP connection. */
static void conn_detach(struct dns_query *q)
{
    dns_pool_forget(&q->pe);
    struct dns_conn *conn = q->conn;
    if (!conn)
        return;
    q->conn = NULL;
    conn->q = NULL;
    uv_close(&conn->h.handle, on_conn_closed);
}

static void on_query_closed(uv_handle_t *h)
{
    struct dns_query *q = container_of(h, struct dns_query, timer);
    struct dns_client *c = q->c;
    ldns_rdf_deep_free(q->qname);
    free(q);
    client_release(c);
}

static void start_try(struct dns_query *q);
static void on_timer(uv_timer_t *t);

/* q goes on the wire: counted in c->inflight, its first try starts. */
static void launch(struct dns_query *q)
{
    struct dns_client *c = q->c;
    q->on_wire = 1;
    if ((unsigned long)++c->inflight > c->stats.peak_inflight)
        c->stats.peak_inflight = (unsigned long)c->inflight;
    start_try(q);
}

/* Fills the free slots with the longest-waiting queries at once, from the reply that freed
 * them: the resolver gets the next queries while the rest of a batch of replies is still being
 * read, rather than a batch later (which made the client and the resolver take turns). A first
 * try that fails at once ends its query here, callback included: the loop below carries on
 * with the next, a nested call returns at once (bounded stack), and a callback that frees the
 * client stops it (the client itself stays until the caller's query is closed). */
static void pump(struct dns_client *c)
{
    if (c->pumping)
        return;
    c->pumping = 1;
    while (!c->freeing && !list_empty(&c->waiting) &&
           (c->opts.max_inflight <= 0 || c->inflight < c->opts.max_inflight)) {
        struct dns_query *next = container_of(c->waiting.next, struct dns_query, wait);
        list_remove(&next->wait);
        next->parked = 0;
        launch(next);
    }
    c->pumping = 0;
}

/* Ends q: unlink, drop its socket, call back once, close the timer (which frees q), and give
 * its slot to a waiting query. */
static void finish(struct dns_query *q, enum dns_status st, const ldns_pkt *reply)
{
    struct dns_client *c = q->c;
    if (q->parked) {
        list_remove(&q->wait);
        q->parked = 0;
    }
    int freed_slot = q->on_wire;
    if (q->on_wire) {
        q->on_wire = 0;
        c->inflight--;
    }
    q->state = Q_DONE;
    list_remove(&q->link);
    conn_detach(q);
    uv_timer_stop(&q->timer);
    q->cb(q->arg, st, reply);
    uv_close((uv_handle_t *)&q->timer, on_query_closed);
    if (freed_slot)
        pump(c); /* c is still there: q counts in c->alive until its timer's close callback */
}

/* A reply from the server we asked (UDP source already checked; TCP is connected). */
static void handle_reply(struct dns_query *q, const uint8_t *data, size_t len, int over_tcp)
{
    ldns_pkt *p = NULL;
    if (ldns_wire2pkt(&p, data, len) != LDNS_STATUS_OK ||
        !dns_reply_matches(p, q->id, q->qname, q->type)) {
        ldns_pkt_free(p);
        q->c->stats.ignored++;
        /* A broken TCP stream cannot recover. Over UDP it may be noise or spoofing: keep
         * waiting, but if it carried our ID the server itself is answering badly, which is
         * what the try reports should the timer fire. */
        if (over_tcp)
            try_failed(q, DNS_BADREPLY);
        else if (len >= 2 && ((data[0] << 8) | data[1]) == q->id)
            q->try_fail = DNS_BADREPLY;
        return;
    }
    if (!over_tcp && ldns_pkt_tc(p)) {
        ldns_pkt_free(p);
        q->c->stats.truncated++;
        start_tcp(q);
        return;
    }
    finish(q, DNS_OK, p);
    ldns_pkt_free(p);
}

/* ---- UDP, through the pool ---- */

/* A datagram from a pooled socket. The kernel already drops other sources on a connected
 * socket; the source is checked again anyway. */
static void pool_reply(struct dns_pool *p, struct dns_pool_entry *e, const struct sockaddr *from,
                       int server, const uint8_t *data, size_t len)
{
    struct dns_client *c = container_of(p, struct dns_client, pool);
    if (!e || !from || !dns_sockaddr_equal(from, (const struct sockaddr *)&c->servers[server])) {
        c->stats.ignored++;
        return;
    }
    handle_reply(container_of(e, struct dns_query, pe), data, len, 0);
}

static void pool_error(struct dns_pool_entry *e)
{
    try_failed(container_of(e, struct dns_query, pe), DNS_NETERR);
}

static void pool_sock_freed(struct dns_pool *p)
{
    client_maybe_free(container_of(p, struct dns_client, pool));
}

/* Sends the try's query on a pooled socket; returns 0 or a libuv error (the try has failed). */
static int udp_start(struct dns_query *q)
{
    struct dns_client *c = q->c;
    uint8_t wire[DNS_QUERY_WIRE_MAX];
    q->id = 0; /* the pool draws it: unique on the socket it picks */
    size_t len = build_wire(q, 0, wire);
    if (len == 0)
        return UV_EINVAL;
    int rc = dns_pool_send(&c->pool, q->try % c->nservers, &q->pe, wire, len);
    q->id = q->pe.id;
    if (rc == 0)
        c->stats.udp_sent++;
    return rc;
}

/* ---- TCP ---- */

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct dns_conn *conn = container_of(h, struct dns_conn, h.handle);
    if (!conn->in)
        conn->in = xmalloc(DNS_TCP_MAX);
    *buf = uv_buf_init((char *)conn->in + conn->inlen, (unsigned)(DNS_TCP_MAX - conn->inlen));
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct dns_conn *conn = container_of(s, struct dns_conn, h.tcp);
    struct dns_query *q = conn->q;
    if (!q || nread == 0)
        return;
    if (nread < 0) {
        try_failed(q, DNS_NETERR); /* EOF or reset before a whole reply */
        return;
    }
    conn->inlen += (size_t)nread;
    if (conn->inlen < 2)
        return;
    size_t need = 2 + (size_t)((conn->in[0] << 8) | conn->in[1]);
    if (conn->inlen >= need)
        handle_reply(q, conn->in + 2, need - 2, 1); /* anything after one reply is ignored */
}

static void tcp_written(uv_write_t *req, int status)
{
    struct dns_conn *conn = container_of(req, struct dns_conn, write_req);
    if (status < 0 && conn->q)
        try_failed(conn->q, DNS_NETERR);
}

static void tcp_connected(uv_connect_t *req, int status)
{
    struct dns_conn *conn = container_of(req, struct dns_conn, connect_req);
    struct dns_query *q = conn->q;
    if (!q)
        return; /* detached while connecting: UV_ECANCELED */
    uv_stream_t *s = (uv_stream_t *)&conn->h.tcp;
    uv_buf_t b = uv_buf_init((char *)conn->out, (unsigned)conn->outlen);
    if (status == 0)
        status = uv_read_start(s, tcp_alloc, tcp_read);
    if (status == 0)
        status = uv_write(&conn->write_req, s, &b, 1, tcp_written);
    if (status < 0) {
        try_failed(q, DNS_NETERR);
        return;
    }
    q->c->stats.tcp_sent++;
}


/* The UDP answer was truncated: ask the same server the same question over TCP, with a
 * timeout of its own (connect + write + read). */
static void start_tcp(struct dns_query *q)
{
    struct dns_client *c = q->c;
    conn_detach(q);
    q->state = Q_TCP;
    q->try_fail = DNS_TIMEOUT;
    struct dns_conn *conn = xcalloc(1, sizeof(*conn));
    conn->c = c;
    conn->out = xmalloc(DNS_QUERY_WIRE_MAX + 2);
    conn->outlen = build_wire(q, 1, conn->out);
    int rc = conn->outlen ? uv_tcp_init(c->loop, &conn->h.tcp) : UV_EINVAL;
    if (rc < 0) {
        free(conn->out);
        free(conn);
        try_failed(q, DNS_NETERR);
        return;
    }
    c->alive++;
    conn->q = q;
    q->conn = conn;
    rc = uv_tcp_connect(&conn->connect_req, &conn->h.tcp, query_server(q), tcp_connected);
    if (rc < 0) {
        try_failed(q, DNS_NETERR);
        return;
    }
    uv_timer_start(&q->timer, on_timer, (uint64_t)c->opts.timeout_ms, 0);
}

/* ---- tries ---- */

static void start_try(struct dns_query *q)
{
    struct dns_client *c = q->c;
    q->state = Q_UDP;
    q->try_fail = DNS_TIMEOUT;
    if (udp_start(q) < 0) {
        try_failed(q, DNS_NETERR);
        return;
    }
    uv_timer_start(&q->timer, on_timer, (uint64_t)c->opts.timeout_ms, 0);
}

/* The current try is over without an answer: next try on the next server, or give up. */
static void try_failed(struct dns_query *q, enum dns_status st)
{
    conn_detach(q);
    if (q->try < q->c->opts.retries) {
        q->try++;
        start_try(q);
    } else {
        finish(q, st, NULL);
    }
}

static void on_timer(uv_timer_t *t)
{
    struct dns_query *q = container_of(t, struct dns_query, timer);
    struct dns_client *c = q->c;
    switch (q->state) {
    case Q_START:
        if (c->opts.max_inflight > 0 && c->inflight >= c->opts.max_inflight) {
            q->parked = 1; /* pump() launches it when a slot is free */
            list_push_back(&c->waiting, &q->wait);
            break;
        }
        launch(q);
        break;
    case Q_UDP:
    case Q_TCP:
        q->c->stats.timeouts++;
        try_failed(q, q->try_fail);
        break;
    case Q_DONE:
        break;
    }
}

/* ---- public ---- */

struct dns_client *dns_client_new(uv_loop_t *loop, const struct sockaddr_storage *servers,
                                  int nservers, const struct dns_opts *opts)
{
    if (nservers < 1 || nservers > DNS_MAX_SERVERS)
        return NULL;
    for (int i = 0; i < nservers; i++)
        if (servers[i].ss_family != AF_INET && servers[i].ss_family != AF_INET6)
            return NULL;
    struct dns_client *c = xcalloc(1, sizeof(*c));
    if (rng_init(&c->rng) < 0) { /* rng_init already released its state */
        free(c);
        return NULL;
    }
    c->loop = loop;
    list_init(&c->active);
    list_init(&c->waiting);
    memcpy(c->servers, servers, (size_t)nservers * sizeof(*servers));
    c->nservers = nservers;
    if (opts)
        c->opts = *opts;
    if (c->opts.timeout_ms <= 0)
        c->opts.timeout_ms = DNS_DEFAULT_TIMEOUT_MS;
    if (c->opts.retries < 0)
        c->opts.retries = 0;
    dns_pool_init(&c->pool, loop, c->servers, nservers,
                  dns_pool_slots(c->opts.max_inflight, c->opts.sockets), c->opts.socket_uses,
                  &c->rng);
    c->pool.n_sockets = &c->stats.sockets;
    c->pool.n_retired = &c->stats.retired;
    c->pool.on_reply = pool_reply;
    c->pool.on_error = pool_error;
    c->pool.sock_freed = pool_sock_freed;
    return c;
}

struct dns_query *dns_query(struct dns_client *c, const char *name, ldns_rr_type type,
                            dns_cb cb, void *arg)
{
    return dns_query_flags(c, name, type, 0, cb, arg);
}

struct dns_query *dns_query_flags(struct dns_client *c, const char *name, ldns_rr_type type,
                                  unsigned flags, dns_cb cb, void *arg)
{
    if (c->freeing)
        return NULL;
    ldns_rdf *qname = ldns_dname_new_frm_str(name);
    if (!qname)
        return NULL;
    struct dns_query *q = xcalloc(1, sizeof(*q));
    q->c = c;
    q->cb = cb;
    q->arg = arg;
    q->qname = qname;
    q->type = type;
    q->flags = (flags & (DNS_Q_DO | DNS_Q_CD)) | (c->opts.dnssec ? DNS_Q_DO : 0);
    q->state = Q_START;
    uv_timer_init(c->loop, &q->timer);
    c->alive++;
    c->stats.queries++;
    list_init(&q->wait);
    list_push_front(&c->active, &q->link);
    /* Start from the loop, never from here: the callback must not run inside dns_query(),
     * and a first try that fails at once would otherwise call it. */
    uv_timer_start(&q->timer, on_timer, 0, 0);
    return q;
}

void dns_cancel(struct dns_query *q)
{
    if (q->state != Q_DONE)
        finish(q, DNS_CANCELLED, NULL);
}

void dns_client_free(struct dns_client *c)
{
    if (!c || c->freeing)
        return;
    c->freeing = 1;
    while (!list_empty(&c->active))
        finish(container_of(c->active.next, struct dns_query, link), DNS_CANCELLED, NULL);
    dns_pool_close(&c->pool); /* nothing is in flight any more */
    client_maybe_free(c);
}

const struct dns_stats *dns_client_stats(const struct dns_client *c)
{
    return &c->stats;
}

/* ---- addresses ---- */

int dns_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return 0;
}

/* "53" → 53; digits only, 1..65535. */
static int parse_port(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
        return -1;
    long v = strtol(s, NULL, 10);
    return v >= 1 && v <= 65535 ? (int)v : -1;
}

static int fill_addr(const char *ip, int port, int want_v6, struct sockaddr_storage *out)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (!want_v6) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
            return -1;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
            return -1;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
    }
    *out = ss;
    return 0;
}

int dns_parse_server(const char *spec, struct sockaddr_storage *out)
{
    char ip[INET6_ADDRSTRLEN + 1];
    int port = 53;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || (size_t)(end - spec - 1) >= sizeof(ip))
            return -1;
        memcpy(ip, spec + 1, (size_t)(end - spec - 1));
        ip[end - spec - 1] = '\0';
        if (end[1] != '\0') {
            if (end[1] != ':' || (port = parse_port(end + 2)) < 0)
                return -1;
        }
        return fill_addr(ip, port, 1, out);
    }
    const char *colon = strchr(spec, ':');
    if (colon && strchr(colon + 1, ':'))
        return strlen(spec) < sizeof(ip) ? fill_addr(spec, port, 1, out) : -1; /* bare IPv6 */
    size_t iplen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (iplen >= sizeof(ip))
        return -1;
    memcpy(ip, spec, iplen);
    ip[iplen] = '\0';
    if (colon && (port = parse_port(colon + 1)) < 0)
        return -1;
    return fill_addr(ip, port, 0, out);
}

int dns_servers_from_resolv_conf(const char *path, struct sockaddr_storage *out, int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (n < max && getline(&line, &cap, f) != -1) {
        char *save = NULL;
        char *key = strtok_r(line, " \t\r\n", &save);
        if (!key || strcmp(key, "nameserver") != 0)
            continue;
        char *ip = strtok_r(NULL, " \t\r\n", &save);
        if (!ip || strchr(ip, '%'))
            continue; /* a link-local scope would need an interface we do not track */
        if (fill_addr(ip, 53, strchr(ip, ':') != NULL, &out[n]) == 0)
            n++;
    }
    free(line);
    fclose(f);
    return n;
}

const char *dns_server_str(const struct sockaddr_storage *ss, char *buf, size_t bufsz)
{
    char ip[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const void *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        snprintf(buf, bufsz, "%s:%u", ip, ntohs(sin->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const void *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        snprintf(buf, bufsz, "[%s]:%u", ip, ntohs(sin6->sin6_port));
    } else {
        snprintf(buf, bufsz, "(unknown address family)");
    }
    return buf;
}

int dns_reverse_name(const char *ip, char *out, size_t outsz)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, ip, b) == 1) {
        int n = snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
        return n > 0 && (size_t)n < outsz ? 0 : -1;
    }
    if (inet_pton(AF_INET6, ip, b) == 1) {
        static const char hex[] = "0123456789abcdef";
        if (outsz < 64 + sizeof("ip6.arpa"))
            return -1;
        char *p = out;
        for (int i = 15; i >= 0; i--) {
            *p++ = hex[b[i] & 0xF];
            *p++ = '.';
            *p++ = hex[b[i] >> 4];
            *p++ = '.';
        }
        strcpy(p, "ip6.arpa");
        return 0;
    }
    return -1;
}

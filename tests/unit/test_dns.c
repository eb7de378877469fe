/* dns.c against a scripted DNS server on 127.0.0.1 in the same loop. The server answers by
 * the first label of the question:
 *   a       one A record
 *   noise   three bad replies (wrong ID, wrong name, wrong type), then the real one
 *   big     TC=1 over UDP; 40 A records over TCP (in pieces when the test sets a plan: each
 *           piece sent only once the client has read the one before, and the connection held
 *           open after the reply, so only the length prefix can tell the client it is whole)
 *   close   TC=1 over UDP; over TCP it accepts and closes at once
 *   garbage a datagram carrying the query's ID and nothing parseable
 *   drop    nothing (the client times out)
 *   later   held until hold_count of them have come; then for each a reply under the ID of
 *           the next one (a wrong question for that ID), a right reply from another port
 *           (when the test sets rogue), and last the right replies, newest first; "later.nK"
 *           is answered with K A records, so the client's callback tells whose reply it got
 * Every test ends with uv_loop_close() == 0: no handle outlives the client. */
#define _GNU_SOURCE /* sendmmsg: the tests wrap the pool's call */
#include "resolve/dns.h"
#include "resolve/dns_pool.h"
#include "test.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* How the TCP reply to "big" is cut: piece sizes in turn (the last one repeated); 0 is "the
 * rest", -k "all but the last k octets". junk: octets sent after the reply in its last piece.
 * cut_at: the server closes after this many octets of the framed reply (0: it never closes). */
struct split {
    const char *name;
    int sizes[8];
    int nsizes;
    const char *junk;
    size_t cut_at;
};

struct fake {
    uv_loop_t *loop;
    uv_udp_t udp;
    uv_tcp_t listener;
    struct sockaddr_storage addr;
    int udp_queries, tcp_queries, edns_seen;
    uint16_t ids[64];
    int ports[64];
    const struct split *split; /* NULL: the TCP reply in one write, then close */
    int pieces_sent;           /* pieces of the last split reply */
    int piece_not_read;        /* a piece was due while the client still had octets unread */
    int hold_count;            /* "later" queries held before they are answered */
    ldns_pkt *held[16];
    struct sockaddr_storage held_from[16];
    int nheld;
    uv_udp_t *rogue; /* when set, also answers "later" from this other port */
};

struct fake_tcp {
    uv_tcp_t tcp;
    uv_idle_t idle; /* sends the next piece of a split reply */
    int handles;    /* open handles; freed when the last one is closed */
    struct fake *f;
    uint8_t buf[4096];
    size_t len;
    uint8_t *out; /* the framed reply (+ junk) being sent in pieces */
    size_t outlen, sent, end; /* end: where sending stops (outlen, or cut_at) */
    int piece;
    int client_fd; /* the client's socket (same process), looked up before each piece */
};

static const char *first_label(const ldns_pkt *q, char *buf, size_t sz)
{
    char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
    snprintf(buf, sz, "%s", s);
    free(s);
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
    str_ascii_lower(buf);
    return buf;
}

/* A reply to q with n A records; tc sets the truncation bit (and no records). */
static uint8_t *make_reply(const ldns_pkt *q, int n, int tc, size_t *len)
{
    ldns_pkt *r = ldns_pkt_new();
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, 1);
    ldns_pkt_set_rd(r, 1);
    ldns_pkt_set_ra(r, 1);
    ldns_pkt_set_tc(r, tc);
    ldns_rr *qr = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));
    ldns_dname2canonical(ldns_rr_owner(qr)); /* lowercased: the client must not care */
    ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qr);
    for (int i = 0; i < (tc ? 0 : n); i++) {
        ldns_rr *rr = ldns_rr_new();
        ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(qr)));
        ldns_rr_set_type(rr, LDNS_RR_TYPE_A);
        ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
        ldns_rr_set_ttl(rr, 60);
        char ip[32];
        snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
        ldns_rr_push_rdf(rr, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, ip));
        ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
    }
    uint8_t *w = NULL;
    ldns_pkt2wire(&w, r, len);
    ldns_pkt_free(r);
    return w;
}

static void fake_send(struct fake *f, const struct sockaddr *to, uint8_t *w, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)w, (unsigned)len);
    CHECK_INT(uv_udp_try_send(&f->udp, &b, 1, to), (int)len);
    free(w);
}

static void fake_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char mem[65536]; /* test-only: one server, one read at a time */
    *buf = uv_buf_init(mem, sizeof(mem));
}

/* K of a "later.nK..." question. */
static int later_k(const ldns_pkt *q)
{
    char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
    int k = 0;
    CHECK_INT(sscanf(s, "later.n%d.", &k), 1);
    free(s);
    return k;
}

static void fake_release_held(struct fake *f)
{
    size_t len;
    uint8_t *w;
    for (int i = 0; i < f->nheld; i++) { /* the reply to i under the ID of i + 1 */
        w = make_reply(f->held[i], later_k(f->held[i]), 0, &len);
        uint16_t other = ldns_pkt_id(f->held[(i + 1) % f->nheld]);
        w[0] = (uint8_t)(other >> 8), w[1] = (uint8_t)other;
        fake_send(f, (struct sockaddr *)&f->held_from[(i + 1) % f->nheld], w, len);
    }
    for (int i = 0; f->rogue && i < f->nheld; i++) { /* right ID and question, wrong port */
        w = make_reply(f->held[i], 9, 0, &len);
        uv_buf_t b = uv_buf_init((char *)w, (unsigned)len);
        CHECK_INT(uv_udp_try_send(f->rogue, &b, 1, (struct sockaddr *)&f->held_from[i]),
                  (int)len);
        free(w);
    }
    for (int i = f->nheld - 1; i >= 0; i--) {
        w = make_reply(f->held[i], later_k(f->held[i]), 0, &len);
        fake_send(f, (struct sockaddr *)&f->held_from[i], w, len);
        ldns_pkt_free(f->held[i]);
    }
    f->nheld = 0;
}

static void fake_udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                          const struct sockaddr *from, unsigned flags)
{
    struct fake *f = container_of(h, struct fake, udp);
    ldns_pkt *q = NULL;
    if (nread <= 0 || ldns_wire2pkt(&q, (uint8_t *)buf->base, (size_t)nread) != LDNS_STATUS_OK)
        return;
    if (f->udp_queries < 64) {
        f->ids[f->udp_queries] = ldns_pkt_id(q);
        f->ports[f->udp_queries] = ntohs(((const struct sockaddr_in *)from)->sin_port);
    }
    f->udp_queries++;
    f->edns_seen += ldns_pkt_edns(q) && ldns_pkt_edns_udp_size(q) == DNS_EDNS_BUFSIZE;
    char l[256];
    first_label(q, l, sizeof(l));
    size_t len;
    uint8_t *w;
    if (strcmp(l, "a") == 0) {
        w = make_reply(q, 1, 0, &len);
        fake_send(f, from, w, len);
    } else if (strcmp(l, "noise") == 0) {
        w = make_reply(q, 1, 0, &len);
        w[0] ^= 0x55; /* wrong ID */
        fake_send(f, from, w, len);
        const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0));
        ldns_pkt *other = ldns_pkt_query_new(ldns_dname_new_frm_str("other.test"),
                                             LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
        ldns_pkt_set_id(other, ldns_pkt_id(q));
        w = make_reply(other, 1, 0, &len);
        fake_send(f, from, w, len); /* wrong name */
        ldns_pkt_free(other);
        other = ldns_pkt_query_new(ldns_rdf_clone(owner), LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, 0);
        ldns_pkt_set_id(other, ldns_pkt_id(q));
        w = make_reply(other, 1, 0, &len);
        fake_send(f, from, w, len); /* wrong type */
        ldns_pkt_free(other);
        w = make_reply(q, 2, 0, &len);
        fake_send(f, from, w, len);
    } else if (strcmp(l, "big") == 0 || strcmp(l, "close") == 0) {
        w = make_reply(q, 0, 1, &len);
        fake_send(f, from, w, len);
    } else if (strcmp(l, "later") == 0 && f->nheld < 16) {
        f->held[f->nheld] = ldns_pkt_clone(q);
        memcpy(&f->held_from[f->nheld++], from, sizeof(struct sockaddr_in));
        if (f->nheld == f->hold_count)
            fake_release_held(f);
    } else if (strcmp(l, "garbage") == 0) {
        w = xmalloc(7);
        memcpy(w, "\0\0garbage", 7);
        w[0] = (uint8_t)(ldns_pkt_id(q) >> 8);
        w[1] = (uint8_t)ldns_pkt_id(q);
        fake_send(f, from, w, 7);
    }
    ldns_pkt_free(q);
}

static void fake_tcp_closed(uv_handle_t *h)
{
    struct fake_tcp *t = h->data;
    if (--t->handles == 0) {
        free(t->out);
        free(t);
    }
}

static void fake_tcp_close(struct fake_tcp *t)
{
    if (uv_is_closing((uv_handle_t *)&t->tcp))
        return;
    uv_close((uv_handle_t *)&t->tcp, fake_tcp_closed);
    if (t->out)
        uv_close((uv_handle_t *)&t->idle, fake_tcp_closed);
}

/* ---- a reply in pieces ---- */

struct find_fd {
    struct sockaddr_storage want;
    int fd;
};

static void find_fd_cb(uv_handle_t *h, void *arg)
{
    struct find_fd *ff = arg;
    uv_os_fd_t fd;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (h->type != UV_TCP || uv_fileno(h, &fd) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (dns_sockaddr_equal((struct sockaddr *)&ss, (struct sockaddr *)&ff->want))
        ff->fd = fd;
}

/* The client's end of the connection t accepted: the TCP handle in this loop whose own address
 * is t's peer. */
static int client_fd(struct fake_tcp *t)
{
    struct find_fd ff = {.fd = -1};
    socklen_t len = sizeof(ff.want);
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&t->tcp, &fd) == 0 &&
        getpeername(fd, (struct sockaddr *)&ff.want, &len) == 0)
        uv_walk(t->f->loop, find_fd_cb, &ff);
    return ff.fd;
}

static int unread(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

static size_t piece_size(const struct fake_tcp *t)
{
    const struct split *sp = t->f->split;
    int k = sp->sizes[t->piece < sp->nsizes ? t->piece : sp->nsizes - 1];
    size_t left = t->end - t->sent, n;
    if (k > 0)
        n = (size_t)k;
    else if (k == 0)
        n = left;
    else
        n = t->outlen - t->sent > (size_t)-k ? t->outlen - t->sent - (size_t)-k : 1;
    return n < left ? n : left;
}

/* Runs every loop iteration: once the client has read everything sent so far, the next piece;
 * it waits (poll) until the kernel has it at the client's socket, so the client's next read
 * returns exactly this piece. After the last piece the connection stays open, or closes at
 * cut_at. */
static void fake_tcp_next_piece(uv_idle_t *idle)
{
    struct fake_tcp *t = container_of(idle, struct fake_tcp, idle);
    int fd = client_fd(t);
    if (fd < 0) { /* the client closed its socket before the end of the reply */
        CHECK(t->sent > 0);
        uv_idle_stop(idle);
        return;
    }
    t->client_fd = fd;
    if (unread(t->client_fd) > 0)
        return; /* not read yet */
    size_t n = piece_size(t);
    uv_buf_t b = uv_buf_init((char *)t->out + t->sent, (unsigned)n);
    CHECK_INT(uv_try_write((uv_stream_t *)&t->tcp, &b, 1), (int)n);
    t->sent += n;
    t->piece++;
    t->f->pieces_sent++;
    struct pollfd pfd = {.fd = t->client_fd, .events = POLLIN};
    for (int i = 0; i < 100 && unread(t->client_fd) < (int)n; i++)
        poll(&pfd, 1, 10);
    if (unread(t->client_fd) != (int)n)
        t->f->piece_not_read++;
    if (t->sent == t->end) {
        uv_idle_stop(idle);
        if (t->f->split->cut_at)
            fake_tcp_close(t);
    }
}

static void fake_tcp_send_split(struct fake_tcp *t, const uint8_t *reply, size_t len)
{
    const struct split *sp = t->f->split;
    size_t junk = sp->junk ? strlen(sp->junk) : 0;
    t->outlen = 2 + len + junk;
    t->out = xmalloc(t->outlen);
    t->out[0] = (uint8_t)(len >> 8), t->out[1] = (uint8_t)len;
    memcpy(t->out + 2, reply, len);
    memcpy(t->out + 2 + len, sp->junk ? sp->junk : "", junk);
    t->end = sp->cut_at && sp->cut_at < t->outlen ? sp->cut_at : t->outlen;
    t->f->pieces_sent = 0;
    uv_idle_init(t->f->loop, &t->idle);
    t->idle.data = t;
    t->handles++;
    uv_idle_start(&t->idle, fake_tcp_next_piece);
}

static void fake_tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct fake_tcp *t = container_of(h, struct fake_tcp, tcp);
    *buf = uv_buf_init((char *)t->buf + t->len, (unsigned)(sizeof(t->buf) - t->len));
}

static void fake_tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct fake_tcp *t = container_of(s, struct fake_tcp, tcp);
    if (nread < 0) {
        fake_tcp_close(t);
        return;
    }
    if (t->out)
        return; /* a split reply is on its way */
    t->len += (size_t)nread;
    if (t->len < 2 || t->len < 2 + (size_t)(t->buf[0] << 8 | t->buf[1]))
        return;
    ldns_pkt *q = NULL;
    CHECK_INT(ldns_wire2pkt(&q, t->buf + 2, t->len - 2), LDNS_STATUS_OK);
    t->f->tcp_queries++;
    char l[256];
    if (q && strcmp(first_label(q, l, sizeof(l)), "big") == 0 && t->f->split) {
        size_t len;
        uint8_t *w = make_reply(q, 40, 0, &len);
        fake_tcp_send_split(t, w, len);
        free(w);
        ldns_pkt_free(q);
        return;
    }
    if (q && strcmp(first_label(q, l, sizeof(l)), "big") == 0) {
        size_t len;
        uint8_t *w = make_reply(q, 40, 0, &len);
        uint8_t *out = xmalloc(len + 2);
        out[0] = (uint8_t)(len >> 8), out[1] = (uint8_t)len;
        memcpy(out + 2, w, len);
        uv_buf_t b = uv_buf_init((char *)out, (unsigned)(len + 2));
        CHECK_INT(uv_try_write(s, &b, 1), (int)(len + 2));
        free(w);
        free(out);
    }
    ldns_pkt_free(q);
    fake_tcp_close(t); /* "close": no answer at all */
}

static void fake_accept(uv_stream_t *server, int status)
{
    struct fake *f = container_of(server, struct fake, listener);
    struct fake_tcp *t = xcalloc(1, sizeof(*t));
    t->f = f;
    uv_tcp_init(f->loop, &t->tcp);
    t->tcp.data = t;
    t->handles = 1;
    CHECK_INT(uv_accept(server, (uv_stream_t *)&t->tcp), 0);
    uv_read_start((uv_stream_t *)&t->tcp, fake_tcp_alloc, fake_tcp_read);
}

static void fake_start(struct fake *f, uv_loop_t *loop)
{
    /* UDP and TCP on one kernel-chosen port: the port the kernel gives UDP may be taken for
     * TCP by anything else on the machine, so try again with another until both bind. */
    for (int attempt = 0; attempt < 50; attempt++) {
        memset(f, 0, sizeof(*f));
        f->loop = loop;
        struct sockaddr_in sin;
        uv_ip4_addr("127.0.0.1", 0, &sin);
        uv_udp_init(loop, &f->udp);
        CHECK_INT(uv_udp_bind(&f->udp, (struct sockaddr *)&sin, 0), 0);
        int len = sizeof(f->addr);
        uv_udp_getsockname(&f->udp, (struct sockaddr *)&f->addr, &len);
        uv_tcp_init(loop, &f->listener);
        if (uv_tcp_bind(&f->listener, (struct sockaddr *)&f->addr, 0) == 0 &&
            uv_listen((uv_stream_t *)&f->listener, 8, fake_accept) == 0) {
            uv_udp_recv_start(&f->udp, fake_alloc, fake_udp_recv);
            return;
        }
        uv_close((uv_handle_t *)&f->udp, NULL);
        uv_close((uv_handle_t *)&f->listener, NULL);
        uv_run(loop, UV_RUN_NOWAIT);
    }
    CHECK(!"no port free for both UDP and TCP after 50 tries");
}

static void fake_stop(struct fake *f)
{
    uv_close((uv_handle_t *)&f->udp, NULL);
    uv_close((uv_handle_t *)&f->listener, NULL);
}

/* What a test callback saw. */
struct seen {
    int calls;
    enum dns_status st;
    int answers;
    int rcode;
    struct dns_client *free_client; /* when set, the callback frees this client */
    struct fake *stop_fake;         /* ... and stops this server */
};

static void record_cb(void *arg, enum dns_status st, const ldns_pkt *reply)
{
    struct seen *s = arg;
    s->calls++;
    s->st = st;
    CHECK((reply != NULL) == (st == DNS_OK));
    if (reply) {
        s->answers = (int)ldns_pkt_ancount(reply);
        s->rcode = ldns_pkt_get_rcode(reply);
    }
    if (s->free_client)
        dns_client_free(s->free_client);
    if (s->stop_fake)
        fake_stop(s->stop_fake);
}

/* Runs the loop until every listed query has had its callback (the fake server keeps the
 * loop alive, so uv_run(UV_RUN_DEFAULT) would not return). */
static void run_until(uv_loop_t *loop, struct seen *const *list, int n)
{
    for (;;) {
        int pending = 0;
        for (int i = 0; i < n; i++)
            pending += list[i]->calls == 0;
        if (!pending)
            return;
        uv_run(loop, UV_RUN_ONCE);
    }
}

static void finish_loop(uv_loop_t *loop, struct fake *f, struct dns_client *c)
{
    dns_client_free(c);
    fake_stop(f);
    uv_run(loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(loop), 0);
}

/* How many source ports the server saw queries from. */
static int distinct_ports(const struct fake *f)
{
    int n = 0, max = f->udp_queries < 64 ? f->udp_queries : 64;
    for (int i = 0; i < max; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= f->ports[j] == f->ports[i];
        n += !seen;
    }
    return n;
}

/* UDP handles open in the loop (the fake's own included). */
static void count_udp(uv_handle_t *h, void *arg)
{
    *(int *)arg += h->type == UV_UDP && !uv_is_closing(h);
}

static int open_udp(uv_loop_t *loop)
{
    int n = 0;
    uv_walk(loop, count_udp, &n);
    return n;
}

TEST(dns_query_basics)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 200, .retries = 1};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);

    struct seen a = {0}, a2 = {0}, noise = {0}, drop = {0}, garbage = {0};
    CHECK(dns_query(c, "a.test", LDNS_RR_TYPE_A, record_cb, &a) != NULL);
    CHECK(dns_query(c, "A.Test.", LDNS_RR_TYPE_A, record_cb, &a2) != NULL);
    CHECK(dns_query(c, "noise.test", LDNS_RR_TYPE_A, record_cb, &noise) != NULL);
    CHECK(dns_query(c, "drop.test", LDNS_RR_TYPE_A, record_cb, &drop) != NULL);
    CHECK(dns_query(c, "garbage.test", LDNS_RR_TYPE_A, record_cb, &garbage) != NULL);
    CHECK(dns_query(c, "bad..name", LDNS_RR_TYPE_A, record_cb, &a) == NULL);
    CHECK_INT(a.calls, 0); /* never called from inside dns_query() */
    run_until(&loop, (struct seen *[]){&a, &a2, &noise, &drop, &garbage}, 5);

    CHECK_INT(a.calls, 1);
    CHECK_INT(a.st, DNS_OK);
    CHECK_INT(a.answers, 1);
    CHECK_INT(a2.st, DNS_OK);
    CHECK_INT(noise.calls, 1);
    CHECK_INT(noise.st, DNS_OK);
    CHECK_INT(noise.answers, 2);
    CHECK_INT(drop.calls, 1);
    CHECK_INT(drop.st, DNS_TIMEOUT);
    CHECK_INT(garbage.st, DNS_BADREPLY);
    const struct dns_stats *st = dns_client_stats(c);
    CHECK_INT(st->queries, 5);
    CHECK_INT(st->udp_sent, 7);  /* drop and garbage were tried twice */
    CHECK_INT(st->timeouts, 4);
    CHECK_INT(st->ignored, 5);   /* noise: 3, garbage: 1 per try */
    CHECK_INT(f.udp_queries, 7);
    CHECK_INT(f.edns_seen, 0);
    /* Every try went out on one shared socket (few in flight: the pool opens no second),
     * under IDs never in flight twice on it: the five first tries were in flight together. */
    CHECK_INT(distinct_ports(&f), 1);
    CHECK_INT(st->sockets, 1);
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            CHECK(f.ids[i] != f.ids[j]);
    finish_loop(&loop, &f, c);
}

TEST(dns_max_inflight)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 500, .retries = 0, .max_inflight = 3};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen s[20] = {{0}};
    struct seen *ps[20];
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "a.n%d.test", i); /* the fake answers first label "a" */
        ps[i] = &s[i];
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 20);
    for (int i = 0; i < 20; i++)
        CHECK_INT(s[i].st, DNS_OK);
    const struct dns_stats *st = dns_client_stats(c);
    CHECK_INT(st->udp_sent, 20);
    CHECK_INT(st->peak_inflight, 3);
    finish_loop(&loop, &f, c);
}

/* The pool: many queries share a socket; a socket is retired after socket_uses queries and
 * closed once its last reply is in; the sockets grow with the load up to the slots. */
TEST(dns_pool_shares_and_retires_sockets)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 1000, .max_inflight = 256};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen s[64] = {{0}};
    struct seen *ps[64];
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "a.n%d.test", i);
        ps[i] = &s[i];
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 20);
    for (int i = 0; i < 20; i++)
        CHECK_INT(s[i].st, DNS_OK);
    CHECK_INT(f.udp_queries, 20);
    CHECK_INT(distinct_ports(&f), 1); /* 20 queries, one socket */
    CHECK_INT(dns_client_stats(c)->sockets, 1);
    CHECK_INT(dns_client_stats(c)->retired, 0);
    CHECK_INT(open_udp(&loop), 2); /* the fake's and the pool's: kept for the next queries */
    dns_client_free(c);

    /* Retirement: 4 queries per socket, 12 queries at once: 3 sockets, each on its own port
     * for exactly 4 queries, every one retired and closed once its replies are in. */
    f.udp_queries = 0;
    o.socket_uses = 4;
    c = dns_client_new(&loop, &f.addr, 1, &o);
    for (int i = 0; i < 12; i++) {
        memset(&s[i], 0, sizeof(s[i]));
        snprintf(name, sizeof(name), "a.r%d.test", i);
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 12);
    uv_run(&loop, UV_RUN_NOWAIT); /* the close callbacks */
    for (int i = 0; i < 12; i++)
        CHECK_INT(s[i].st, DNS_OK);
    CHECK_INT(distinct_ports(&f), 3);
    for (int i = 0; i < 12; i++) {
        int same = 0;
        for (int j = 0; j < 12; j++)
            same += f.ports[j] == f.ports[i];
        CHECK_INT(same, 4);
    }
    CHECK_INT(dns_client_stats(c)->sockets, 3);
    CHECK_INT(dns_client_stats(c)->retired, 3);
    CHECK_INT(open_udp(&loop), 1); /* only the fake's */
    dns_client_free(c);

    /* The pool grows with the load: 64 at once, 32 a socket, 2 slots (max_inflight 64). */
    f.udp_queries = 0;
    o.socket_uses = 0;
    o.max_inflight = 64;
    c = dns_client_new(&loop, &f.addr, 1, &o);
    for (int i = 0; i < 64; i++) {
        memset(&s[i], 0, sizeof(s[i]));
        snprintf(name, sizeof(name), "a.g%d.test", i);
        ps[i] = &s[i];
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 64);
    CHECK_INT(distinct_ports(&f), 2);
    CHECK_INT(dns_client_stats(c)->sockets, 2);
    finish_loop(&loop, &f, c);
}

/* Replies out of order, each first preceded by a reply under another query's ID (in flight
 * on the same socket: the ID matches, the question does not) and, from another port, by a
 * reply with the right ID and question: the client takes each query's own reply only. */
TEST(dns_pool_matches_out_of_order)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    uv_udp_t rogue;
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(&loop, &rogue);
    CHECK_INT(uv_udp_bind(&rogue, (struct sockaddr *)&sin, 0), 0);
    f.rogue = &rogue;
    f.hold_count = 5;
    struct dns_opts o = {.timeout_ms = 2000};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen s[5] = {{0}};
    struct seen *ps[5];
    char name[32];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "later.n%d.test", i + 1);
        ps[i] = &s[i];
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 5);
    for (int i = 0; i < 5; i++) {
        CHECK_INT(s[i].st, DNS_OK);
        CHECK_INT(s[i].answers, i + 1);
    }
    CHECK_INT(distinct_ports(&f), 1);
    CHECK_INT(dns_client_stats(c)->ignored, 5); /* the other port's never reach the client */
    CHECK_INT(dns_client_stats(c)->timeouts, 0);
    uv_close((uv_handle_t *)&rogue, NULL);
    finish_loop(&loop, &f, c);
}

/* A reply that frees a slot sends the next waiting query at once, in the same pass over the
 * replies (before, it went out a loop iteration later, and the client and the resolver took
 * turns): a check handle, which runs right after the I/O of each iteration, sees the second
 * query sent in the iteration that answered the first. */
struct pump_watch {
    uv_check_t check;
    struct dns_client *c;
    struct seen *first;
    long sent_when_first_done; /* -1 until the first query's callback has come */
};

static void pump_check(uv_check_t *h)
{
    struct pump_watch *w = container_of(h, struct pump_watch, check);
    if (w->first->calls && w->sent_when_first_done < 0)
        w->sent_when_first_done = (long)dns_client_stats(w->c)->udp_sent;
}

TEST(dns_waiting_query_sent_from_the_reply)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 1000, .max_inflight = 1};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen a1 = {0}, a2 = {0};
    struct pump_watch w = {.c = c, .first = &a1, .sent_when_first_done = -1};
    uv_check_init(&loop, &w.check);
    uv_check_start(&w.check, pump_check);
    dns_query(c, "a.one.test", LDNS_RR_TYPE_A, record_cb, &a1);
    dns_query(c, "a.two.test", LDNS_RR_TYPE_A, record_cb, &a2);
    run_until(&loop, (struct seen *[]){&a1, &a2}, 2);
    CHECK_INT(a1.st, DNS_OK);
    CHECK_INT(a2.st, DNS_OK);
    CHECK_INT(w.sent_when_first_done, 2);
    uv_close((uv_handle_t *)&w.check, NULL);
    finish_loop(&loop, &f, c);
}

TEST(dns_truncated_falls_back_to_tcp)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 500, .retries = 0, .edns = 1};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen big = {0}, closed = {0};
    dns_query(c, "big.test", LDNS_RR_TYPE_A, record_cb, &big);
    dns_query(c, "close.test", LDNS_RR_TYPE_A, record_cb, &closed);
    run_until(&loop, (struct seen *[]){&big, &closed}, 2);
    CHECK_INT(big.st, DNS_OK);
    CHECK_INT(big.answers, 40);
    CHECK_INT(closed.st, DNS_NETERR);
    CHECK_INT(dns_client_stats(c)->truncated, 2);
    CHECK_INT(dns_client_stats(c)->tcp_sent, 2);
    CHECK_INT(f.tcp_queries, 2);
    CHECK_INT(f.edns_seen, 2);
    finish_loop(&loop, &f, c);
}

/* The TCP reply (40 A records, about 680 octets) arrives in pieces: one octet at a time, the
 * length prefix cut after its first octet, alone, with the message's first octet, all but the
 * last octet, odd sizes; followed by octets of a next message; or cut short by a close. Each
 * piece reaches the client in a read of its own (the server sends the next one only once the
 * client has read everything), and the server keeps the connection open after the reply, so
 * the client must put the pieces together by the length prefix alone. */
TEST(dns_tcp_reply_in_pieces)
{
    static const struct split splits[] = {
        {"one octet at a time", {1}, 1, NULL, 0},
        {"prefix split 1 + rest", {1, 0}, 2, NULL, 0},
        {"prefix alone, then the rest", {2, 0}, 2, NULL, 0},
        {"prefix + 1 octet, then the rest", {3, 0}, 2, NULL, 0},
        {"all but the last octet, then it", {-1, 1}, 2, NULL, 0},
        {"odd sizes", {7, 3, 11, 1, 13, 2, 250, 5}, 8, NULL, 0},
        {"whole, with the next message's octets behind it", {0}, 1, "\x00\x0cnext message", 0},
        {"two pieces, the second carrying the next message", {5, 0}, 2, "\x00\x01x", 0},
        {"one octet at a time, then more octets", {1}, 1, "\x00\x02zz", 0},
        {"cut: prefix and half, then close", {1, 100, 0}, 3, NULL, 300},
        {"cut: one octet of prefix, then close", {1}, 1, NULL, 1},
    };
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    /* 2.5 s: a reply the client fails to put together is reported for every split within
     * the runner's limit. A whole reply takes a few milliseconds even one octet at a time. */
    struct dns_opts o = {.timeout_ms = 2500, .retries = 0};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    for (size_t i = 0; i < ARRAY_LEN(splits); i++) {
        const struct split *sp = &splits[i];
        f.split = sp;
        f.piece_not_read = 0;
        struct seen big = {0};
        CHECK(dns_query(c, "big.test", LDNS_RR_TYPE_A, record_cb, &big) != NULL);
        run_until(&loop, (struct seen *[]){&big}, 1);
        int ok = 1;
        if (sp->cut_at) {
            ok &= big.st == DNS_NETERR;
        } else {
            ok &= big.st == DNS_OK && big.answers == 40 && big.rcode == LDNS_RCODE_NOERROR;
        }
        ok &= f.pieces_sent >= (sp->sizes[0] == 1 && sp->nsizes == 1 && !sp->cut_at ? 600 : 1);
        ok &= f.piece_not_read == 0;
        if (!ok)
            fprintf(stderr, "  split \"%s\": status %s, %d answers, %d pieces sent, %d not "
                    "delivered alone\n", sp->name, dns_status_str(big.st), big.answers,
                    f.pieces_sent, f.piece_not_read);
        CHECK(ok);
        CHECK_INT(big.calls, 1);
    }
    CHECK_INT(dns_client_stats(c)->tcp_sent, ARRAY_LEN(splits));
    CHECK_INT(dns_client_stats(c)->ignored, 0);
    finish_loop(&loop, &f, c);
}

/* A loopback UDP address nothing listens on: bind port 0, note the port, close. */
static struct sockaddr_storage free_udp_port(uv_loop_t *loop)
{
    struct sockaddr_storage ss;
    struct sockaddr_in sin;
    uv_udp_t u;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(loop, &u);
    uv_udp_bind(&u, (struct sockaddr *)&sin, 0);
    int len = sizeof(ss);
    uv_udp_getsockname(&u, (struct sockaddr *)&ss, &len);
    uv_close((uv_handle_t *)&u, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return ss;
}

TEST(dns_retry_rotates_servers)
{
    /* servers[0] is a loopback port nobody listens on: ICMP port unreachable ends the first
     * try at once (connected UDP), and the second try goes to the fake server. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct sockaddr_storage servers[2];
    servers[0] = free_udp_port(&loop);
    servers[1] = f.addr;
    struct dns_opts o = {.timeout_ms = 1000, .retries = 1};
    struct dns_client *c = dns_client_new(&loop, servers, 2, &o);
    /* Three at once: they share the socket to servers[0], and each learns of the refusal. */
    struct seen a = {0}, b = {0}, d = {0};
    dns_query(c, "a.test", LDNS_RR_TYPE_A, record_cb, &a);
    dns_query(c, "a.b.test", LDNS_RR_TYPE_A, record_cb, &b);
    dns_query(c, "a.d.test", LDNS_RR_TYPE_A, record_cb, &d);
    uint64_t t0 = uv_now(&loop);
    run_until(&loop, (struct seen *[]){&a, &b, &d}, 3);
    CHECK_INT(a.st, DNS_OK);
    CHECK_INT(b.st, DNS_OK);
    CHECK_INT(d.st, DNS_OK);
    CHECK(uv_now(&loop) - t0 < 900); /* the refusal was not waited out */
    /* Three to servers[0] (a send after the first refusal may itself be refused, and is not
     * counted) and three to servers[1]. */
    CHECK(dns_client_stats(c)->udp_sent >= 4 && dns_client_stats(c)->udp_sent <= 6);
    CHECK_INT(dns_client_stats(c)->timeouts, 0);
    CHECK_INT(f.udp_queries, 3);
    finish_loop(&loop, &f, c);
}

TEST(dns_cancel_and_free)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 5000};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);

    /* dns_cancel: the callback runs once, inside the call. */
    struct seen x = {0};
    struct dns_query *q = dns_query(c, "a.test", LDNS_RR_TYPE_A, record_cb, &x);
    dns_cancel(q);
    CHECK_INT(x.calls, 1);
    CHECK_INT(x.st, DNS_CANCELLED);

    /* A callback that frees the client: the other pending query is cancelled, nothing leaks,
     * and the long timeouts do not hold the loop. */
    struct seen first = {.free_client = c, .stop_fake = &f}, d1 = {0}, d2 = {0};
    dns_query(c, "a.test", LDNS_RR_TYPE_A, record_cb, &first);
    dns_query(c, "drop.test", LDNS_RR_TYPE_A, record_cb, &d1);
    dns_query(c, "drop.test", LDNS_RR_TYPE_A, record_cb, &d2);
    uint64_t t0 = uv_now(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_now(&loop) - t0 < 4000);
    CHECK_INT(x.calls, 1);
    CHECK_INT(first.calls, 1);
    CHECK_INT(first.st, DNS_OK);
    CHECK_INT(d1.calls, 1);
    CHECK_INT(d1.st, DNS_CANCELLED);
    CHECK_INT(d2.calls, 1);
    CHECK_INT(d2.st, DNS_CANCELLED);
    CHECK_INT(uv_loop_close(&loop), 0);

    /* Freeing a client with queries still waiting to start. */
    uv_loop_init(&loop);
    c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen y = {0};
    dns_query(c, "a.test", LDNS_RR_TYPE_A, record_cb, &y);
    dns_client_free(c);
    CHECK_INT(y.st, DNS_CANCELLED);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(y.calls, 1);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(dns_reply_validation)
{
    ldns_rdf *qname = ldns_dname_new_frm_str("mx.example");
    ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str("MX.Example."), LDNS_RR_TYPE_A,
                                     LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_id(q, 1234);
    CHECK(!dns_reply_matches(q, 1234, qname, LDNS_RR_TYPE_A)); /* QR not set: not a reply */
    ldns_pkt_set_qr(q, 1);
    CHECK(dns_reply_matches(q, 1234, qname, LDNS_RR_TYPE_A));
    CHECK(!dns_reply_matches(q, 1235, qname, LDNS_RR_TYPE_A));
    CHECK(!dns_reply_matches(q, 1234, qname, LDNS_RR_TYPE_AAAA));
    ldns_rr_set_class(ldns_rr_list_rr(ldns_pkt_question(q), 0), LDNS_RR_CLASS_CH);
    CHECK(!dns_reply_matches(q, 1234, qname, LDNS_RR_TYPE_A));
    ldns_pkt_free(q);
    ldns_rdf_deep_free(qname);

    struct sockaddr_storage a, b;
    dns_parse_server("127.0.0.1:53", &a);
    dns_parse_server("127.0.0.1:54", &b);
    CHECK(!dns_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
    dns_parse_server("127.0.0.1", &b);
    CHECK(dns_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
    dns_parse_server("::1", &b);
    CHECK(!dns_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
}

TEST(dns_parse_server_specs)
{
    static const struct {
        const char *spec;
        const char *want; /* dns_server_str() of the result, NULL: rejected */
    } t[] = {
        {"127.0.0.1", "127.0.0.1:53"},
        {"127.54.0.1:5354", "127.54.0.1:5354"},
        {"::1", "[::1]:53"},
        {"[::1]", "[::1]:53"},
        {"[::1]:5353", "[::1]:5353"},
        {"2001:db8::53", "[2001:db8::53]:53"},
        {"", NULL},
        {"localhost", NULL},
        {"127.0.0.1:", NULL},
        {"127.0.0.1:0", NULL},
        {"127.0.0.1:65536", NULL},
        {"127.0.0.1:+53", NULL},
        {"127.0.0.1:53x", NULL},
        {"127.0.0.1:5:3", NULL},
        {"[::1", NULL},
        {"[::1]53", NULL},
        {"[127.0.0.1]:53", NULL},
        {"256.0.0.1", NULL},
        {"::1:53:zz", NULL},
        {"[fe80::1%eth0]:53", NULL},
        {"1234567890123456789012345678901234567890123456789012345678901234567890", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        struct sockaddr_storage ss;
        char buf[80];
        int rc = dns_parse_server(t[i].spec, &ss);
        if (t[i].want) {
            CHECK_INT(rc, 0);
            CHECK_STR(dns_server_str(&ss, buf, sizeof(buf)), t[i].want);
        } else {
            if (rc != -1)
                fprintf(stderr, "  accepted \"%s\"\n", t[i].spec);
            CHECK_INT(rc, -1);
        }
    }
}

TEST(dns_resolv_conf)
{
    char path[] = "/tmp/mxs-resolv-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nsearch example.com\nnameserver 127.0.0.53\nnameserver\tfe80::1%eth0\n"
          "nameserver ::1 \noptions ndots:1\nnameserver bogus\nnameserver 127.0.0.2\n"
          "nameserver 127.0.0.3\n",
          f);
    fclose(f);
    struct sockaddr_storage ss[3];
    char buf[80];
    CHECK_INT(dns_servers_from_resolv_conf(path, ss, 3), 3);
    CHECK_STR(dns_server_str(&ss[0], buf, sizeof(buf)), "127.0.0.53:53");
    CHECK_STR(dns_server_str(&ss[1], buf, sizeof(buf)), "[::1]:53");
    CHECK_STR(dns_server_str(&ss[2], buf, sizeof(buf)), "127.0.0.2:53");
    unlink(path);
    CHECK_INT(dns_servers_from_resolv_conf(path, ss, 3), -1);
}

/* dns.c builds its queries itself (no ldns packet, no 64 KiB buffer per query): octet for
 * octet what ldns_pkt_query_new + ldns_pkt2wire make of the same query, with the same flags
 * (CD in the header, DO in the OPT record, which DO brings along without edns). */
TEST(dns_query_wire_as_ldns)
{
    char longest[256];
    memset(longest, 0, sizeof(longest));
    for (int i = 0; i < 4; i++) /* 4 labels of 62 octets: a 253-octet name, 255 in wire form */
        memset(longest + i * 63, "abcd"[i], 62), longest[i * 63 + 62] = i < 3 ? '.' : '\0';
    const char *names[] = {"mx.example", "MX.Example.", ".", "xn--bcher-kva.example", longest};
    const ldns_rr_type types[] = {LDNS_RR_TYPE_MX, LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA,
                                  LDNS_RR_TYPE_PTR, (ldns_rr_type)65535};
    const uint16_t ids[] = {0, 1, 0x1234, 0xFFFF};
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        ldns_rdf *qname = ldns_dname_new_frm_str(names[n]);
        CHECK(qname != NULL);
        if (!qname)
            continue;
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
            for (int edns = 0; edns <= 1; edns++)
                for (unsigned fl = 0; fl <= (DNS_Q_DO | DNS_Q_CD); fl++)
                    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                        ldns_pkt *p = ldns_pkt_query_new(ldns_rdf_clone(qname), types[t],
                                                         LDNS_RR_CLASS_IN, LDNS_RD);
                        ldns_pkt_set_id(p, ids[i]);
                        if (edns || (fl & DNS_Q_DO))
                            ldns_pkt_set_edns_udp_size(p, DNS_EDNS_BUFSIZE);
                        ldns_pkt_set_cd(p, (fl & DNS_Q_CD) != 0);
                        ldns_pkt_set_edns_do(p, (fl & DNS_Q_DO) != 0);
                        uint8_t *want = NULL;
                        size_t wantlen = 0;
                        CHECK(ldns_pkt2wire(&want, p, &wantlen) == LDNS_STATUS_OK);
                        uint8_t got[DNS_QUERY_WIRE_MAX];
                        size_t len =
                            dns_query_wire(got, sizeof(got), ids[i], qname, types[t], edns, fl);
                        CHECK_INT((int)len, (int)wantlen);
                        CHECK(len == wantlen && memcmp(got, want, len) == 0);
                        /* one octet short: nothing written past the end, 0 */
                        CHECK_INT((int)dns_query_wire(got, wantlen - 1, ids[i], qname, types[t],
                                                      edns, fl),
                                  0);
                        free(want);
                        ldns_pkt_free(p);
                    }
        ldns_rdf_deep_free(qname);
    }
    ldns_rdf *notname = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "192.0.2.1");
    uint8_t got[DNS_QUERY_WIRE_MAX];
    CHECK_INT((int)dns_query_wire(got, sizeof(got), 1, notname, LDNS_RR_TYPE_A, 0, 0), 0);
    ldns_rdf_deep_free(notname);
}

/* ---- the send batch (dns_pool.c): sendmmsg() wrapped so that it does what a loaded kernel may
 * do: take fewer datagrams than offered, say EAGAIN, or fail. The datagrams it does take are
 * really sent, to the fake server. */
static int mm_calls, mm_datagrams, mm_max, mm_eagain_at, mm_fail_at;

static int wrapped_sendmmsg(int fd, struct mmsghdr *m, unsigned int n, int flags)
{
    int call = ++mm_calls;
    if (call == mm_eagain_at) {
        errno = EAGAIN;
        return -1;
    }
    if (call == mm_fail_at) {
        errno = EPERM;
        return -1;
    }
    if (mm_max > 0 && n > (unsigned)mm_max)
        n = (unsigned)mm_max;
    int r = sendmmsg(fd, m, n, flags);
    if (r > 0)
        mm_datagrams += r;
    return r;
}

/* 100 queries started at once against the fake server, the wrapper as set; every one must be
 * answered, each datagram reaching the server once. Returns the client's stats. */
static struct dns_stats batch_run(int max, int eagain_at, int fail_at, uint64_t *ms)
{
    mm_calls = mm_datagrams = 0;
    mm_max = max, mm_eagain_at = eagain_at, mm_fail_at = fail_at;
    dns_pool_sendmmsg = wrapped_sendmmsg;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&f, &loop);
    struct dns_opts o = {.timeout_ms = 3000, .retries = 1};
    struct dns_client *c = dns_client_new(&loop, &f.addr, 1, &o);
    struct seen s[100] = {{0}};
    struct seen *ps[100];
    char name[32];
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "a.n%d.test", i); /* the fake answers first label "a" */
        ps[i] = &s[i];
        CHECK(dns_query(c, name, LDNS_RR_TYPE_A, record_cb, &s[i]) != NULL);
    }
    run_until(&loop, ps, 100);
    uv_update_time(&loop);
    *ms = uv_now(&loop) - t0;
    for (int i = 0; i < 100; i++) {
        CHECK_INT(s[i].calls, 1);
        CHECK_INT(s[i].st, DNS_OK);
    }
    CHECK_INT(f.udp_queries, 100); /* none lost, none sent twice */
    struct dns_stats st = *dns_client_stats(c);
    CHECK_INT((int)st.timeouts, 0);
    finish_loop(&loop, &f, c);
    dns_pool_sendmmsg = sendmmsg;
    return st;
}

TEST(dns_pool_sends_in_batches)
{
    uint64_t ms;
    struct dns_stats st = batch_run(0, 0, 0, &ms);
    /* 100 datagrams on 4 sockets (32 a socket), in two flushes of the batch (64 places) */
    CHECK(mm_calls >= 4 && mm_calls <= 8);
    CHECK_INT(mm_datagrams, 100);
    CHECK_INT((int)st.udp_sent, 100);
    CHECK_INT((int)st.retired, 0);
}

TEST(dns_pool_send_short_counts)
{
    uint64_t ms;
    struct dns_stats st = batch_run(3, 0, 0, &ms); /* the kernel takes 3 at a time */
    CHECK(mm_calls >= 34);
    CHECK_INT(mm_datagrams, 100);
    CHECK_INT((int)st.retired, 0);
}

TEST(dns_pool_send_eagain)
{
    uint64_t ms;
    /* the first call finds the send buffer full: that batch goes through libuv's queue */
    struct dns_stats st = batch_run(0, 1, 0, &ms);
    CHECK(mm_datagrams < 100 && mm_datagrams >= 100 - 64);
    CHECK_INT((int)st.retired, 0);
    CHECK_INT((int)st.udp_sent, 100);
}

TEST(dns_pool_send_error_fails_the_socket)
{
    uint64_t ms;
    /* the first socket's batch fails: its queries' tries fail at once (no timeout), the socket
     * is retired, and their second tries, on fresh sockets, are answered */
    struct dns_stats st = batch_run(0, 0, 1, &ms);
    CHECK(st.retired >= 1);
    CHECK(st.udp_sent > 100);
    CHECK_INT(mm_datagrams, 100);
    CHECK(ms < 1500);
}

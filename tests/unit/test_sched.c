/* test_sched: the scheduler (sched.h) against a fake probe (struct probe_iface: each probe a
 * timer, its result scripted by host name), a fake clock (fake_clock.h: virtual time, moved
 * from one timer to the next) and a scripted DNS server on 127.0.0.1 (a thread with its own
 * loop, answering from a small table with ldns): per-IP caps, the global cap, the rate limit,
 * 4xx retries after the back-off, the stop's grace, endpoint dedup and the domain <-> endpoint
 * join, as the records reach an output (a test entry of the output table). Times are the fake
 * clock's, so the back-off, the rate and the grace are checked exactly and take no real time;
 * what waits on a real DNS answer is checked by order and counts only. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <uv.h>

#include "core/util.h"
#include "fake_clock.h"
#include "sched/progress.h"
#include "sched/sched.h"
#include "test.h"

/* ------------------------------------------------------------------ the DNS server */

/* The zone: MX answers for the domains, A answers for the MX hosts; anything else is
 * NXDOMAIN (PTR) or NODATA (AAAA of a known host). */
struct zone_rr {
    const char *name;
    const char *rr; /* the answer's RR text; NULL: NODATA */
};

static const struct zone_rr zone[] = {
    /* the join: d1 uses a and b; d2 uses b (shared) and c; d3 uses c only */
    {"d1.test.", "d1.test. 60 IN MX 10 a.mx.test."},
    {"d1.test.", "d1.test. 60 IN MX 20 b.mx.test."},
    {"d2.test.", "d2.test. 60 IN MX 10 b.mx.test."},
    {"d2.test.", "d2.test. 60 IN MX 20 c.mx.test."},
    {"d3.test.", "d3.test. 60 IN MX 10 c.mx.test."},
    {"a.mx.test.", "a.mx.test. 60 IN A 11.0.0.1"},
    {"b.mx.test.", "b.mx.test. 60 IN A 11.0.0.2"},
    {"c.mx.test.", "c.mx.test. 60 IN A 11.0.0.3"},
    /* per-IP caps: six MX hosts on one address */
    {"many.test.", "many.test. 60 IN MX 10 m1.mx.test."},
    {"many.test.", "many.test. 60 IN MX 10 m2.mx.test."},
    {"many.test.", "many.test. 60 IN MX 10 m3.mx.test."},
    {"many.test.", "many.test. 60 IN MX 10 m4.mx.test."},
    {"many.test.", "many.test. 60 IN MX 10 m5.mx.test."},
    {"many.test.", "many.test. 60 IN MX 10 m6.mx.test."},
    {"m1.mx.test.", "m1.mx.test. 60 IN A 11.0.1.1"},
    {"m2.mx.test.", "m2.mx.test. 60 IN A 11.0.1.1"},
    {"m3.mx.test.", "m3.mx.test. 60 IN A 11.0.1.1"},
    {"m4.mx.test.", "m4.mx.test. 60 IN A 11.0.1.1"},
    {"m5.mx.test.", "m5.mx.test. 60 IN A 11.0.1.1"},
    {"m6.mx.test.", "m6.mx.test. 60 IN A 11.0.1.1"},
    /* the global cap: six domains, each its own address */
    {"g1.test.", "g1.test. 60 IN MX 10 g1.mx.test."},
    {"g2.test.", "g2.test. 60 IN MX 10 g2.mx.test."},
    {"g3.test.", "g3.test. 60 IN MX 10 g3.mx.test."},
    {"g4.test.", "g4.test. 60 IN MX 10 g4.mx.test."},
    {"g1.mx.test.", "g1.mx.test. 60 IN A 11.0.2.1"},
    {"g2.mx.test.", "g2.mx.test. 60 IN A 11.0.2.2"},
    {"g3.mx.test.", "g3.mx.test. 60 IN A 11.0.2.3"},
    {"g4.mx.test.", "g4.mx.test. 60 IN A 11.0.2.4"},
    /* retries: busy answers 4xx to its first attempt */
    {"retry.test.", "retry.test. 60 IN MX 10 busy.mx.test."},
    {"busy.mx.test.", "busy.mx.test. 60 IN A 11.0.3.1"},
    /* the stop: fast answers, slow hangs, late waits behind slow's address */
    {"s1.test.", "s1.test. 60 IN MX 10 fast.mx.test."},
    {"s2.test.", "s2.test. 60 IN MX 10 slow.mx.test."},
    {"s3.test.", "s3.test. 60 IN MX 10 late.mx.test."},
    {"fast.mx.test.", "fast.mx.test. 60 IN A 11.0.4.1"},
    {"slow.mx.test.", "slow.mx.test. 60 IN A 11.0.4.2"},
    {"late.mx.test.", "late.mx.test. 60 IN A 11.0.4.2"},
    /* the rate: four MX hosts at four addresses in one answer, so that all four endpoints
     * are ready at the same instant and only the rate spaces their connections */
    {"rate.test.", "rate.test. 60 IN MX 10 r1.mx.test."},
    {"rate.test.", "rate.test. 60 IN MX 20 r2.mx.test."},
    {"rate.test.", "rate.test. 60 IN MX 30 r3.mx.test."},
    {"rate.test.", "rate.test. 60 IN MX 40 r4.mx.test."},
    {"r1.mx.test.", "r1.mx.test. 60 IN A 11.0.5.1"},
    {"r2.mx.test.", "r2.mx.test. 60 IN A 11.0.5.2"},
    {"r3.mx.test.", "r3.mx.test. 60 IN A 11.0.5.3"},
    {"r4.mx.test.", "r4.mx.test. 60 IN A 11.0.5.4"},
};

/* The server: a thread reading its socket with plain calls. It peeks at a query before it
 * takes it and raises busy while it answers, so that srv_busy (the fake clock's busy hook) can
 * tell, without a gap, whether a query is waiting or being answered: an answer sent on
 * loopback is at once in the client's socket, which the clock checks next (fake_clock.h). */
struct dns_server {
    int fd, stop[2];
    struct sockaddr_storage addr;
    pthread_t thread;
    atomic_int busy;
};

static void srv_answer(int fd, const uint8_t *wire_in, size_t n, const struct sockaddr *from,
                       socklen_t fromlen)
{
    ldns_pkt *q = NULL;
    if (ldns_wire2pkt(&q, wire_in, n) != LDNS_STATUS_OK)
        return;
    ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    if (!qrr) {
        ldns_pkt_free(q);
        return;
    }
    char *qname = ldns_rdf2str(ldns_rr_owner(qrr));
    ldns_rr_type qt = ldns_rr_get_type(qrr);
    ldns_pkt *r = ldns_pkt_new();
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, 1);
    ldns_pkt_set_rd(r, ldns_pkt_rd(q));
    ldns_pkt_set_ra(r, 1);
    ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
    int known = 0;
    for (size_t i = 0; i < ARRAY_LEN(zone); i++) {
        if (strcasecmp(zone[i].name, qname) != 0)
            continue;
        known = 1;
        ldns_rr *a = NULL;
        if (ldns_rr_new_frm_str(&a, zone[i].rr, 0, NULL, NULL) == LDNS_STATUS_OK) {
            if (ldns_rr_get_type(a) == qt)
                ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, a);
            else
                ldns_rr_free(a);
        }
    }
    ldns_pkt_set_rcode(r, known ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
    uint8_t *wire = NULL;
    size_t len = 0;
    if (ldns_pkt2wire(&wire, r, &len) == LDNS_STATUS_OK)
        (void)sendto(fd, wire, len, 0, from, fromlen);
    free(wire);
    free(qname);
    ldns_pkt_free(r);
    ldns_pkt_free(q);
}

static void *srv_main(void *arg)
{
    struct dns_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[1].revents)
            return NULL;
        uint8_t buf[4096];
        if (recv(s->fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) < 0)
            continue;
        atomic_store(&s->busy, 1); /* before the query leaves the socket's queue */
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
                             &fromlen);
        if (n > 0)
            srv_answer(s->fd, buf, (size_t)n, (struct sockaddr *)&from, fromlen);
        atomic_store(&s->busy, 0);
    }
}

/* A query queued on the server's socket, or one it is answering. */
static int srv_busy(void *arg)
{
    struct dns_server *s = arg;
    int queued = 0;
    if (ioctl(s->fd, FIONREAD, &queued) == 0 && queued > 0)
        return 1;
    /* a zero-length datagram reads as 0 too: peek to be sure */
    uint8_t b;
    if (recv(s->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
        return 1;
    return atomic_load(&s->busy);
}

static void srv_start(struct dns_server *s)
{
    memset(s, 0, sizeof(*s));
    s->fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s->fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_INT(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    socklen_t len = sizeof(s->addr);
    getsockname(s->fd, (struct sockaddr *)&s->addr, &len);
    CHECK_INT(pipe(s->stop), 0);
    atomic_init(&s->busy, 0);
    CHECK_INT(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_end(struct dns_server *s)
{
    CHECK_INT(write(s->stop[1], "x", 1), 1);
    pthread_join(s->thread, NULL);
    close(s->fd);
    close(s->stop[0]);
    close(s->stop[1]);
}

/* ------------------------------------------------------------------ the fake probe */

#define MAX_EVENTS 256

/* What happened, in order: 'S' a probe started, 'E' an endpoint record, 'D' a domain record. */
struct event {
    char kind;
    char host[64], ip[64]; /* S, E: the endpoint; D: host is the domain */
    uint64_t at;           /* the fake clock's time (S) */
    int active_ip, active; /* S: probes of this address and in all, this one included */
};

struct world {
    struct event ev[MAX_EVENTS];
    int nev;
    int probe_ms;          /* how long each probe takes (slow.mx.test: 10 s) */
    int busy_failures;     /* busy.mx.test answers 421 to this many attempts (default 1) */
    const char *signal_after; /* SIGTERM once this host's probe has its result */
    uint64_t signal_at;    /* when it was raised */
    int aborted;           /* probes ended by an abort */
    uint64_t abort_at;     /* when the (last) abort ended a probe */
    int active;
    struct { char ip[64]; int n; } act[32];
    int nact;
};

static struct world W;
static struct fake_clock FC;

static int *active_of(const char *ip)
{
    for (int i = 0; i < W.nact; i++)
        if (strcmp(W.act[i].ip, ip) == 0)
            return &W.act[i].n;
    snprintf(W.act[W.nact].ip, sizeof(W.act[0].ip), "%s", ip);
    return &W.act[W.nact++].n;
}

static struct event *add_event(char kind, const char *host, const char *ip)
{
    CHECK(W.nev < MAX_EVENTS);
    struct event *e = &W.ev[W.nev < MAX_EVENTS ? W.nev++ : MAX_EVENTS - 1];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    snprintf(e->host, sizeof(e->host), "%s", host ? host : "");
    snprintf(e->ip, sizeof(e->ip), "%s", ip ? ip : "");
    return e;
}

struct fake {
    struct sched_timer timer;
    probe_cb cb;
    void *arg;
    char host[64], ip[64];
    int attempt, aborted;
};

static int attempts_of(const char *host)
{
    int n = 0;
    for (int i = 0; i < W.nev; i++)
        n += W.ev[i].kind == 'S' && strcmp(W.ev[i].host, host) == 0;
    return n;
}

static void fake_closed(uv_handle_t *h)
{
    free(container_of((uv_timer_t *)h, struct fake, timer.uv));
}

static void fake_fire(struct sched_timer *t)
{
    struct fake *f = container_of(t, struct fake, timer);
    struct probe_result *r = xcalloc(1, sizeof(*r));
    r->tls_alert = -1;
    if (f->aborted) {
        r->status = PROBE_TIMEOUT;
        r->error = xstrdup("aborted");
        W.aborted++;
        W.abort_at = FC.now;
    } else if (strcmp(f->host, "busy.mx.test") == 0 && f->attempt <= W.busy_failures) {
        r->status = PROBE_SMTP_ERROR; /* 421: a temporary failure */
        r->smtp_code = 421;
        r->temporary = 1;
        r->error = xstrdup("greeting refused: 421 busy");
    } else {
        r->status = PROBE_CONNECT_FAILED;
        r->error = xstrdup("fake: connection refused");
    }
    W.active--;
    (*active_of(f->ip))--;
    probe_cb cb = f->cb;
    void *arg = f->arg;
    int stop = W.signal_after && strcmp(f->host, W.signal_after) == 0;
    sched_timer_close(t, fake_closed);
    cb(arg, r);
    if (stop) {
        W.signal_at = FC.now;
        /* libuv delivers it on a later turn, through its signal pipe: the fake clock waits
         * for that (a readable descriptor on the loop is no quiet point) */
        raise(SIGTERM); /* the scheduler's loop has its handler while it runs */
    }
}

static struct probe *fake_start(void *ctx, uv_loop_t *loop, const struct probe_params *p,
                                probe_cb cb, void *arg)
{
    (void)ctx;
    struct fake *f = xcalloc(1, sizeof(*f));
    f->cb = cb;
    f->arg = arg;
    snprintf(f->host, sizeof(f->host), "%s", p->mx_host);
    snprintf(f->ip, sizeof(f->ip), "%s", p->ip);
    f->attempt = attempts_of(p->mx_host) + 1;
    W.active++;
    struct event *e = add_event('S', p->mx_host, p->ip);
    e->at = FC.now;
    e->active = W.active;
    e->active_ip = ++*active_of(p->ip);
    sched_timer_init(loop, &FC.iface, &f->timer);
    int ms = strcmp(p->mx_host, "slow.mx.test") == 0 ? 10000 : W.probe_ms;
    sched_timer_start(&f->timer, fake_fire, (uint64_t)ms);
    return (struct probe *)f;
}

static void fake_abort(struct probe *p)
{
    struct fake *f = (struct fake *)p;
    f->aborted = 1;
    sched_timer_start(&f->timer, fake_fire, 0); /* the callback comes from the loop */
}

static const struct probe_iface fake_probe = {.start = fake_start, .abort = fake_abort};

/* ------------------------------------------------------------------ the output */

static int rec_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    (void)w;
    (void)err;
    (void)errlen;
    *state = NULL;
    return 0;
}

static int rec_endpoint(void *state, json_t *rec)
{
    (void)state;
    struct event *e = add_event('E', json_string_value(json_object_get(rec, "mx_host")),
                                json_string_value(json_object_get(rec, "ip")));
    e->active = (int)json_integer_value(json_object_get(rec, "attempts"));
    return 0;
}

static int rec_domain(void *state, json_t *rec)
{
    (void)state;
    add_event('D', json_string_value(json_object_get(rec, "domain")), NULL);
    return 0;
}

static int rec_close(void *state)
{
    (void)state;
    return 0;
}

static const struct output_ops out_record = {
    .name = "test", .open = rec_open, .endpoint = rec_endpoint, .domain = rec_domain,
    .close = rec_close,
};

/* ------------------------------------------------------------------ running */

/* Scans the domains (one a line) with o as the base, the fake probe and the DNS server. */
static int scan(struct sched_opts *o, const char *domains, struct sched_counts *c)
{
    const char *signal_after = W.signal_after;
    int busy_failures = W.busy_failures ? W.busy_failures : 1;
    memset(&W, 0, sizeof(W));
    W.signal_after = signal_after;
    W.busy_failures = busy_failures;
    W.probe_ms = 20;
    struct dns_server srv;
    srv_start(&srv);
    fake_clock_init(&FC);
    FC.busy = srv_busy;
    FC.busy_arg = &srv;
    o->clock = &FC.iface;
    char path[] = "/tmp/mxs-sched-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, domains, strlen(domains)), (long long)strlen(domains));
    close(fd);
    memcpy(&o->resolvers[0], &srv.addr, sizeof(srv.addr));
    o->nresolvers = 1;
    o->dns_timeout_ms = 500;
    o->probe_iface = &fake_probe;
    o->version_probe = 0;
    o->ca_file = "tests/unit/data/ca.pem";
    o->outputs[0] = (struct output_use){&out_record, NULL};
    o->noutputs = 1;
    char err[512] = "";
    int rc = sched_run(o, path, c, err, sizeof(err));
    if (rc == 2)
        fprintf(stderr, "  sched_run: %s\n", err);
    unlink(path);
    srv_end(&srv);
    return rc;
}

static int count(char kind, const char *host)
{
    int n = 0;
    for (int i = 0; i < W.nev; i++)
        n += W.ev[i].kind == kind && (!host || strcmp(W.ev[i].host, host) == 0);
    return n;
}

/* Index of the first event of kind for host (the endpoint's host, or the domain), -1. */
static int first(char kind, const char *host)
{
    for (int i = 0; i < W.nev; i++)
        if (W.ev[i].kind == kind && strcmp(W.ev[i].host, host) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ tests */

/* The join: a domain's record comes only after the records of all its endpoints; an endpoint
 * shared by domains is probed once and written once; every domain gets its record. */
TEST(sched_join_and_dedup)
{
    struct sched_opts o;
    sched_opts_default(&o);
    struct sched_counts c;
    CHECK_INT(scan(&o, "d1.test\nd2.test\nd3.test\n", &c), 0);
    static const char *const hosts[] = {"a.mx.test", "b.mx.test", "c.mx.test"};
    for (size_t i = 0; i < ARRAY_LEN(hosts); i++) {
        CHECK_INT(count('S', hosts[i]), 1); /* b and c are shared: probed once */
        CHECK_INT(count('E', hosts[i]), 1); /* and written once */
    }
    CHECK_INT(count('D', NULL), 3);
    static const struct {
        const char *domain, *eps[2];
    } join[] = {{"d1.test", {"a.mx.test", "b.mx.test"}},
                {"d2.test", {"b.mx.test", "c.mx.test"}},
                {"d3.test", {"c.mx.test", NULL}}};
    for (size_t i = 0; i < ARRAY_LEN(join); i++) {
        int d = first('D', join[i].domain);
        CHECK(d >= 0);
        for (int k = 0; k < 2 && join[i].eps[k]; k++) {
            int e = first('E', join[i].eps[k]);
            if (!(e >= 0 && e < d))
                fprintf(stderr, "  %s written at %d, its endpoint %s at %d\n", join[i].domain, d,
                        join[i].eps[k], e);
            CHECK(e >= 0 && e < d);
        }
    }
    CHECK_INT(c.lines, 3);
    CHECK_INT(c.domains_done, 3);
    CHECK_INT(c.endpoints, 3);
    CHECK_INT(c.endpoints_done, 3);
    CHECK_INT(c.probes, 3);
}

/* At most per_ip connections to one address at a time, and all six endpoints probed. */
TEST(sched_per_ip_cap)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.per_ip = 2;
    o.infer = 0; /* every endpoint probed: the cap is what is tested here */
    struct sched_counts c;
    CHECK_INT(scan(&o, "many.test\n", &c), 0);
    CHECK_INT(count('S', NULL), 6);
    CHECK_INT(count('E', NULL), 6);
    int most = 0;
    for (int i = 0; i < W.nev; i++)
        if (W.ev[i].kind == 'S' && W.ev[i].active_ip > most)
            most = W.ev[i].active_ip;
    CHECK_INT(most, 2); /* the cap is reached, never passed */
    CHECK_INT(c.probes, 6);
}

/* An address where two endpoints were refused the same way (the fake refuses every
 * connection) is down: its four other endpoints take that result without a connection
 * (infer.c), with attempts 0, and the counts say so. */
TEST(sched_infer_address_down)
{
    struct sched_opts o;
    sched_opts_default(&o);
    struct sched_counts c;
    CHECK_INT(scan(&o, "many.test\n", &c), 0);
    CHECK_INT(count('S', NULL), 2);
    CHECK_INT(count('E', NULL), 6);
    int unprobed = 0;
    for (int i = 0; i < W.nev; i++)
        unprobed += W.ev[i].kind == 'E' && W.ev[i].active == 0;
    CHECK_INT(unprobed, 4);
    CHECK_INT(c.probes, 2);
    CHECK_INT(c.probed, 2);
    CHECK_INT(c.inferred_down, 4);
    CHECK_INT(c.inferred, 0);
    CHECK_INT(c.endpoints_done, 6);
}

/* At most concurrency probes in all, whatever the addresses. */
TEST(sched_global_cap)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.concurrency = 2;
    struct sched_counts c;
    CHECK_INT(scan(&o, "g1.test\ng2.test\ng3.test\ng4.test\n", &c), 0);
    CHECK_INT(count('S', NULL), 4);
    int most = 0;
    for (int i = 0; i < W.nev; i++)
        if (W.ev[i].kind == 'S' && W.ev[i].active > most)
            most = W.ev[i].active;
    CHECK_INT(most, 2);
    CHECK_INT(count('D', NULL), 4);
}

/* The start times (fake clock) of host's attempts, in order; returns how many. */
static int starts_of(const char *host, uint64_t *at, int max)
{
    int n = 0;
    for (int i = 0; i < W.nev; i++)
        if (W.ev[i].kind == 'S' && strcmp(W.ev[i].host, host) == 0 && n < max)
            at[n++] = W.ev[i].at;
    return n;
}

/* A 4xx is retried after the back-off (retry_delay_ms, doubling each time), --retries times;
 * the record is written once, after the last attempt, with the attempts counted. */
TEST(sched_retry_after_backoff)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.retries = 2;
    o.retry_delay_ms = 60;
    struct sched_counts c;
    W.busy_failures = 2; /* 421, 421, then the fake's verdict */
    CHECK_INT(scan(&o, "retry.test\n", &c), 0);
    W.busy_failures = 0;
    uint64_t at[4];
    CHECK_INT(starts_of("busy.mx.test", at, 4), 3);
    CHECK_INT(count('E', "busy.mx.test"), 1);
    int e = first('E', "busy.mx.test");
    int last = -1;
    for (int i = 0; i < W.nev; i++)
        if (W.ev[i].kind == 'S' && strcmp(W.ev[i].host, "busy.mx.test") == 0)
            last = i;
    CHECK(e > last); /* the record only after the last retry */
    /* each attempt takes probe_ms, then the back-off: 60 ms, then 120 ms, exactly */
    CHECK_INT((long long)(at[1] - at[0]), W.probe_ms + 60);
    CHECK_INT((long long)(at[2] - at[1]), W.probe_ms + 120);
    if (e >= 0)
        CHECK_INT(W.ev[e].active, 3); /* the record's attempts */
    CHECK_INT(c.retries, 2);
    CHECK_INT(c.probes, 3);

    /* One retry allowed, two 4xx: the second 4xx is the verdict. */
    sched_opts_default(&o);
    o.retries = 1;
    o.retry_delay_ms = 60;
    W.busy_failures = 2;
    CHECK_INT(scan(&o, "retry.test\n", &c), 0);
    W.busy_failures = 0;
    CHECK_INT(starts_of("busy.mx.test", at, 4), 2);
    CHECK_INT((long long)(at[1] - at[0]), W.probe_ms + 60);
    CHECK_INT(c.retries, 1);

    /* No retries: the 4xx is the verdict. */
    sched_opts_default(&o);
    o.retries = 0;
    CHECK_INT(scan(&o, "retry.test\n", &c), 0);
    CHECK_INT(count('S', "busy.mx.test"), 1);
    CHECK_INT(count('E', "busy.mx.test"), 1);
    CHECK_INT(c.retries, 0);
}

/* --rate: new connections are spaced 1000/rate ms apart, exactly, even when the endpoints are
 * all ready at once and neither cap holds them back. */
TEST(sched_rate_limit)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.rate = 10; /* one connection every 100 ms */
    struct sched_counts c;
    CHECK_INT(scan(&o, "rate.test\n", &c), 0);
    static const char *const hosts[] = {"r1.mx.test", "r2.mx.test", "r3.mx.test", "r4.mx.test"};
    uint64_t at[4];
    for (size_t i = 0; i < ARRAY_LEN(hosts); i++)
        CHECK_INT(starts_of(hosts[i], &at[i], 1), 1);
    /* in the order they became ready (MX preference), 100 ms apart */
    for (size_t i = 1; i < ARRAY_LEN(hosts); i++)
        CHECK_INT((long long)(at[i] - at[i - 1]), 100);
    CHECK_INT(count('D', "rate.test"), 1);

    /* Without a rate they all start at the same instant. */
    sched_opts_default(&o);
    CHECK_INT(scan(&o, "rate.test\n", &c), 0);
    for (size_t i = 0; i < ARRAY_LEN(hosts); i++)
        CHECK_INT(starts_of(hosts[i], &at[i], 1), 1);
    CHECK_INT((long long)(at[3] - at[0]), 0);
}

/* A stop (SIGTERM): nothing new starts (late.mx.test, parked behind slow's address, never
 * does), the probe in flight gets the grace (SCHED_STOP_GRACE_MS, 2 s of the fake clock) and
 * is then aborted; what the stop cut short has no record, nor has its domain; what finished
 * before it has both. */
TEST(sched_stop_grace)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.per_ip = 1;
    struct sched_counts c;
    W.signal_after = "fast.mx.test";
    int rc = scan(&o, "s1.test\ns2.test\ns3.test\n", &c);
    W.signal_after = NULL;
    CHECK_INT(rc, 1);
    CHECK_INT(c.interrupted, 1);
    CHECK_INT(count('S', "fast.mx.test"), 1);
    CHECK_INT(count('E', "fast.mx.test"), 1);
    CHECK(first('D', "s1.test") >= 0);
    CHECK_INT(count('S', "slow.mx.test"), 1);
    CHECK_INT(count('E', "slow.mx.test"), 0); /* aborted: no verdict, no record */
    CHECK_INT(W.aborted, 1);
    CHECK_INT(count('S', "late.mx.test"), 0); /* never started after the stop */
    CHECK_INT(count('E', "late.mx.test"), 0);
    CHECK_INT(count('D', "s2.test") + count('D', "s3.test"), 0);
    /* the grace, to the millisecond: the abort comes SCHED_STOP_GRACE_MS after the signal,
     * long before the slow probe (10 s) would have ended */
    CHECK_INT((long long)(W.abort_at - W.signal_at), SCHED_STOP_GRACE_MS);
    uint64_t slow_at;
    CHECK_INT(starts_of("slow.mx.test", &slow_at, 1), 1);
    CHECK(W.abort_at < slow_at + 10000);
}

/* The progress line from a snapshot: rate and ETA from its figures alone. */
TEST(sched_progress_render)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct progress_stats st = {.elapsed_ms = 10000, .domains_done = 50, .total_lines = 150,
                                .endpoints = 70, .in_flight = 3};
    progress_render(f, &st, 1);
    st.total_lines = 0;
    progress_render(f, &st, 0);
    fclose(f);
    CHECK_STR(buf, "\r\033[Kmxsurvey: domains 50/150, endpoints 70 (3 in flight), 5 domains/s, ETA 0m20s\n"
                   "\r\033[Kmxsurvey: domains 50/?, endpoints 70 (3 in flight), 5 domains/s, ETA ?");
    free(buf);
}

/* test_sched: the scheduler (sched.h) against a fake probe (struct probe_iface: each probe a
 * timer on the scheduler's loop, its result scripted by host name) and a scripted DNS server
 * on 127.0.0.1 (a thread with its own loop, answering from a small table with ldns): per-IP
 * caps, the global cap, 4xx retries after the back-off, endpoint dedup and the domain <->
 * endpoint join, as the records reach an output (a test entry of the output table). Time is
 * the loop's (uv_now): the fake probe takes a few milliseconds, and what is checked is order
 * and counts, with times only as lower bounds (the back-off). */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <uv.h>

#include "core/util.h"
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
};

struct dns_server {
    uv_loop_t loop;
    uv_udp_t udp;
    uv_async_t stop;
    struct sockaddr_storage addr;
    pthread_t thread;
};

static void srv_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char mem[4096];
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(mem, sizeof(mem));
}

static void srv_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                     unsigned flags)
{
    (void)flags;
    ldns_pkt *q = NULL;
    if (n <= 0 || !from || ldns_wire2pkt(&q, (const uint8_t *)b->base, (size_t)n) != LDNS_STATUS_OK)
        return;
    ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
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
    if (ldns_pkt2wire(&wire, r, &len) == LDNS_STATUS_OK) {
        uv_buf_t out = uv_buf_init((char *)wire, (unsigned)len);
        uv_udp_try_send(h, &out, 1, from);
    }
    free(wire);
    free(qname);
    ldns_pkt_free(r);
    ldns_pkt_free(q);
}

static void srv_stop(uv_async_t *a)
{
    struct dns_server *s = a->data;
    uv_close((uv_handle_t *)&s->udp, NULL);
    uv_close((uv_handle_t *)&s->stop, NULL);
}

static void *srv_main(void *arg)
{
    struct dns_server *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void srv_start(struct dns_server *s)
{
    memset(s, 0, sizeof(*s));
    uv_loop_init(&s->loop);
    uv_udp_init(&s->loop, &s->udp);
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    CHECK_INT(uv_udp_bind(&s->udp, (struct sockaddr *)&sin, 0), 0);
    int len = sizeof(s->addr);
    uv_udp_getsockname(&s->udp, (struct sockaddr *)&s->addr, &len);
    uv_udp_recv_start(&s->udp, srv_alloc, srv_recv);
    uv_async_init(&s->loop, &s->stop, srv_stop);
    s->stop.data = s;
    CHECK_INT(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_end(struct dns_server *s)
{
    uv_async_send(&s->stop);
    pthread_join(s->thread, NULL);
    uv_loop_close(&s->loop);
}

/* ------------------------------------------------------------------ the fake probe */

#define MAX_EVENTS 256

/* What happened, in order: 'S' a probe started, 'E' an endpoint record, 'D' a domain record. */
struct event {
    char kind;
    char host[64], ip[64]; /* S, E: the endpoint; D: host is the domain */
    uint64_t at;           /* uv_now of the scheduler's loop (S) */
    int active_ip, active; /* S: probes of this address and in all, this one included */
};

struct world {
    struct event ev[MAX_EVENTS];
    int nev;
    int probe_ms;          /* how long each probe takes (slow.mx.test: 10 s) */
    const char *signal_after; /* SIGTERM once this host's probe has its result */
    int aborted;           /* probes ended by an abort */
    int active;
    struct { char ip[64]; int n; } act[32];
    int nact;
};

static struct world W;

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
    uv_timer_t timer;
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
    free(container_of((uv_timer_t *)h, struct fake, timer));
}

static void fake_fire(uv_timer_t *t)
{
    struct fake *f = container_of(t, struct fake, timer);
    struct probe_result *r = xcalloc(1, sizeof(*r));
    r->tls_alert = -1;
    if (f->aborted) {
        r->status = PROBE_TIMEOUT;
        r->error = xstrdup("aborted");
        W.aborted++;
    } else if (strcmp(f->host, "busy.mx.test") == 0 && f->attempt == 1) {
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
    uv_close((uv_handle_t *)t, fake_closed);
    cb(arg, r);
    if (stop)
        raise(SIGTERM); /* the scheduler's loop has its handler while it runs */
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
    e->at = uv_now(loop);
    e->active = W.active;
    e->active_ip = ++*active_of(p->ip);
    uv_timer_init(loop, &f->timer);
    int ms = strcmp(p->mx_host, "slow.mx.test") == 0 ? 10000 : W.probe_ms;
    uv_timer_start(&f->timer, fake_fire, (uint64_t)ms, 0);
    return (struct probe *)f;
}

static void fake_abort(struct probe *p)
{
    struct fake *f = (struct fake *)p;
    f->aborted = 1;
    uv_timer_start(&f->timer, fake_fire, 0, 0); /* the callback comes from the loop */
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
    memset(&W, 0, sizeof(W));
    W.signal_after = signal_after;
    W.probe_ms = 20;
    struct dns_server srv;
    srv_start(&srv);
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

/* A 4xx is retried after the back-off (retry_delay_ms, doubling), --retries times; the
 * record is written once, after the last attempt, with the attempts counted. */
TEST(sched_retry_after_backoff)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.retries = 1;
    o.retry_delay_ms = 60;
    struct sched_counts c;
    CHECK_INT(scan(&o, "retry.test\n", &c), 0);
    CHECK_INT(count('S', "busy.mx.test"), 2);
    CHECK_INT(count('E', "busy.mx.test"), 1);
    int s1 = first('S', "busy.mx.test"), e = first('E', "busy.mx.test");
    int s2 = -1;
    for (int i = s1 + 1; i < W.nev; i++)
        if (W.ev[i].kind == 'S' && strcmp(W.ev[i].host, "busy.mx.test") == 0)
            s2 = i;
    CHECK(s1 >= 0 && s2 > s1 && e > s2); /* the record only after the retry */
    if (s1 >= 0 && s2 > s1) {
        /* the first attempt took probe_ms, then the back-off */
        uint64_t gap = W.ev[s2].at - W.ev[s1].at;
        if (gap < (uint64_t)(W.probe_ms + o.retry_delay_ms) - 2)
            fprintf(stderr, "  retry after %llu ms\n", (unsigned long long)gap);
        CHECK(gap >= (uint64_t)(W.probe_ms + o.retry_delay_ms) - 2); /* timer granularity */
    }
    if (e >= 0)
        CHECK_INT(W.ev[e].active, 2); /* the record's attempts */
    CHECK_INT(c.retries, 1);
    CHECK_INT(c.probes, 2);

    /* No retries: the 4xx is the verdict. */
    sched_opts_default(&o);
    o.retries = 0;
    CHECK_INT(scan(&o, "retry.test\n", &c), 0);
    CHECK_INT(count('S', "busy.mx.test"), 1);
    CHECK_INT(count('E', "busy.mx.test"), 1);
    CHECK_INT(c.retries, 0);
}

/* A stop (SIGTERM): nothing new starts (late.mx.test, parked behind slow's address, never
 * does), the probe in flight gets the grace (STOP_GRACE_MS, 2 s) and is then aborted; what
 * the stop cut short has no record, nor has its domain; what finished before it has both. */
TEST(sched_stop_grace)
{
    struct sched_opts o;
    sched_opts_default(&o);
    o.per_ip = 1;
    struct sched_counts c;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    W.signal_after = "fast.mx.test";
    int rc = scan(&o, "s1.test\ns2.test\ns3.test\n", &c);
    W.signal_after = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
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
    if (ms < 1900 || ms > 8000)
        fprintf(stderr, "  the stop took %ld ms\n", ms);
    CHECK(ms >= 1900); /* the grace was given */
    CHECK(ms < 8000);  /* and the slow probe (10 s) did not run out */
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

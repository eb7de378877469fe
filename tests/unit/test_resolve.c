/* resolve.c: the resolver's lifecycle (cancel, free from a callback, timeouts) against a
 * loopback socket that never answers. The answer handling is in test_answer.c; end-to-end
 * resolution runs against unbound in tests/integration/dns_resolve.sh. */
#include "resolve/resolve.h"
#include "test.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- lifecycle against a socket that reads queries and never answers ---- */

struct got {
    int calls;
    enum resolve_status st;
    char error[128];
    struct resolver *free_me; /* the callback frees this resolver */
    int refused;              /* a request made from the callback was refused */
};

static void got_domain(void *arg, struct resolve_result *res)
{
    struct got *g = arg;
    g->calls++;
    g->st = res->status;
    snprintf(g->error, sizeof(g->error), "%s", res->error ? res->error : "");
    resolve_result_free(res);
    if (g->free_me) {
        resolver_free(g->free_me);
        g->refused = resolve_domain(g->free_me, "late.example", got_domain, g) == -1;
    }
}

static void got_ptr(void *arg, struct resolve_ptr_result *res)
{
    struct got *g = arg;
    g->calls++;
    g->st = res->status;
    CHECK(res->name == NULL);
    snprintf(g->error, sizeof(g->error), "%s", res->error ? res->error : "");
    resolve_ptr_result_free(res);
    if (g->free_me)
        resolver_free(g->free_me);
}

struct silent {
    uv_udp_t udp;
    struct sockaddr_storage addr;
};

static void silent_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char mem[512]; /* test-only: contents are thrown away */
    *buf = uv_buf_init(mem, sizeof(mem));
}

static void silent_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *a,
                        unsigned f)
{
}

static void silent_start(struct silent *s, uv_loop_t *loop)
{
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(loop, &s->udp);
    CHECK_INT(uv_udp_bind(&s->udp, (struct sockaddr *)&sin, 0), 0);
    int len = sizeof(s->addr);
    uv_udp_getsockname(&s->udp, (struct sockaddr *)&s->addr, &len);
    uv_udp_recv_start(&s->udp, silent_alloc, silent_recv);
}

TEST(resolve_lifecycle)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct silent s;
    silent_start(&s, &loop);
    struct dns_opts o = {.timeout_ms = 5000};
    struct dns_client *dns = dns_client_new(&loop, &s.addr, 1, &o);
    struct resolver *r = resolver_new(&loop, dns, NULL);

    /* The bad address is answered first (from the idle handle, not inside resolve_ptr());
     * its callback frees the resolver: the pending requests are cancelled then, and a new
     * request from inside the callback is refused. */
    struct got bad = {.free_me = r}, d1 = {0}, d2 = {0}, p1 = {0};
    CHECK_INT(resolve_domain(r, "one.example", got_domain, &d1), 0);
    CHECK_INT(resolve_domain(r, "two.example", got_domain, &d2), 0);
    CHECK_INT(resolve_ptr(r, "127.0.0.1", got_ptr, &p1), 0);
    CHECK_INT(resolve_ptr(r, "not-an-ip", got_ptr, &bad), 0);
    CHECK_INT(bad.calls, 0);
    uint64_t t0 = uv_now(&loop);
    uv_run(&loop, UV_RUN_ONCE);
    CHECK(uv_now(&loop) - t0 < 4000);
    CHECK_INT(bad.calls, 1);
    CHECK_INT(bad.st, RESOLVE_DNS_ERROR);
    CHECK_STR(bad.error, "not an IP address");
    CHECK_INT(d1.calls, 1);
    CHECK_INT(d1.st, RESOLVE_CANCELLED);
    CHECK_INT(d2.calls, 1);
    CHECK_INT(d2.st, RESOLVE_CANCELLED);
    CHECK_INT(p1.calls, 1);
    CHECK_INT(p1.st, RESOLVE_CANCELLED);

    dns_client_free(dns);
    uv_close((uv_handle_t *)&s.udp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(resolve_timeout_and_free_from_callback)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct silent s;
    silent_start(&s, &loop);
    struct dns_opts o = {.timeout_ms = 50, .retries = 1};
    struct dns_client *dns = dns_client_new(&loop, &s.addr, 1, &o);
    struct resolver *r = resolver_new(&loop, dns, NULL);

    struct got t = {.free_me = r};
    resolve_domain(r, "slow.example", got_domain, &t);
    while (t.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(t.st, RESOLVE_DNS_ERROR);
    CHECK_STR(t.error, "MX query: timeout");
    CHECK_INT(t.refused, 1);
    CHECK_INT(t.calls, 1);

    dns_client_free(dns);
    uv_close((uv_handle_t *)&s.udp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- how queries end: answered, failed with an RCODE, failed without a reply ---- */

/* A server that answers each query by the first label of its name: "nx" NXDOMAIN, "servfail"
 * SERVFAIL, "refused" REFUSED, "nodata" NOERROR without records, "drop" nothing at all. */
struct scripted {
    uv_udp_t udp;
    struct sockaddr_storage addr;
};

static void scripted_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                          unsigned f)
{
    ldns_pkt *q = NULL;
    if (n <= 0 || !from || ldns_wire2pkt(&q, (const uint8_t *)b->base, (size_t)n) != LDNS_STATUS_OK)
        return;
    char *name = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
    ldns_pkt_rcode rc = LDNS_RCODE_NOERROR;
    int drop = strncmp(name, "drop.", 5) == 0;
    if (strncmp(name, "nx.", 3) == 0)
        rc = LDNS_RCODE_NXDOMAIN;
    else if (strncmp(name, "servfail.", 9) == 0)
        rc = LDNS_RCODE_SERVFAIL;
    else if (strncmp(name, "refused.", 8) == 0)
        rc = LDNS_RCODE_REFUSED;
    free(name);
    if (!drop) {
        ldns_pkt_set_qr(q, 1);
        ldns_pkt_set_ra(q, 1);
        ldns_pkt_set_rcode(q, (uint8_t)rc);
        uint8_t *w = NULL;
        size_t len = 0;
        if (ldns_pkt2wire(&w, q, &len) == LDNS_STATUS_OK) {
            uv_buf_t out = uv_buf_init((char *)w, (unsigned)len);
            uv_udp_try_send(h, &out, 1, from);
        }
        free(w);
    }
    ldns_pkt_free(q);
}

TEST(resolve_counts_how_queries_end)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct scripted s;
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(&loop, &s.udp);
    CHECK_INT(uv_udp_bind(&s.udp, (struct sockaddr *)&sin, 0), 0);
    int alen = sizeof(s.addr);
    uv_udp_getsockname(&s.udp, (struct sockaddr *)&s.addr, &alen);
    uv_udp_recv_start(&s.udp, silent_alloc, scripted_recv);
    struct dns_opts o = {.timeout_ms = 50, .retries = 1};
    struct dns_client *dns = dns_client_new(&loop, &s.addr, 1, &o);
    struct resolver *r = resolver_new(&loop, dns, NULL);

    static const char *const names[] = {"nx.example", "servfail.example", "refused.example",
                                        "drop.example", "nodata.example"};
    struct got g[5] = {{0}};
    for (int i = 0; i < 5; i++)
        CHECK_INT(resolve_domain(r, names[i], got_domain, &g[i]), 0);
    for (int done = 0; done < 5;) {
        uv_run(&loop, UV_RUN_ONCE);
        done = 0;
        for (int i = 0; i < 5; i++)
            done += g[i].calls;
    }
    CHECK_INT(g[0].st, RESOLVE_NXDOMAIN);
    CHECK_STR(g[1].error, "MX query: SERVFAIL");
    CHECK_STR(g[2].error, "MX query: REFUSED");
    CHECK_STR(g[3].error, "MX query: timeout");
    CHECK_INT(g[4].st, RESOLVE_NO_MX); /* MX, then A for the implicit MX: both empty */
    const struct resolve_stats *st = resolver_stats(r);
    CHECK_INT(st->answered, 3);       /* NXDOMAIN, and the two empty NOERROR answers */
    CHECK_INT(st->failed_rcode, 2);   /* SERVFAIL, REFUSED */
    CHECK_INT(st->failed_noreply, 1); /* dropped: every try timed out */
    CHECK_INT(st->q_mx + st->q_a + st->q_aaaa + st->q_ptr, 6);

    /* Queries cancelled by resolver_free() count in neither. */
    struct got late = {0};
    CHECK_INT(resolve_domain(r, "drop.again.example", got_domain, &late), 0);
    uv_run(&loop, UV_RUN_NOWAIT); /* sent */
    resolver_free(r); /* its memory goes when the loop runs next: st is still readable */
    CHECK_INT(late.st, RESOLVE_CANCELLED);
    CHECK_INT(st->answered + st->failed_rcode + st->failed_noreply, 6);
    dns_client_free(dns);
    uv_close((uv_handle_t *)&s.udp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- the MX cache: a domain listed again is asked once; the bound ---- */

static void count_domain(void *arg, struct resolve_result *res)
{
    int *n = arg;
    (*n)++;
    CHECK_INT(res->status, RESOLVE_NXDOMAIN);
    resolve_result_free(res);
}

TEST(resolve_mx_cache)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct scripted s;
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(&loop, &s.udp);
    CHECK_INT(uv_udp_bind(&s.udp, (struct sockaddr *)&sin, 0), 0);
    int alen = sizeof(s.addr);
    uv_udp_getsockname(&s.udp, (struct sockaddr *)&s.addr, &alen);
    uv_udp_recv_start(&s.udp, silent_alloc, scripted_recv);
    struct dns_opts o = {.timeout_ms = 500, .retries = 1};
    struct dns_client *dns = dns_client_new(&loop, &s.addr, 1, &o);
    struct resolve_opts ro = {.mx_cache = 4};
    struct resolver *r = resolver_new(&loop, dns, &ro);
    const struct resolve_stats *st = resolver_stats(r);

    /* 1,000 requests for one domain at once: one MX query, the others join it */
    int done = 0;
    for (int i = 0; i < 1000; i++)
        CHECK_INT(resolve_domain(r, "nx.one.example", count_domain, &done), 0);
    while (done < 1000)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(st->q_mx, 1);
    CHECK_INT(st->coalesced, 999);
    /* ... and 1,000 more after it ended: answered from the cache */
    for (int i = 0; i < 1000; i++)
        CHECK_INT(resolve_domain(r, "nx.one.example", count_domain, &done), 0);
    while (done < 2000)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(st->q_mx, 1);
    CHECK_INT(st->cache_hits, 1000);

    /* the bound: 4 other domains later the first is asked again, the last is not */
    char name[64];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "nx.d%d.example", i);
        CHECK_INT(resolve_domain(r, name, count_domain, &done), 0);
        while (done < 2001 + i)
            uv_run(&loop, UV_RUN_ONCE);
    }
    CHECK_INT(st->q_mx, 5);
    CHECK_INT(resolve_domain(r, "nx.d3.example", count_domain, &done), 0);
    CHECK_INT(resolve_domain(r, "nx.one.example", count_domain, &done), 0);
    while (done < 2006)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(st->q_mx, 6);

    resolver_free(r);
    dns_client_free(dns);
    uv_close((uv_handle_t *)&s.udp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- the caps (resolve_opts max_addrs): how many addresses of each family are kept ---- */

TEST(resolve_addr_cap)
{
    static const struct {
        int na, n6, max, share, keep_a, keep_6;
    } cases[] = {
        {300, 0, 4, 1, 4, 0},  /* one MX host with 300 addresses: 4 probed */
        {300, 0, 4, 0, 4, 0},
        {8, 8, 4, 1, 2, 2},    /* both families probed (--ipv6): half each */
        {8, 8, 5, 1, 3, 2},    /* A takes the larger half of an odd cap */
        {1, 8, 4, 1, 1, 3},    /* a family with fewer leaves the rest to the other */
        {8, 1, 4, 1, 3, 1},
        {0, 9, 4, 1, 0, 4},
        {1, 1, 1, 1, 1, 0},
        {2, 2, 4, 1, 2, 2},    /* under the cap: all */
        {8, 8, 4, 0, 4, 4},    /* AAAA not probed (no --ipv6): each family on its own */
        {300, 300, 0, 1, 300, 300}, /* 0: no cap */
        {0, 0, 4, 1, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int ka = -1, k6 = -1;
        int cut = resolve_addr_cap(cases[i].na, cases[i].n6, cases[i].max, cases[i].share, &ka, &k6);
        CHECK_INT(ka, cases[i].keep_a);
        CHECK_INT(k6, cases[i].keep_6);
        CHECK_INT(cut, cases[i].na + cases[i].n6 - cases[i].keep_a - cases[i].keep_6);
        if (cases[i].max && cases[i].share)
            CHECK(ka + k6 <= cases[i].max);
    }
}

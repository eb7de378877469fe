/* resolve.c and resolve_lookup.c with resolve_opts.dnssec, against a scripted validating
 * resolver on loopback (a table of answers, each with or without the AD bit, some bogus):
 * the DNSSEC state of each outcome, the CD retry, the policy TXT and TLSA lookups, through
 * the cache, and the path without dnssec unchanged. */
#include "resolve/resolve.h"
#include "test.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the scripted validating resolver ---- */

enum { OK_DATA, BOGUS, SERVFAIL_ALWAYS };

/* One (name, type): its RCODE, AD when the query had DO, its answer records. BOGUS: SERVFAIL
 * unless the query has CD (then the data, without AD); SERVFAIL_ALWAYS: SERVFAIL either way.
 * A question not in the table: NXDOMAIN with AD (a secure denial). */
struct zrow {
    const char *name;
    ldns_rr_type type;
    int rcode, ad, kind;
    const char *rrs[3];
};

#define TLSA_EE "3 1 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
static const struct zrow zone[] = {
    {"sec.example", LDNS_RR_TYPE_MX, 0, 1, OK_DATA, {"sec.example. MX 10 mx.sec.example."}},
    {"mx.sec.example", LDNS_RR_TYPE_A, 0, 1, OK_DATA, {"mx.sec.example. A 192.0.2.1"}},
    {"_25._tcp.mx.sec.example", LDNS_RR_TYPE_TLSA, 0, 1, OK_DATA,
     {"_25._tcp.mx.sec.example. TLSA " TLSA_EE}},
    {"_mta-sts.sec.example", LDNS_RR_TYPE_TXT, 0, 1, OK_DATA,
     {"_mta-sts.sec.example. TXT \"v=STSv1; \" \"id=1;\""}},
    {"_smtp._tls.sec.example", LDNS_RR_TYPE_TXT, 0, 0, OK_DATA,
     {"_smtp._tls.sec.example. TXT \"v=TLSRPTv1; rua=mailto:r@sec.example\""}},
    /* an insecure MX host beside a secure one */
    {"mixed.example", LDNS_RR_TYPE_MX, 0, 1, OK_DATA,
     {"mixed.example. MX 10 mx.insec.example.", "mixed.example. MX 20 mx.sec.example."}},
    {"mx.insec.example", LDNS_RR_TYPE_A, 0, 0, OK_DATA, {"mx.insec.example. A 192.0.2.2"}},
    /* the MX host's address is bogus; the MX RRset is insecure */
    {"bogus.example", LDNS_RR_TYPE_MX, 0, 0, OK_DATA, {"bogus.example. MX 10 mx.bogus.example."}},
    {"mx.bogus.example", LDNS_RR_TYPE_A, 0, 0, BOGUS, {"mx.bogus.example. A 192.0.2.3"}},
    /* SERVFAIL with and without CD: a broken server, not DNSSEC */
    {"broken.example", LDNS_RR_TYPE_MX, 0, 0, SERVFAIL_ALWAYS, {NULL}},
    /* bogus NXDOMAIN of the MX itself */
    {"bogusnx.example", LDNS_RR_TYPE_MX, LDNS_RCODE_NXDOMAIN, 0, BOGUS, {NULL}},
    /* CNAME chains: AD on every hop, or missing on the last one */
    {"chain.example", LDNS_RR_TYPE_MX, 0, 1, OK_DATA,
     {"chain.example. MX 10 c1.chain.example.", "chain.example. MX 20 c2.chain.example."}},
    {"c1.chain.example", LDNS_RR_TYPE_A, 0, 1, OK_DATA,
     {"c1.chain.example. CNAME t1.other.example."}},
    {"t1.other.example", LDNS_RR_TYPE_A, 0, 0, OK_DATA, {"t1.other.example. A 192.0.2.10"}},
    {"c2.chain.example", LDNS_RR_TYPE_A, 0, 1, OK_DATA,
     {"c2.chain.example. CNAME t2.other.example."}},
    {"t2.other.example", LDNS_RR_TYPE_A, 0, 1, OK_DATA, {"t2.other.example. A 192.0.2.11"}},
    /* an implicit MX: no MX records (insecure NODATA), the domain's own address (secure),
     * a TLSA record for it */
    {"imp.example", LDNS_RR_TYPE_MX, 0, 0, OK_DATA, {NULL}},
    {"imp.example", LDNS_RR_TYPE_A, 0, 1, OK_DATA, {"imp.example. A 192.0.2.20"}},
    {"_25._tcp.imp.example", LDNS_RR_TYPE_TLSA, 0, 1, OK_DATA,
     {"_25._tcp.imp.example. TLSA 2 0 1 "
      "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"}},
    /* no MX, the domain's own address bogus: the implicit MX is bogus */
    {"impbogus.example", LDNS_RR_TYPE_MX, 0, 1, OK_DATA, {NULL}},
    {"impbogus.example", LDNS_RR_TYPE_A, 0, 0, BOGUS, {"impbogus.example. A 192.0.2.21"}},
    /* no MX (denied securely) and no address (insecurely): no mail route, the MX NODATA secure */
    {"noroute.example", LDNS_RR_TYPE_MX, 0, 1, OK_DATA, {NULL}},
    {"noroute.example", LDNS_RR_TYPE_A, 0, 0, OK_DATA, {NULL}},
    /* two STS TXT records, one of them empty */
    {"_mta-sts.mixed.example", LDNS_RR_TYPE_TXT, 0, 1, OK_DATA,
     {"_mta-sts.mixed.example. TXT \"v=STSv1; id=a\"", "_mta-sts.mixed.example. TXT \"\""}},
};

struct zserver {
    uv_udp_t udp;
    struct sockaddr_storage addr;
    int queries, with_do, with_cd, with_edns;
    char tlsa_asked[8][80]; /* the TLSA names asked, in order */
    int ntlsa;
};

static void z_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char mem[512]; /* test-only: each datagram is read before the next */
    *buf = uv_buf_init(mem, sizeof(mem));
}

static const struct zrow *z_find(const char *qname, ldns_rr_type type)
{
    for (size_t i = 0; i < ARRAY_LEN(zone); i++) {
        size_t n = strlen(zone[i].name);
        if (zone[i].type == type && strncasecmp(qname, zone[i].name, n) == 0 &&
            strcmp(qname + n, ".") == 0)
            return &zone[i];
    }
    return NULL;
}

static void z_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *from,
                   unsigned f)
{
    struct zserver *z = container_of(h, struct zserver, udp);
    ldns_pkt *q = NULL;
    if (n <= 0 || !from || ldns_wire2pkt(&q, (const uint8_t *)b->base, (size_t)n) != LDNS_STATUS_OK)
        return;
    const ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    char *name = ldns_rdf2str(ldns_rr_owner(qr));
    ldns_rr_type type = ldns_rr_get_type(qr);
    int cd = ldns_pkt_cd(q), dobit = ldns_pkt_edns_do(q);
    z->queries++;
    z->with_do += dobit;
    z->with_cd += cd;
    z->with_edns += ldns_pkt_edns(q);
    if (type == LDNS_RR_TYPE_TLSA && !cd && z->ntlsa < 8)
        snprintf(z->tlsa_asked[z->ntlsa++], sizeof(z->tlsa_asked[0]), "%s", name);
    const struct zrow *row = z_find(name, type);
    free(name);
    int rcode = row ? row->rcode : LDNS_RCODE_NXDOMAIN, ad = row ? row->ad : 1;
    if (row && (row->kind == SERVFAIL_ALWAYS || (row->kind == BOGUS && !cd)))
        rcode = LDNS_RCODE_SERVFAIL, ad = 0;
    else if (row && row->kind == BOGUS)
        ad = 0;
    ldns_pkt_set_qr(q, 1);
    ldns_pkt_set_ra(q, 1);
    ldns_pkt_set_ad(q, ad && dobit); /* a validating resolver says AD to a DO query only */
    ldns_pkt_set_rcode(q, (uint8_t)rcode);
    for (int i = 0; rcode != LDNS_RCODE_SERVFAIL && row && i < 3 && row->rrs[i]; i++) {
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, row->rrs[i], 300, NULL, NULL) == LDNS_STATUS_OK)
            ldns_pkt_push_rr(q, LDNS_SECTION_ANSWER, rr);
    }
    uint8_t *w = NULL;
    size_t len = 0;
    if (ldns_pkt2wire(&w, q, &len) == LDNS_STATUS_OK) {
        uv_buf_t out = uv_buf_init((char *)w, (unsigned)len);
        uv_udp_try_send(h, &out, 1, from);
    }
    free(w);
    ldns_pkt_free(q);
}

/* A loop with the scripted server, a DNS client (plain: the resolver asks DO itself) and a
 * resolver with ro. */
struct rig {
    uv_loop_t loop;
    struct zserver z;
    struct dns_client *dns;
    struct resolver *r;
};

static void rig_start_dns(struct rig *g, const struct resolve_opts *ro, int dns_dnssec)
{
    memset(g, 0, sizeof(*g));
    uv_loop_init(&g->loop);
    struct sockaddr_in sin;
    uv_ip4_addr("127.0.0.1", 0, &sin);
    uv_udp_init(&g->loop, &g->z.udp);
    CHECK_INT(uv_udp_bind(&g->z.udp, (struct sockaddr *)&sin, 0), 0);
    int alen = sizeof(g->z.addr);
    uv_udp_getsockname(&g->z.udp, (struct sockaddr *)&g->z.addr, &alen);
    uv_udp_recv_start(&g->z.udp, z_alloc, z_recv);
    struct dns_opts o = {.timeout_ms = 500, .retries = 1, .dnssec = dns_dnssec};
    g->dns = dns_client_new(&g->loop, &g->z.addr, 1, &o);
    g->r = resolver_new(&g->loop, g->dns, ro);
}

static void rig_start(struct rig *g, const struct resolve_opts *ro)
{
    rig_start_dns(g, ro, 0);
}

static void rig_stop(struct rig *g)
{
    resolver_free(g->r);
    dns_client_free(g->dns);
    uv_close((uv_handle_t *)&g->z.udp, NULL);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&g->loop), 0);
}

struct held {
    int calls;
    struct resolve_result *res;
};

static void hold(void *arg, struct resolve_result *res)
{
    struct held *h = arg;
    h->calls++;
    resolve_result_free(h->res);
    h->res = res;
}

/* Resolves each of n domains (or hosts) at once and runs the loop until all have answered. */
static void run_all(struct rig *g, const char *const *names, struct held *h, int n, int host)
{
    for (int i = 0; i < n; i++)
        CHECK_INT((host ? resolve_host : resolve_domain)(g->r, names[i], hold, &h[i]), 0);
    for (int done = 0; done < n;) {
        uv_run(&g->loop, UV_RUN_ONCE);
        done = 0;
        for (int i = 0; i < n; i++)
            done += h[i].calls;
    }
}

static void held_free(struct held *h, int n)
{
    for (int i = 0; i < n; i++)
        resolve_result_free(h[i].res);
}

static int blob_is(const struct resolve_blob *b, const char *want)
{
    return b->len == strlen(want) && memcmp(b->data, want, b->len) == 0;
}

/* ---- the tests ---- */

TEST(resolve_dnssec_states)
{
    struct rig g;
    struct resolve_opts ro = {.dnssec = 1};
    rig_start(&g, &ro);
    static const char *const names[] = {"sec.example", "mixed.example", "bogus.example",
                                        "broken.example", "bogusnx.example", "chain.example",
                                        "imp.example", "nx.example", "impbogus.example",
                                        "noroute.example"};
    enum { SEC, MIXED, BOGUS_D, BROKEN, BOGUSNX, CHAIN, IMP, NX, IMPBOGUS, NOROUTE, N };
    struct held h[N] = {{0}};
    run_all(&g, names, h, N, 0);
    for (int i = 0; i < N; i++)
        CHECK_INT(h[i].calls, 1);

    /* everything secure: the host's TLSA asked, the TXT records read */
    struct resolve_result *r = h[SEC].res;
    CHECK_INT(r->status, RESOLVE_OK);
    CHECK_INT(r->mx_dnssec, DNSSEC_SECURE);
    CHECK_INT(r->mx[0].addr_dnssec, DNSSEC_SECURE);
    CHECK_INT(r->mx[0].tlsa.asked, 1);
    CHECK_STR(r->mx[0].tlsa.qname, "_25._tcp.mx.sec.example");
    CHECK_INT(r->mx[0].tlsa.status, RESOLVE_OK);
    CHECK_INT(r->mx[0].tlsa.dnssec, DNSSEC_SECURE);
    CHECK_INT(r->mx[0].tlsa.n, 1);
    if (r->mx[0].tlsa.n == 1) {
        CHECK_INT(r->mx[0].tlsa.rr[0].len, 35);
        CHECK(memcmp(r->mx[0].tlsa.rr[0].data, "\x03\x01\x01\x00\x11", 5) == 0);
    }
    CHECK_INT(r->sts.asked, 1);
    CHECK_STR(r->sts.qname, "_mta-sts.sec.example");
    CHECK_INT(r->sts.dnssec, DNSSEC_SECURE);
    CHECK_INT(r->sts.n, 1);
    if (r->sts.n == 1)
        CHECK(blob_is(&r->sts.rr[0], "v=STSv1; id=1;"));
    CHECK_STR(r->tlsrpt.qname, "_smtp._tls.sec.example");
    CHECK_INT(r->tlsrpt.dnssec, DNSSEC_INSECURE);
    CHECK_INT(r->tlsrpt.n, 1);
    if (r->tlsrpt.n == 1)
        CHECK(blob_is(&r->tlsrpt.rr[0], "v=TLSRPTv1; rua=mailto:r@sec.example"));

    /* an insecure host: no TLSA; the secure one beside it: TLSA (from the cache or joined) */
    r = h[MIXED].res;
    CHECK_INT(r->mx_dnssec, DNSSEC_SECURE);
    CHECK_STR(r->mx[0].host, "mx.insec.example");
    CHECK_INT(r->mx[0].addr_dnssec, DNSSEC_INSECURE);
    CHECK_INT(r->mx[0].tlsa.asked, 0);
    CHECK_INT(r->mx[1].addr_dnssec, DNSSEC_SECURE);
    CHECK_INT(r->mx[1].tlsa.asked, 1);
    CHECK_INT(r->mx[1].tlsa.n, 1);
    CHECK_INT(r->sts.n, 2); /* two records, in canonical order (RFC 4034 §6.3): the empty one
                               first, though the answer had it second */
    if (r->sts.n == 2)
        CHECK(r->sts.rr[0].len == 0 && blob_is(&r->sts.rr[1], "v=STSv1; id=a"));
    CHECK_INT(r->tlsrpt.status, RESOLVE_NXDOMAIN);
    CHECK_INT(r->tlsrpt.dnssec, DNSSEC_SECURE);
    CHECK_INT(r->tlsrpt.n, 0);

    /* a bogus address: SERVFAIL, answered with CD */
    r = h[BOGUS_D].res;
    CHECK_INT(r->mx_dnssec, DNSSEC_INSECURE);
    CHECK_INT(r->mx[0].resolved, 0);
    CHECK_STR(r->mx[0].error, "A query: SERVFAIL (DNSSEC bogus)");
    CHECK_INT(r->mx[0].addr_dnssec, DNSSEC_BOGUS);
    CHECK_INT(r->mx[0].tlsa.asked, 0);
    /* SERVFAIL with CD too: the error stands, the state unknown */
    CHECK_INT(h[BROKEN].res->status, RESOLVE_DNS_ERROR);
    CHECK_STR(h[BROKEN].res->error, "MX query: SERVFAIL");
    CHECK_INT(h[BROKEN].res->mx_dnssec, DNSSEC_UNKNOWN);
    CHECK_INT(h[BROKEN].res->sts.asked, 1); /* asked alongside, whatever the MX */
    /* a bogus NXDOMAIN is bogus, not nxdomain */
    CHECK_INT(h[BOGUSNX].res->status, RESOLVE_DNS_ERROR);
    CHECK_STR(h[BOGUSNX].res->error, "MX query: SERVFAIL (DNSSEC bogus)");
    CHECK_INT(h[BOGUSNX].res->mx_dnssec, DNSSEC_BOGUS);

    /* CNAME chains: one hop without AD makes the whole lookup insecure */
    r = h[CHAIN].res;
    CHECK_INT(r->nmx, 2);
    if (r->nmx == 2) {
        CHECK_INT(r->mx[0].addr_dnssec, DNSSEC_INSECURE);
        CHECK_STR(r->mx[0].ips[0], "192.0.2.10");
        CHECK_INT(r->mx[0].tlsa.asked, 0);
        CHECK_INT(r->mx[1].addr_dnssec, DNSSEC_SECURE);
        CHECK_STR(r->mx[1].ips[0], "192.0.2.11");
        CHECK_INT(r->mx[1].tlsa.asked, 1);
        CHECK_INT(r->mx[1].tlsa.status, RESOLVE_NXDOMAIN); /* not in the table */
        CHECK_INT(r->mx[1].tlsa.dnssec, DNSSEC_SECURE);
    }

    /* the implicit MX: the domain is the host; its state is its addresses' */
    r = h[IMP].res;
    CHECK_INT(r->status, RESOLVE_NO_MX);
    CHECK_INT(r->implicit_mx, 1);
    CHECK_INT(r->mx_dnssec, DNSSEC_SECURE);
    CHECK_INT(r->mx[0].addr_dnssec, DNSSEC_SECURE);
    CHECK_STR(r->mx[0].tlsa.qname, "_25._tcp.imp.example");
    CHECK_INT(r->mx[0].tlsa.n, 1);
    if (r->mx[0].tlsa.n == 1)
        CHECK(memcmp(r->mx[0].tlsa.rr[0].data, "\x02\x00\x01\xff", 4) == 0);

    CHECK_INT(h[NX].res->status, RESOLVE_NXDOMAIN);
    CHECK_INT(h[NX].res->mx_dnssec, DNSSEC_SECURE);
    CHECK_INT(h[IMPBOGUS].res->status, RESOLVE_DNS_ERROR);
    CHECK_STR(h[IMPBOGUS].res->error, "A query: SERVFAIL (DNSSEC bogus) (implicit MX)");
    CHECK_INT(h[IMPBOGUS].res->mx_dnssec, DNSSEC_BOGUS);
    CHECK_INT(h[NOROUTE].res->status, RESOLVE_NO_MX);
    CHECK_INT(h[NOROUTE].res->nmx, 0);
    CHECK_INT(h[NOROUTE].res->mx_dnssec, DNSSEC_SECURE);

    /* TLSA only for the secure hosts, each name once (mx.sec.example for two domains) */
    CHECK_INT(g.z.ntlsa, 3);
    for (int i = 0; i < g.z.ntlsa; i++)
        CHECK(strcmp(g.z.tlsa_asked[i], "_25._tcp.mx.sec.example.") == 0 ||
              strcmp(g.z.tlsa_asked[i], "_25._tcp.c2.chain.example.") == 0 ||
              strcmp(g.z.tlsa_asked[i], "_25._tcp.imp.example.") == 0);
    const struct resolve_stats *st = resolver_stats(g.r);
    CHECK_INT(st->q_txt, 2 * N);
    CHECK_INT(st->q_tlsa, 3);
    CHECK_INT(st->q_cd, 4); /* the A of mx.bogus.example and impbogus.example, the MX of
                               broken.example and bogusnx.example */
    unsigned long sent = st->q_mx + st->q_a + st->q_aaaa + st->q_ptr + st->q_txt + st->q_tlsa +
                         st->q_cd;
    CHECK_INT(g.z.queries, sent);
    CHECK_INT(g.z.with_do, sent); /* every query with DO */
    CHECK_INT(g.z.with_cd, 4);
    /* the bogus ones answered (the resolver works), broken.example's two failed */
    CHECK_INT(st->failed_rcode, 2);
    CHECK_INT(st->failed_noreply, 0);
    CHECK_INT(st->answered, sent - 2);

    /* Again, from the cache: the TXT and TLSA answers too */
    unsigned long before = (unsigned long)g.z.queries;
    struct held again[1] = {{0}};
    run_all(&g, names, again, 1, 0);
    CHECK_INT(g.z.queries, before);
    CHECK_INT(again[0].res->sts.n, 1);
    CHECK_INT(again[0].res->mx[0].tlsa.n, 1);
    CHECK_INT(again[0].res->mx[0].tlsa.dnssec, DNSSEC_SECURE);
    held_free(again, 1);
    held_free(h, N);
    rig_stop(&g);
}

/* resolve_host: the addresses of one name as mx[0], whatever they are; no TLSA. */
TEST(resolve_host_addresses)
{
    struct rig g;
    struct resolve_opts ro = {.dnssec = 1, .tlsa_port = 465};
    rig_start(&g, &ro);
    static const char *const hosts[] = {"mx.sec.example", "nohost.example", "mx.bogus.example"};
    struct held h[3] = {{0}};
    run_all(&g, hosts, h, 3, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(h[i].res->status, RESOLVE_OK);
        CHECK_INT(h[i].res->nmx, 1);
        CHECK_STR(h[i].res->mx[0].host, hosts[i]);
        CHECK_INT(h[i].res->mx[0].tlsa.asked, 0);
        CHECK_INT(h[i].res->sts.asked, 0);
    }
    CHECK_INT(h[0].res->mx[0].nips, 1);
    CHECK_STR(h[0].res->mx[0].ips[0], "192.0.2.1");
    CHECK_INT(h[0].res->mx[0].addr_dnssec, DNSSEC_SECURE);
    CHECK_STR(h[1].res->mx[0].error, "NXDOMAIN");
    CHECK_INT(h[1].res->mx[0].addr_dnssec, DNSSEC_SECURE);
    CHECK_STR(h[2].res->mx[0].error, "A query: SERVFAIL (DNSSEC bogus)");
    CHECK_INT(h[2].res->mx[0].addr_dnssec, DNSSEC_BOGUS);
    CHECK_INT(resolver_stats(g.r)->q_tlsa, 0);
    CHECK_INT(resolver_stats(g.r)->q_txt, 0);
    held_free(h, 3);

    /* the TLSA port: _465._tcp */
    struct held d[1] = {{0}};
    run_all(&g, (const char *const[]){"sec.example"}, d, 1, 0);
    CHECK_STR(d[0].res->mx[0].tlsa.qname, "_465._tcp.mx.sec.example");
    CHECK_INT(d[0].res->mx[0].tlsa.status, RESOLVE_NXDOMAIN);
    held_free(d, 1);
    rig_stop(&g);
}

/* Without dnssec nothing changes: no DO, no CD, no TXT or TLSA, every state unknown. */
TEST(resolve_dnssec_off)
{
    struct rig g;
    rig_start(&g, NULL);
    static const char *const names[] = {"sec.example", "bogus.example", "imp.example"};
    struct held h[3] = {{0}};
    run_all(&g, names, h, 3, 0);
    for (int i = 0; i < 3; i++) {
        const struct resolve_result *r = h[i].res;
        CHECK_INT(r->mx_dnssec, DNSSEC_UNKNOWN);
        CHECK_INT(r->sts.asked + r->tlsrpt.asked, 0);
        for (int k = 0; k < r->nmx; k++) {
            CHECK_INT(r->mx[k].addr_dnssec, DNSSEC_UNKNOWN);
            CHECK_INT(r->mx[k].tlsa.asked, 0);
        }
    }
    CHECK_STR(h[1].res->mx[0].error, "A query: SERVFAIL");
    CHECK_INT(h[2].res->implicit_mx, 1);
    const struct resolve_stats *st = resolver_stats(g.r);
    CHECK_INT(st->q_txt + st->q_tlsa + st->q_cd, 0);
    CHECK_INT(st->failed_rcode, 1);
    CHECK_INT(g.z.queries, 6); /* 3 MX, 3 A */
    CHECK_INT(g.z.with_do + g.z.with_cd + g.z.with_edns, 0);
    held_free(h, 3);
    rig_stop(&g);

    /* dns_opts.dnssec alone: DO on every query, which the resolver does not read */
    rig_start_dns(&g, NULL, 1);
    struct held one[1] = {{0}};
    run_all(&g, names, one, 1, 0);
    CHECK_INT(one[0].res->mx_dnssec, DNSSEC_UNKNOWN);
    CHECK_INT(g.z.queries, 2);
    CHECK_INT(g.z.with_do, 2);
    CHECK_INT(g.z.with_edns, 2);
    CHECK_INT(g.z.with_cd, 0);
    held_free(one, 1);
    rig_stop(&g);

    CHECK(resolve_dnssec_str(DNSSEC_UNKNOWN) == NULL);
    CHECK_STR(resolve_dnssec_str(DNSSEC_SECURE), "secure");
    CHECK_STR(resolve_dnssec_str(DNSSEC_INSECURE), "insecure");
    CHECK_STR(resolve_dnssec_str(DNSSEC_BOGUS), "bogus");
    CHECK_INT(resolve_dnssec_combine(DNSSEC_SECURE, DNSSEC_SECURE), DNSSEC_SECURE);
    CHECK_INT(resolve_dnssec_combine(DNSSEC_SECURE, DNSSEC_INSECURE), DNSSEC_INSECURE);
    CHECK_INT(resolve_dnssec_combine(DNSSEC_UNKNOWN, DNSSEC_INSECURE), DNSSEC_INSECURE);
    CHECK_INT(resolve_dnssec_combine(DNSSEC_INSECURE, DNSSEC_BOGUS), DNSSEC_BOGUS);
    CHECK_INT(resolve_dnssec_combine(DNSSEC_SECURE, DNSSEC_UNKNOWN), DNSSEC_UNKNOWN);
}

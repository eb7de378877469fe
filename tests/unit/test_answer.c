/* answer.c on replies built in memory with ldns: RCODEs, CNAME chains, null MX, ordering,
 * names in mixed case with trailing dots. */
#include "resolve/answer.h"
#include "resolve/dns.h"
#include "resolve/resolve.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* A reply to (qname, type) with the given RCODE and answer records (zone-file syntax). */
static ldns_pkt *mkpkt(ldns_pkt_rcode rcode, const char *qname, ldns_rr_type type,
                       const char *const *answers)
{
    ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), type, LDNS_RR_CLASS_IN,
                                     LDNS_RD);
    ldns_pkt_set_qr(p, 1);
    ldns_pkt_set_ra(p, 1);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    for (int i = 0; answers && answers[i]; i++) {
        ldns_rr *rr = NULL;
        CHECK_INT(ldns_rr_new_frm_str(&rr, answers[i], 300, NULL, NULL), LDNS_STATUS_OK);
        if (rr)
            ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
    }
    return p;
}

/* Parses a reply built from the arguments. */
static void parse(struct answer *a, ldns_pkt_rcode rcode, const char *qname, ldns_rr_type type,
                  const char *const *answers)
{
    ldns_pkt *p = mkpkt(rcode, qname, type, answers);
    answer_parse(p, qname, type, ANSWER_MAX_CNAME, a);
    ldns_pkt_free(p);
}

TEST(answer_rcodes)
{
    struct answer a;
    parse(&a, LDNS_RCODE_NXDOMAIN, "nope.example", LDNS_RR_TYPE_MX, NULL);
    CHECK_INT(a.kind, ANSWER_NXDOMAIN);
    answer_clear(&a);

    parse(&a, LDNS_RCODE_SERVFAIL, "broken.example", LDNS_RR_TYPE_MX, NULL);
    CHECK_INT(a.kind, ANSWER_ERROR);
    CHECK_STR(a.error, "SERVFAIL");
    answer_clear(&a);

    parse(&a, LDNS_RCODE_REFUSED, "refused.example", LDNS_RR_TYPE_MX, NULL);
    CHECK_INT(a.kind, ANSWER_ERROR);
    CHECK_STR(a.error, "REFUSED");
    answer_clear(&a);

    /* NOERROR, empty answer: NODATA — and so is an answer about other names only. */
    parse(&a, LDNS_RCODE_NOERROR, "nomx.example", LDNS_RR_TYPE_MX, NULL);
    CHECK_INT(a.kind, ANSWER_NODATA);
    answer_clear(&a);
    parse(&a, LDNS_RCODE_NOERROR, "nomx.example", LDNS_RR_TYPE_MX,
          (const char *[]){"other.example. MX 10 mx.other.example.",
                           "nomx.example. A 192.0.2.1", NULL});
    CHECK_INT(a.kind, ANSWER_NODATA);
    answer_clear(&a);

    /* NXDOMAIN at the end of a CNAME chain is NXDOMAIN (RFC 6604). */
    parse(&a, LDNS_RCODE_NXDOMAIN, "alias.example", LDNS_RR_TYPE_MX,
          (const char *[]){"alias.example. CNAME gone.example.", NULL});
    CHECK_INT(a.kind, ANSWER_NXDOMAIN);
    answer_clear(&a);
}

TEST(answer_mx_and_null_mx)
{
    struct answer a;
    struct resolve_mx *mx;
    int nmx;
    /* Mixed case and trailing dots in owners and targets; sorted by preference, then name. */
    parse(&a, LDNS_RCODE_NOERROR, "Example.COM", LDNS_RR_TYPE_MX,
          (const char *[]){"EXAMPLE.com. MX 20 MX2.Example.COM.", "example.com. MX 10 b.example.com.",
                           "eXample.com. MX 10 A.EXAMPLE.com.", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.n, 3);
    CHECK_INT(resolve_mx_list(a.rrs, a.n, &mx, &nmx), RESOLVE_OK);
    CHECK_INT(nmx, 3);
    if (nmx == 3) {
        CHECK_STR(mx[0].host, "a.example.com");
        CHECK_INT(mx[0].pref, 10);
        CHECK_STR(mx[1].host, "b.example.com");
        CHECK_STR(mx[2].host, "mx2.example.com");
        CHECK_INT(mx[2].pref, 20);
    }
    for (int i = 0; i < nmx; i++)
        free(mx[i].host);
    free(mx);
    answer_clear(&a);

    /* RFC 7505 null MX. */
    parse(&a, LDNS_RCODE_NOERROR, "nullmx.example", LDNS_RR_TYPE_MX,
          (const char *[]){"nullmx.example. MX 0 .", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_STR(a.rrs[0].str, ".");
    CHECK_INT(resolve_mx_list(a.rrs, a.n, &mx, &nmx), RESOLVE_NULL_MX);
    CHECK_INT(nmx, 0);
    CHECK(mx == NULL);
    answer_clear(&a);

    /* A "." target that is not a lone preference-0 record is not a null MX: it is listed. */
    parse(&a, LDNS_RCODE_NOERROR, "mixed.example", LDNS_RR_TYPE_MX,
          (const char *[]){"mixed.example. MX 0 .", "mixed.example. MX 10 mx.mixed.example.", NULL});
    CHECK_INT(resolve_mx_list(a.rrs, a.n, &mx, &nmx), RESOLVE_OK);
    CHECK_INT(nmx, 2);
    CHECK_STR(mx[0].host, ".");
    for (int i = 0; i < nmx; i++)
        free(mx[i].host);
    free(mx);
    answer_clear(&a);
    parse(&a, LDNS_RCODE_NOERROR, "pref.example", LDNS_RR_TYPE_MX,
          (const char *[]){"pref.example. MX 10 .", NULL});
    CHECK_INT(resolve_mx_list(a.rrs, a.n, &mx, &nmx), RESOLVE_OK);
    CHECK_INT(nmx, 1);
    free(mx[0].host);
    free(mx);
    answer_clear(&a);
}

TEST(answer_cname)
{
    struct answer a;
    /* A chain resolved by the resolver: follow it to the records. */
    parse(&a, LDNS_RCODE_NOERROR, "alias.example", LDNS_RR_TYPE_MX,
          (const char *[]){"alias.example. CNAME Mid.Example.", "mid.example. CNAME real.example.",
                           "REAL.example. MX 5 mx.real.example.", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.hops, 2);
    CHECK_INT(a.n, 1);
    CHECK_STR(a.rrs[0].str, "mx.real.example");
    CHECK_INT(a.rrs[0].pref, 5);
    answer_clear(&a);

    /* Only the alias came back: ask the target next. */
    parse(&a, LDNS_RCODE_NOERROR, "alias.example", LDNS_RR_TYPE_MX,
          (const char *[]){"alias.example. CNAME Real.Example.", NULL});
    CHECK_INT(a.kind, ANSWER_CNAME);
    CHECK_STR(a.target, "real.example");
    CHECK_INT(a.hops, 1);
    answer_clear(&a);

    parse(&a, LDNS_RCODE_NOERROR, "a.example", LDNS_RR_TYPE_A,
          (const char *[]){"a.example. CNAME b.example.", "b.example. CNAME A.example.", NULL});
    CHECK_INT(a.kind, ANSWER_ERROR);
    CHECK_STR(a.error, "CNAME loop");
    answer_clear(&a);

    const char *chain[12];
    char bufs[11][64];
    for (int i = 0; i < 10; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "c%d.example. CNAME c%d.example.", i, i + 1);
        chain[i] = bufs[i];
    }
    chain[10] = "c10.example. A 192.0.2.1";
    chain[11] = NULL;
    parse(&a, LDNS_RCODE_NOERROR, "c0.example", LDNS_RR_TYPE_A, chain);
    CHECK_INT(a.kind, ANSWER_ERROR);
    CHECK_STR(a.error, "CNAME chain too long");
    answer_clear(&a);
    /* Exactly RESOLVE_MAX_CNAME hops is fine. */
    parse(&a, LDNS_RCODE_NOERROR, "c2.example", LDNS_RR_TYPE_A, chain);
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.hops, 8);
    answer_clear(&a);
}

TEST(answer_addresses_and_ptr)
{
    struct answer a;
    parse(&a, LDNS_RCODE_NOERROR, "mx.example", LDNS_RR_TYPE_A,
          (const char *[]){"mx.example. A 192.0.2.1", "MX.example. A 10.0.0.10",
                           "mx.example. A 10.0.0.9", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.n, 3);
    CHECK_STR(a.rrs[0].str, "10.0.0.9"); /* numeric, not string, order */
    CHECK_STR(a.rrs[1].str, "10.0.0.10");
    CHECK_STR(a.rrs[2].str, "192.0.2.1");
    answer_clear(&a);

    parse(&a, LDNS_RCODE_NOERROR, "mx.example", LDNS_RR_TYPE_AAAA,
          (const char *[]){"mx.example. AAAA 2001:db8::10", "mx.example. AAAA 2001:DB8:0::9", NULL});
    CHECK_INT(a.n, 2);
    CHECK_STR(a.rrs[0].str, "2001:db8::9");
    CHECK_STR(a.rrs[1].str, "2001:db8::10");
    answer_clear(&a);

    parse(&a, LDNS_RCODE_NOERROR, "1.2.0.192.in-addr.arpa", LDNS_RR_TYPE_PTR,
          (const char *[]){"1.2.0.192.in-addr.arpa. PTR Mail.Example.COM.", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_STR(a.rrs[0].str, "mail.example.com");
    answer_clear(&a);

    char rev[80];
    CHECK_INT(dns_reverse_name("192.0.2.1", rev, sizeof(rev)), 0);
    CHECK_STR(rev, "1.2.0.192.in-addr.arpa");
    CHECK_INT(dns_reverse_name("2001:db8::1", rev, sizeof(rev)), 0);
    CHECK_STR(rev, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK_INT(dns_reverse_name("mail.example", rev, sizeof(rev)), -1);
    CHECK_INT(dns_reverse_name("192.0.2.1", rev, 10), -1);

    char name[] = "MX.Example.COM.";
    answer_name_canon(name);
    CHECK_STR(name, "mx.example.com");
    char root[] = ".";
    answer_name_canon(root);
    CHECK_STR(root, ".");
}

/* A reply through the wire and back, as dns.c hands it over: what ldns reads from octets. */
static void parse_wire(struct answer *a, const char *qname, ldns_rr_type type,
                       const char *const *answers)
{
    ldns_pkt *p = mkpkt(LDNS_RCODE_NOERROR, qname, type, answers), *back = NULL;
    uint8_t *w = NULL;
    size_t len = 0;
    CHECK(ldns_pkt2wire(&w, p, &len) == LDNS_STATUS_OK);
    CHECK(ldns_wire2pkt(&back, w, len) == LDNS_STATUS_OK);
    memset(a, 0, sizeof(*a));
    if (back)
        answer_parse(back, qname, type, ANSWER_MAX_CNAME, a);
    free(w);
    ldns_pkt_free(back);
    ldns_pkt_free(p);
}

static int blob_is(const struct answer_rr *r, const void *want, size_t len)
{
    return r->str == NULL && r->len == len && (len == 0 || memcmp(r->data, want, len) == 0);
}

TEST(answer_txt)
{
    struct answer a;
    /* Each record's strings joined without separators; records in answer order; an empty
     * string is an empty record; octets 0x00 and 0xff kept as they are. */
    parse_wire(&a, "_mta-sts.example", LDNS_RR_TYPE_TXT,
               (const char *[]){"_mta-sts.example. TXT \"v=STSv1; \" \"id=2026;\"",
                                "_mta-sts.example. TXT \"\"",
                                "_mta-sts.example. TXT \"a\\000b\\255\" \"\" \"c\"",
                                "_mta-sts.example. TXT \"first?\"", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.n, 4);
    if (a.n == 4) {
        CHECK(blob_is(&a.rrs[0], "v=STSv1; id=2026;", 17));
        CHECK(blob_is(&a.rrs[1], "", 0));
        CHECK(blob_is(&a.rrs[2], "a\0b\xff" "c", 5));
        CHECK(blob_is(&a.rrs[3], "first?", 6));
    }
    answer_clear(&a);

    /* Two strings of 255 octets: one record of 510. */
    char rr[700], want[510];
    memset(want, 'x', 255);
    memset(want + 255, 'y', 255);
    snprintf(rr, sizeof(rr), "_smtp._tls.example. TXT \"%.255s\" \"%.255s\"", want, want + 255);
    parse_wire(&a, "_smtp._tls.example", LDNS_RR_TYPE_TXT, (const char *[]){rr, NULL});
    CHECK_INT(a.n, 1);
    if (a.n == 1)
        CHECK(blob_is(&a.rrs[0], want, sizeof(want)));
    answer_clear(&a);

    /* Through a CNAME, other types left out. */
    parse_wire(&a, "_mta-sts.alias.example", LDNS_RR_TYPE_TXT,
               (const char *[]){"_mta-sts.alias.example. CNAME _mta-sts.real.example.",
                                "_mta-sts.real.example. A 192.0.2.1",
                                "_mta-sts.real.example. TXT \"v=STSv1; id=1\"", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.hops, 1);
    CHECK_INT(a.n, 1);
    if (a.n == 1)
        CHECK(blob_is(&a.rrs[0], "v=STSv1; id=1", 13));
    answer_clear(&a);
}

TEST(answer_tlsa)
{
    struct answer a;
    /* The whole RDATA: usage, selector, matching type, data; in answer order, through a
     * CNAME (RFC 7671 §7 allows one at the TLSA name). */
    parse_wire(&a, "_25._tcp.mx.example", LDNS_RR_TYPE_TLSA,
               (const char *[]){"_25._tcp.mx.example. CNAME _25._tcp.dane.example.",
                                "_25._tcp.dane.example. TLSA 3 1 1 "
                                "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
                                "_25._tcp.dane.example. TLSA 2 0 0 ff00", NULL});
    CHECK_INT(a.kind, ANSWER_RECORDS);
    CHECK_INT(a.n, 2);
    static const unsigned char ee[35] = {3,    1,    1,    0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                         0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
                                         0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                         0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const unsigned char ta[5] = {2, 0, 0, 0xff, 0x00};
    if (a.n == 2) {
        CHECK(blob_is(&a.rrs[0], ee, sizeof(ee)));
        CHECK(blob_is(&a.rrs[1], ta, sizeof(ta)));
    }
    answer_clear(&a);

    parse_wire(&a, "_25._tcp.none.example", LDNS_RR_TYPE_TLSA, NULL);
    CHECK_INT(a.kind, ANSWER_NODATA);
    answer_clear(&a);
}

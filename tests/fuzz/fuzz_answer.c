/* libFuzzer harness for the DNS answer reader (src/resolve/answer.c): arbitrary octets through
 * ldns_wire2pkt (as dns.c reads a reply off the wire), then answer_parse for MX, A, AAAA and PTR
 * against the question's name and the first answer's owner, with CNAME hops 0..ANSWER_MAX_CNAME
 * (and TXT and TLSA: octets, no text; data present exactly when the length is not 0).
 * Checks answer.h's contract: a known kind; records only with ANSWER_RECORDS (n >= 1), a target
 * only with ANSWER_CNAME, a reason only with ANSWER_ERROR; hops within the limit; names lower
 * case without a trailing dot (the root as "."), printable ASCII (ldns writes odd octets as
 * \DDD: nothing raw reaches a record); addresses that inet_pton reads, in numeric order; PTR
 * names in order; answer_clear leaves a zeroed struct. Seeds: tests/fuzz/corpus/answer/ (replies
 * recorded from the world's unbound: MX, null MX, CNAME chains and loops, NXDOMAIN, SERVFAIL,
 * A, AAAA, PTR). */
#include "fuzz.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include "resolve/answer.h"

static void check_name(const char *s)
{
    REQUIRE(s && *s);
    size_t n = strlen(s);
    if (strcmp(s, ".") != 0)
        REQUIRE(s[n - 1] != '.' || (n >= 2 && s[n - 2] == '\\'));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        REQUIRE(*p >= 0x20 && *p < 0x7f);
        REQUIRE(!(*p >= 'A' && *p <= 'Z'));
    }
}

static void check(const ldns_pkt *pkt, const char *qname, ldns_rr_type type, int max_hops)
{
    struct answer a;
    answer_parse(pkt, qname, type, max_hops, &a);
    switch (a.kind) {
    case ANSWER_RECORDS:
        REQUIRE(a.n >= 1 && a.rrs && !a.target && !a.error);
        break;
    case ANSWER_NODATA:
    case ANSWER_NXDOMAIN:
        REQUIRE(a.n == 0 && !a.target && !a.error);
        break;
    case ANSWER_CNAME:
        REQUIRE(a.n == 0 && a.target && !a.error && a.hops >= 1);
        check_name(a.target);
        break;
    case ANSWER_ERROR:
        REQUIRE(a.n == 0 && !a.target && a.error && *a.error);
        break;
    default:
        REQUIRE(!"unknown answer kind");
    }
    REQUIRE(a.hops >= 0 && a.hops <= max_hops && a.hops <= ANSWER_MAX_CNAME);
    for (int i = 0; i < a.n; i++) {
        const char *s = a.rrs[i].str;
        if (type == LDNS_RR_TYPE_TXT || type == LDNS_RR_TYPE_TLSA) {
            REQUIRE(!s && a.rrs[i].pref == 0 && (a.rrs[i].data != NULL) == (a.rrs[i].len > 0));
            REQUIRE(a.rrs[i].len <= 65535);
            if (a.rrs[i].len) { /* the whole run allocated: its ends read (ASan) */
                volatile unsigned char ends = a.rrs[i].data[0] ^ a.rrs[i].data[a.rrs[i].len - 1];
                (void)ends;
            }
            continue;
        }
        REQUIRE(s);
        if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA) {
            unsigned char bin[16];
            /* ldns may refuse to print a malformed address ("?"); any other text is one */
            if (strcmp(s, "?") != 0 && strchr(s, '\\') == NULL)
                REQUIRE(inet_pton(type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6, s, bin) == 1 ||
                        strchr(s, ' ') || strchr(s, '#'));
            REQUIRE(a.rrs[i].pref == 0);
        } else {
            check_name(s);
            if (type == LDNS_RR_TYPE_PTR && i > 0)
                REQUIRE(strcmp(a.rrs[i - 1].str, s) <= 0);
            if (type != LDNS_RR_TYPE_MX)
                REQUIRE(a.rrs[i].pref == 0);
            REQUIRE(a.rrs[i].pref <= 65535);
        }
    }
    answer_clear(&a);
    REQUIRE(a.n == 0 && a.rrs == NULL && a.target == NULL && a.error == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldns_pkt *pkt = NULL;
    if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
        return 0;
    char *names[2] = {NULL, NULL};
    if (ldns_pkt_qdcount(pkt) > 0 && ldns_rr_list_rr_count(ldns_pkt_question(pkt)) > 0)
        names[0] = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
    if (ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) > 0)
        names[1] = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0)));
    static const ldns_rr_type types[] = {LDNS_RR_TYPE_MX,  LDNS_RR_TYPE_A,   LDNS_RR_TYPE_AAAA,
                                         LDNS_RR_TYPE_PTR, LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_TLSA};
    int hops = size ? data[size - 1] % (ANSWER_MAX_CNAME + 2) : ANSWER_MAX_CNAME;
    for (int k = 0; k < 2; k++) {
        if (!names[k])
            continue;
        answer_name_canon(names[k]);
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
            check(pkt, names[k], types[t], ANSWER_MAX_CNAME);
            check(pkt, names[k], types[t], hops);
        }
    }
    /* A name that is not a domain name at all fails cleanly. */
    check(pkt, "bad..name", LDNS_RR_TYPE_MX, ANSWER_MAX_CNAME);
    free(names[0]);
    free(names[1]);
    ldns_pkt_free(pkt);
    return 0;
}

/* match: strict and lax name matching (RFC 6125 §6.4, RFC 9525 §6.3) on hand-written name
 * sets, and the presented identifiers of real certificates (tests/unit/data/). */
#include "test.h"
#include "match.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

/* One strict case: prints the names and both verdicts when it fails. */
static void expect(const char *presented, const char *reference, enum match_result want,
                   int line)
{
    enum match_result got = match_name(presented, reference);
    if (got != want) {
        const char *g = match_result_str(got), *w = match_result_str(want);
        fprintf(stderr, "  %s:%d: match_name(\"%s\", \"%s\") == %s, expected %s\n", __FILE__,
                line, presented ? presented : "(null)", reference ? reference : "(null)",
                g ? g : "null", w ? w : "null");
        test_failed_checks++;
    }
}
#define EXPECT(p, r, want) expect((p), (r), (want), __LINE__)

/* One lax case over a SAN list of one name. */
static void expect_lax(const char *presented, const char *reference, int want, int line)
{
    char *san[1] = {(char *)presented};
    struct match_presented p;
    match_presented_init(&p, NULL, san, 1);
    const char *by = "unset";
    int got = match_lax(&p, reference, &by);
    if (got != want || (got ? by != san[0] : by != NULL)) {
        fprintf(stderr, "  %s:%d: match_lax(\"%s\", \"%s\") == %d (matched_by %s), expected %d\n",
                __FILE__, line, presented, reference ? reference : "(null)", got,
                by ? by : "(null)", want);
        test_failed_checks++;
    }
}
#define EXPECT_LAX(p, r, want) expect_lax((p), (r), (want), __LINE__)

TEST(match_result_strings)
{
    CHECK_STR(match_result_str(MATCH_NULL), NULL);
    CHECK_STR(match_result_str(MATCH_NONE), "none");
    CHECK_STR(match_result_str(MATCH_MULTILABEL), "multilabel");
    CHECK_STR(match_result_str(MATCH_WILDCARD), "wildcard");
    CHECK_STR(match_result_str(MATCH_EXACT), "exact");
    CHECK(MATCH_EXACT > MATCH_WILDCARD && MATCH_WILDCARD > MATCH_MULTILABEL &&
          MATCH_MULTILABEL > MATCH_NONE && MATCH_NONE > MATCH_NULL);
}

TEST(match_reference_normalize)
{
    char out[MATCH_NAME_MAX + 1];
    CHECK_INT(match_reference_normalize("MX.Example.COM.", out), 0);
    CHECK_STR(out, "mx.example.com");
    CHECK_INT(match_reference_normalize("xn--bcher-kva.example", out), 0);
    CHECK_STR(out, "xn--bcher-kva.example");
    CHECK_INT(match_reference_normalize("B\xc3\xbc" "cher.Example.", out), 0); /* Bücher */
    CHECK_STR(out, "xn--bcher-kva.example");
    CHECK_INT(match_reference_normalize("localhost", out), 0);
    CHECK_STR(out, "localhost");
    CHECK_INT(match_reference_normalize("1.example.com", out), 0);
    CHECK_STR(out, "1.example.com");
    static const char *const bad[] = {
        "", ".", "..", "mx.example.com..", ".mx.example.com", "mx..example.com",
        "-mx.example.com", "mx-.example.com", "mx.example.com-", "_25._tcp.example.com",
        "mx example.com", " mx.example.com", "mx.example.com ", "mx.example.com\r\n",
        "*.example.com", "mx.example.com:25", "good.example\\x00evil.example",
        "[127.0.0.1]", "127.0.0.1", "127.0.0.1.", "127.1", "0x7f.0.0.1", "2130706433", "::1",
        "[IPv6:::1]", "\xff\xfe.example", "b\xc3\xbc" "cher..example", "<mx.example.com>",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        strcpy(out, "x");
        if (match_reference_normalize(bad[i], out) != -1 || out[0] != '\0') {
            fprintf(stderr, "  %s:%d: \"%s\" normalised to \"%s\", expected -1\n", __FILE__,
                    __LINE__, bad[i], out);
            test_failed_checks++;
        }
    }
    CHECK_INT(match_reference_normalize(NULL, out), -1);
}

TEST(match_host_lengths)
{
    char label63[64], label64[65], name[300];
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'a', 64);
    label64[64] = '\0';
    CHECK_INT(match_host_valid(label63, 63), 1);
    CHECK_INT(match_host_valid(label64, 64), 0);
    /* 253 octets: 3 labels of 63 + 1 label of 61, with 3 dots */
    snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label63, label63, label63, label63);
    CHECK_INT(strlen(name), 253);
    CHECK_INT(match_host_valid(name, strlen(name)), 1);
    EXPECT(name, name, MATCH_EXACT);
    char dotted[sizeof(name) + 1];
    snprintf(dotted, sizeof(dotted), "%s.", name);
    EXPECT(dotted, name, MATCH_EXACT);
    EXPECT(name, dotted, MATCH_EXACT);
    snprintf(name, sizeof(name), "%s.%s.%s.%.62s", label63, label63, label63, label63);
    CHECK_INT(strlen(name), 254);
    CHECK_INT(match_host_valid(name, strlen(name)), 0);
    EXPECT(name, name, MATCH_NONE);
    snprintf(name, sizeof(name), "%s.example", label64);
    EXPECT(name, name, MATCH_NONE);
    /* a wildcard whose REST is too long never matches */
    snprintf(name, sizeof(name), "*.%s.%s.%s.%.61s", label63, label63, label63, label63);
    char ref[300];
    snprintf(ref, sizeof(ref), "a.%s.%s.%s.%.61s", label63, label63, label63, label63);
    EXPECT(name, ref, MATCH_NONE);
    CHECK_INT(match_host_valid("", 0), 0);
    CHECK_INT(match_host_valid("a-b.c", 5), 1);
    CHECK_INT(match_host_valid("a.", 2), 0);
}

TEST(match_exact)
{
    EXPECT("mx.example.com", "mx.example.com", MATCH_EXACT);
    EXPECT("mx.example.com", "MX.Example.COM", MATCH_EXACT);
    EXPECT("MX.EXAMPLE.COM", "mx.example.com", MATCH_EXACT);
    EXPECT("mx.example.com.", "mx.example.com", MATCH_EXACT);
    EXPECT("mx.example.com", "mx.example.com.", MATCH_EXACT);
    EXPECT("Mx.Example.Com.", "mX.eXAMPLE.cOM.", MATCH_EXACT);
    EXPECT("mx.example.com..", "mx.example.com", MATCH_NONE);
    EXPECT("mx.example.com", "mx.example.com..", MATCH_NONE);
    EXPECT("localhost", "localhost", MATCH_EXACT);
    EXPECT("m-x.example.com", "m-x.example.com", MATCH_EXACT);
    EXPECT("123.example.com", "123.example.com", MATCH_EXACT);
    EXPECT("mx.example.com", "mx.example.co", MATCH_NONE);
    EXPECT("mx.example.co", "mx.example.com", MATCH_NONE);
    EXPECT("example.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx.example.com", "example.com", MATCH_NONE);
    EXPECT("xmx.example.com", "mx.example.com", MATCH_NONE);
    EXPECT("-mx.example.com", "-mx.example.com", MATCH_NONE);
    EXPECT("mx-.example.com", "mx-.example.com", MATCH_NONE);
    EXPECT("_mx.example.com", "_mx.example.com", MATCH_NONE);
    EXPECT("mx.example.com", NULL, MATCH_NULL);
    EXPECT(NULL, "mx.example.com", MATCH_NONE);
    EXPECT("", "", MATCH_NONE);
    EXPECT(".", ".", MATCH_NONE);
    EXPECT("", "mx.example.com", MATCH_NONE);
}

TEST(match_idn)
{
    /* A-labels compare as text, case-insensitively */
    EXPECT("xn--bcher-kva.example", "xn--bcher-kva.example", MATCH_EXACT);
    EXPECT("xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE.", MATCH_EXACT);
    EXPECT("XN--BCHER-KVA.example.", "xn--bcher-kva.example", MATCH_EXACT);
    EXPECT("xn--bcher-kva.example", "xn--bcher-kvb.example", MATCH_NONE);
    /* a U-label reference is converted with libidn2 first */
    EXPECT("xn--bcher-kva.example", "b\xc3\xbc" "cher.example", MATCH_EXACT);
    EXPECT("xn--bcher-kva.example", "B\xc3\x9c" "CHER.Example.", MATCH_EXACT); /* BÜCHER */
    EXPECT("mx.xn--bcher-kva.example", "mx.b\xc3\xbc" "cher.example", MATCH_EXACT);
    EXPECT("*.xn--bcher-kva.example", "mx.b\xc3\xbc" "cher.example", MATCH_WILDCARD);
    EXPECT("*.example", "b\xc3\xbc" "cher.example", MATCH_WILDCARD); /* '*' = xn--bcher-kva */
    EXPECT("*.example", "mx.b\xc3\xbc" "cher.example", MATCH_MULTILABEL);
    /* a reference libidn2 cannot convert can only be none */
    EXPECT("xn--bcher-kva.example", "b\xfc" "cher.example", MATCH_NONE);   /* Latin-1 */
    EXPECT("xn--bcher-kva.example", "b\xc3" ".example", MATCH_NONE);       /* cut UTF-8 */
    EXPECT("xn--bcher-kva.example", "\xed\xa0\x80.example", MATCH_NONE);   /* surrogate */
    /* a certificate name in UTF-8 (escaped by cert.c) is not an A-label and never matches */
    EXPECT("b\\xc3\\xbccher.example", "b\xc3\xbc" "cher.example", MATCH_NONE);
    EXPECT("b\\xc3\\xbccher.example", "b\\xc3\\xbccher.example", MATCH_NONE);
}

TEST(match_wildcard_single_label)
{
    EXPECT("*.example.com", "mx.example.com", MATCH_WILDCARD);
    EXPECT("*.example.com", "MX.EXAMPLE.COM.", MATCH_WILDCARD);
    EXPECT("*.EXAMPLE.COM.", "mx.example.com", MATCH_WILDCARD);
    EXPECT("*.example.com", "xn--bcher-kva.example.com", MATCH_WILDCARD);
    /* never the bare parent, never an empty first label */
    EXPECT("*.example.com", "example.com", MATCH_NONE);
    EXPECT("*.example.com", "example.com.", MATCH_NONE);
    EXPECT("*.example.com", ".example.com", MATCH_NONE);
    EXPECT("*.example.com", "com", MATCH_NONE);
    EXPECT("*.example.com", "mx.example.org", MATCH_NONE);
    EXPECT("*.example.com", "mx.notexample.com", MATCH_NONE);
    EXPECT("*.example.com", "mxexample.com", MATCH_NONE);
    /* public-suffix wildcards match strictly, by definition (classify flags them) */
    EXPECT("*.com", "example.com", MATCH_WILDCARD);
    EXPECT("*.com", "com", MATCH_NONE);
    EXPECT("*.co.uk", "example.co.uk", MATCH_WILDCARD);
    EXPECT("*.co.uk", "mx.example.co.uk", MATCH_MULTILABEL);
    EXPECT("*.localhost", "a.localhost", MATCH_WILDCARD);
    /* a reference with a '*' is not a host name */
    EXPECT("*.example.com", "*.example.com", MATCH_NONE);
    EXPECT("mx.example.com", "*.example.com", MATCH_NONE);
}

TEST(match_multilabel)
{
    const char *host = "customer.example.s6a1.psmtp.example";
    EXPECT("*.psmtp.example", host, MATCH_MULTILABEL);
    EXPECT("*.s6a1.psmtp.example", host, MATCH_MULTILABEL);
    EXPECT("*.example.s6a1.psmtp.example", host, MATCH_WILDCARD);
    EXPECT("customer.example.s6a1.psmtp.example", host, MATCH_EXACT);
    EXPECT("*.psmtp.example", "CUSTOMER.example.S6A1.psmtp.example.", MATCH_MULTILABEL);
    EXPECT("*.example.com", "a.b.example.com", MATCH_MULTILABEL);
    EXPECT("*.example.com", "a.b.c.d.example.com", MATCH_MULTILABEL);
    EXPECT("*.psmtp.example", "psmtp.example", MATCH_NONE);
    EXPECT("*.psmtp.example", "customer.example.s6a1.psmtp.example.org", MATCH_NONE);
    EXPECT("*.psmtp.example", "customer.example.s6a1xpsmtp.example", MATCH_NONE);
    /* only a well-formed "*.REST" can be multilabel */
    EXPECT("f*.psmtp.example", "foo.bar.psmtp.example", MATCH_NONE);
    EXPECT("*.*.psmtp.example", "a.b.c.psmtp.example", MATCH_NONE);
    EXPECT("*", "a.b.example", MATCH_NONE);
}

TEST(match_bad_wildcards_never_match)
{
    EXPECT("f*.example.com", "foo.example.com", MATCH_NONE);
    EXPECT("f*.example.com", "f.example.com", MATCH_NONE);
    EXPECT("*x.example.com", "ax.example.com", MATCH_NONE);
    EXPECT("f*o.example.com", "foo.example.com", MATCH_NONE);
    EXPECT("xn--*.example.com", "xn--bcher-kva.example.com", MATCH_NONE);
    EXPECT("mx.*.example.com", "mx.a.example.com", MATCH_NONE);
    EXPECT("mx.example.*", "mx.example.com", MATCH_NONE);
    EXPECT("*.*.example.com", "a.b.example.com", MATCH_NONE);
    EXPECT("*.*.example.com", "a.example.com", MATCH_NONE);
    EXPECT("**.example.com", "a.example.com", MATCH_NONE);
    EXPECT("*", "com", MATCH_NONE);
    EXPECT("*", "a.com", MATCH_NONE);
    EXPECT("*.", "a.com", MATCH_NONE);
    EXPECT("*.", "com", MATCH_NONE);
    EXPECT("*..example.com", "a..example.com", MATCH_NONE);
    EXPECT(".*.example.com", "a.example.com", MATCH_NONE);
    EXPECT("*.ex_ample.com", "a.ex_ample.com", MATCH_NONE);
}

TEST(match_hostile_names)
{
    /* "good.example\0evil.example" as cert.c escapes it */
    const char *nul = "good.example\\x00evil.example";
    EXPECT(nul, "good.example", MATCH_NONE);
    EXPECT(nul, "evil.example", MATCH_NONE);
    EXPECT(nul, nul, MATCH_NONE);
    EXPECT("*.good.example\\x00evil.example", "a.good.example", MATCH_NONE);
    EXPECT("*.example\\x00", "a.example", MATCH_NONE);
    EXPECT("mx.example.com\\x00", "mx.example.com", MATCH_NONE);
    EXPECT("\\x00mx.example.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx\\x2eexample.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx\\\\.example.com", "mx\\\\.example.com", MATCH_NONE);
    /* spaces (kept in CNs), controls and other non-LDH characters */
    EXPECT("mx.example.com ", "mx.example.com", MATCH_NONE);
    EXPECT(" mx.example.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx example.com", "mx example.com", MATCH_NONE);
    EXPECT("mx.example.com\\x20", "mx.example.com", MATCH_NONE);
    EXPECT("mx.example.com/", "mx.example.com/", MATCH_NONE);
    EXPECT("mx@example.com", "mx@example.com", MATCH_NONE);
    EXPECT("user@mx.example.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx.example.com:25", "mx.example.com", MATCH_NONE);
    EXPECT("Example CA Root", "example", MATCH_NONE);
    EXPECT("mx.example.com", "mx.example.com\r\n", MATCH_NONE);
    EXPECT("mx.example.com", "mx.example.com\t", MATCH_NONE);
    /* greeting garbage as a reference */
    EXPECT("mx.example.com", "<mx.example.com>", MATCH_NONE);
    EXPECT("mx.example.com", "\xff\xfe", MATCH_NONE);
    EXPECT("mx.example.com", "", MATCH_NONE);
}

TEST(match_ip_reference)
{
    EXPECT("127.0.0.1", "127.0.0.1", MATCH_NONE);
    EXPECT("127.0.0.1", "[127.0.0.1]", MATCH_NONE);
    EXPECT("[127.0.0.1]", "[127.0.0.1]", MATCH_NONE);
    EXPECT("*.0.0.1", "127.0.0.1", MATCH_NONE);
    EXPECT("*.1", "127.1", MATCH_NONE);
    EXPECT("127.1", "127.1", MATCH_NONE);
    EXPECT("2130706433", "2130706433", MATCH_NONE);
    EXPECT("::1", "::1", MATCH_NONE);
    EXPECT("[IPv6:::1]", "[IPv6:::1]", MATCH_NONE);
    EXPECT("192.0.2.1", "192.0.2.1.", MATCH_NONE);
    /* a numeric label inside a name is fine */
    EXPECT("*.0.example.com", "127.0.example.com", MATCH_WILDCARD);
}

static char *san_list[8];

static void set_san(const char *a, const char *b, const char *c)
{
    san_list[0] = (char *)a;
    san_list[1] = (char *)b;
    san_list[2] = (char *)c;
}

TEST(match_presented_identifiers)
{
    struct match_presented p;
    const char *by = "unset";

    /* no SAN, no CN: nothing presented */
    match_presented_init(&p, NULL, NULL, 0);
    CHECK_INT(p.n, 0);
    CHECK_STR(p.names_from, "san");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_STR(match_presented_name(&p, 0), NULL);
    CHECK_INT(match_reference(&p, "mx.example.com", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    by = "unset";
    CHECK_INT(match_reference(&p, NULL, &by), MATCH_NULL);
    CHECK_STR(by, NULL);

    /* CN only: the CN is the presented name */
    match_presented_init(&p, "MX.Example.com", NULL, 0);
    CHECK_INT(p.n, 1);
    CHECK_STR(p.names_from, "cn");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_STR(match_presented_name(&p, 0), "MX.Example.com");
    CHECK_INT(match_reference(&p, "mx.example.com.", &by), MATCH_EXACT);
    CHECK_STR(by, "MX.Example.com");
    match_presented_init(&p, "*.example.com", NULL, 0);
    CHECK_INT(match_reference(&p, "mx.example.com", &by), MATCH_WILDCARD);
    CHECK_STR(by, "*.example.com");
    match_presented_init(&p, "Example Mail Server", NULL, 0);
    CHECK_STR(p.names_from, "cn");
    CHECK_INT(match_reference(&p, "example", &by), MATCH_NONE);
    CHECK_STR(by, NULL);

    /* CN beside SAN dNSNames: never matched, even when it is the reference */
    set_san("other.example.com", NULL, NULL);
    match_presented_init(&p, "mx.example.com", san_list, 1);
    CHECK_INT(p.n, 1);
    CHECK_STR(p.names_from, "san");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_INT(match_reference(&p, "mx.example.com", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(&p, "other.example.com", &by), MATCH_EXACT);
    CHECK_STR(by, "other.example.com");

    /* cn_in_san: case-insensitive, a trailing dot ignored on either side */
    set_san("a.example", "mx.example.com.", NULL);
    match_presented_init(&p, "MX.example.COM", san_list, 2);
    CHECK_INT(p.cn_in_san, 1);
    match_presented_init(&p, "MX.example.COM.", san_list, 2);
    CHECK_INT(p.cn_in_san, 1);
    match_presented_init(&p, NULL, san_list, 2);
    CHECK_INT(p.cn_in_san, 0);
    match_presented_init(&p, "example.com", san_list, 2);
    CHECK_INT(p.cn_in_san, 0);
    match_presented_init(&p, "mx.example.com..", san_list, 2);
    CHECK_INT(p.cn_in_san, 0);
}

/* cn_in_san compares the certificate's octets: cert.c keeps a CN's spaces but writes a
 * dNSName's as "\x20", so the same octets in both must still count as the same name. */
TEST(match_cn_in_san_escaped_octets)
{
    const unsigned char raw[] = "mx example";
    char *cn = cert_escape_name(raw, 10, 1), *san0 = cert_escape_name(raw, 10, 0);
    char *san[1] = {san0};
    struct match_presented p;
    match_presented_init(&p, cn, san, 1);
    CHECK_INT(p.cn_in_san, 1);
    /* not a looser comparison: different octets stay different */
    char *other = cert_escape_name((const unsigned char *)"mx\\x20example", 13, 1);
    match_presented_init(&p, other, san, 1);
    CHECK_INT(p.cn_in_san, 0);
    char *tab = cert_escape_name((const unsigned char *)"mx\texample", 10, 0);
    san[0] = tab;
    match_presented_init(&p, cn, san, 1);
    CHECK_INT(p.cn_in_san, 0);
    free(cn);
    free(san0);
    free(other);
    free(tab);
}

TEST(match_best_over_list)
{
    struct match_presented p;
    const char *by = NULL;
    const char *host = "customer.example.s6a1.psmtp.example";

    /* exact beats wildcard beats multilabel, in any order */
    set_san("*.psmtp.example", "*.example.s6a1.psmtp.example", host);
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(&p, host, &by), MATCH_EXACT);
    CHECK(by == san_list[2]);
    set_san(host, "*.example.s6a1.psmtp.example", "*.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(&p, host, &by), MATCH_EXACT);
    CHECK(by == san_list[0]);
    set_san("*.psmtp.example", "other.example", "*.example.s6a1.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(&p, host, &by), MATCH_WILDCARD);
    CHECK_STR(by, "*.example.s6a1.psmtp.example");
    set_san("other.example", "*.psmtp.example", "f*.example.s6a1.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(&p, host, &by), MATCH_MULTILABEL);
    CHECK_STR(by, "*.psmtp.example");
    CHECK_INT(match_reference(&p, "psmtp.example", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(&p, NULL, &by), MATCH_NULL);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(&p, host, NULL), MATCH_MULTILABEL);

    /* among equals, the first */
    set_san("*.example.com", "*.EXAMPLE.com", "mx.example.org");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(&p, "mx.example.com", &by), MATCH_WILDCARD);
    CHECK(by == san_list[0]);

    /* the NUL name beside a plain one: only the plain one ever matches */
    set_san("good.example\\x00evil.example", "plain.example", NULL);
    match_presented_init(&p, NULL, san_list, 2);
    CHECK_INT(match_reference(&p, "good.example", &by), MATCH_NONE);
    CHECK_INT(match_reference(&p, "evil.example", &by), MATCH_NONE);
    CHECK_INT(match_reference(&p, "plain.example", &by), MATCH_EXACT);
    CHECK_STR(by, "plain.example");
}

TEST(match_lax)
{
    EXPECT_LAX("mx.example.com", "MX.example.com.", 1);
    EXPECT_LAX("*.example.com", "mx.example.com", 1);
    EXPECT_LAX("*.psmtp.example", "customer.example.s6a1.psmtp.example", 1);
    EXPECT_LAX("f*.example.com", "foo.example.com", 1);
    EXPECT_LAX("f*.example.com", "f.example.com", 1);
    EXPECT_LAX("F*.EXAMPLE.COM.", "foo.example.com", 1);
    EXPECT_LAX("*x.example.com", "ax.example.com", 1);
    EXPECT_LAX("f*o.example.com", "foo.example.com", 1);
    EXPECT_LAX("mx.*.example.com", "mx.a.example.com", 1);
    EXPECT_LAX("*.*.example.com", "a.b.example.com", 1);
    EXPECT_LAX("f*.example.com", "bar.example.com", 0);
    EXPECT_LAX("*.example.com", "example.com", 0);
    EXPECT_LAX("*.example.com", "mx.example.org", 0);
    EXPECT_LAX("*", "a.com", 0);
    EXPECT_LAX("*", "com", 0);
    EXPECT_LAX("*.", "a.com", 0);
    EXPECT_LAX("example.*", "example.com", 0);
    EXPECT_LAX("*..example.com", "a.b.example.com", 0);
    EXPECT_LAX("good.example\\x00*.example", "good.example.evil.example", 0);
    EXPECT_LAX("*.example.com", "*.example.com", 0);
    EXPECT_LAX("*.0.0.1", "127.0.0.1", 0);
    EXPECT_LAX("mx.example.com", NULL, 0);

    /* the CN stays ignored beside SAN dNSNames */
    struct match_presented p;
    const char *by = "unset";
    set_san("b.example.com", NULL, NULL);
    match_presented_init(&p, "a.example.com", san_list, 1);
    CHECK_INT(match_lax(&p, "a.example.com", &by), 0);
    CHECK_STR(by, NULL);
    match_presented_init(&p, "a*.example.com", NULL, 0);
    CHECK_INT(match_lax(&p, "abc.example.com", &by), 1);
    CHECK_STR(by, "a*.example.com");
    CHECK_INT(match_lax(&p, "abc.example.com", NULL), 1);
}

/* Reads the first certificate of a PEM file into a cert_info; NULL when unreadable. */
static struct cert_info *load_info(const char *path)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    struct cert_info *ci = NULL;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0)
        ci = cert_info_from_der(crt.raw.p, crt.raw.len);
    else
        fprintf(stderr, "  cannot load %s\n", path);
    mbedtls_x509_crt_free(&crt);
    return ci;
}

TEST(match_presented_from_certificates)
{
    struct match_presented p;
    const char *by = NULL;

    struct cert_info *ci = load_info("tests/unit/data/nul-san.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 2);
        CHECK_STR(p.names_from, "san");
        CHECK_INT(p.cn_in_san, 0); /* CN second.example */
        CHECK_STR(match_presented_name(&p, 0), "good.example\\x00evil.example");
        CHECK_INT(match_reference(&p, "good.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(&p, "evil.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(&p, "second.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(&p, "plain.example", &by), MATCH_EXACT);
        CHECK_STR(by, "plain.example");
        cert_info_free(ci);
    }
    ci = load_info("tests/unit/data/cn-only.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 1);
        CHECK_STR(p.names_from, "cn");
        CHECK_INT(match_reference(&p, "CNONLY.example.", &by), MATCH_EXACT);
        CHECK_STR(by, "cnonly.example");
        cert_info_free(ci);
    }
    ci = load_info("tests/unit/data/selfsigned-rsa2048.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 2);
        CHECK_STR(p.names_from, "san");
        CHECK_INT(p.cn_in_san, 1);
        CHECK_INT(match_reference(&p, "self.example", &by), MATCH_EXACT);
        CHECK_INT(match_reference(&p, "mx.self.example", &by), MATCH_WILDCARD);
        CHECK_INT(match_reference(&p, "127.0.0.1", &by), MATCH_NONE); /* an iPAddress SAN */
        cert_info_free(ci);
    }
    /* an unparsable certificate presents nothing */
    static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    ci = cert_info_from_der(junk, sizeof(junk));
    CHECK(ci && ci->error);
    match_presented_from_cert(&p, ci);
    CHECK_INT(p.n, 0);
    CHECK_STR(p.names_from, "san");
    cert_info_free(ci);
    match_presented_from_cert(&p, NULL);
    CHECK_INT(p.n, 0);
}

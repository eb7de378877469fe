/* match: strict and lax name matching (RFC 6125 §6.4, RFC 9525 §6.3) on hand-written name
 * sets, and the presented identifiers of real certificates (tests/unit/data/). */
#include "classify/classify.h"
#include "classify/match.h"
#include "test.h"
#include "testfs.h"
#include "core/text.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

/* One strict case: prints the names and both verdicts when it fails. Each test loads the PSL
 * the scan uses (classify_psl_load) into a local `psl`. */
static void expect(const psl_ctx_t *psl, const char *presented, const char *reference,
                   enum match_result want, int line)
{
    enum match_result got = match_name(psl, presented, reference);
    if (got != want) {
        const char *g = match_result_str(got), *w = match_result_str(want);
        fprintf(stderr, "  %s:%d: match_name(\"%s\", \"%s\") == %s, expected %s\n", __FILE__,
                line, presented ? presented : "(null)", reference ? reference : "(null)",
                g ? g : "null", w ? w : "null");
        test_failed_checks++;
    }
}
#define EXPECT(p, r, want) expect(psl, (p), (r), (want), __LINE__)

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
    /* Only what inet_pton reads is an IP address; inet_aton's other forms are names. */
    CHECK_INT(match_reference_normalize("0xC0A80101", out), 0);
    CHECK_STR(out, "0xc0a80101");
    CHECK_INT(match_reference_normalize("127.1", out), 0);
    CHECK_STR(out, "127.1");
    CHECK_INT(match_reference_normalize("2130706433", out), 0);
    CHECK_STR(out, "2130706433");
    CHECK_INT(match_reference_normalize("0x7f.0.0.1", out), 0);
    CHECK_STR(out, "0x7f.0.0.1");
    CHECK_INT(match_reference_normalize("010.0.0.1", out), 0); /* a leading zero: no address */
    CHECK_STR(out, "010.0.0.1");
    static const char *const bad[] = {
        "", ".", "..", "mx.example.com..", ".mx.example.com", "mx..example.com",
        "-mx.example.com", "mx-.example.com", "mx.example.com-", "_25._tcp.example.com",
        "mx example.com", " mx.example.com", "mx.example.com ", "mx.example.com\r\n",
        "*.example.com", "mx.example.com:25", "good.example\\x00evil.example",
        "[127.0.0.1]", "127.0.0.1", "127.0.0.1.", "192.168.1.1", "255.255.255.255", "::1",
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
    psl_ctx_t *psl = classify_psl_load();
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
    psl_free(psl);
}

TEST(match_exact)
{
    psl_ctx_t *psl = classify_psl_load();
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
    psl_free(psl);
}

TEST(match_idn)
{
    psl_ctx_t *psl = classify_psl_load();
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
    EXPECT("*.idn.example", "b\xc3\xbc" "cher.idn.example", MATCH_WILDCARD); /* '*' = xn--bcher-kva */
    EXPECT("*.idn.example", "mx.b\xc3\xbc" "cher.idn.example", MATCH_MULTILABEL);
    /* a reference libidn2 cannot convert can only be none */
    EXPECT("xn--bcher-kva.example", "b\xfc" "cher.example", MATCH_NONE);   /* Latin-1 */
    EXPECT("xn--bcher-kva.example", "b\xc3" ".example", MATCH_NONE);       /* cut UTF-8 */
    EXPECT("xn--bcher-kva.example", "\xed\xa0\x80.example", MATCH_NONE);   /* surrogate */
    /* a certificate name in UTF-8 (a U-label, kept as text by cert.c) is not an A-label and
     * never matches, whether the reference is the U-label or the A-label */
    EXPECT("b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example", MATCH_NONE);
    EXPECT("b\xc3\xbc" "cher.example", "xn--bcher-kva.example", MATCH_NONE);
    EXPECT("*.b\xc3\xbc" "cher.example", "mx.xn--bcher-kva.example", MATCH_NONE);
    psl_free(psl);
}

TEST(match_wildcard_single_label)
{
    psl_ctx_t *psl = classify_psl_load();
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
    /* a wildcard directly over a public suffix never matches, not even as multilabel */
    EXPECT("*.com", "a.com", MATCH_NONE);
    EXPECT("*.COM.", "A.com", MATCH_NONE);
    EXPECT("*.com", "example.com", MATCH_NONE);
    EXPECT("*.com", "a.b.com", MATCH_NONE);
    EXPECT("*.com", "com", MATCH_NONE);
    EXPECT("*.co.uk", "a.co.uk", MATCH_NONE);
    EXPECT("*.co.uk", "mx.example.co.uk", MATCH_NONE);
    EXPECT("*.uk", "co.uk", MATCH_NONE);
    EXPECT("*.github.io", "a.github.io", MATCH_NONE);    /* the PSL's private section */
    EXPECT("*.s3.amazonaws.com", "bucket.s3.amazonaws.com", MATCH_NONE);
    EXPECT("*.example", "a.example", MATCH_NONE);        /* the default "*" rule */
    EXPECT("*.localhost", "a.localhost", MATCH_NONE);
    EXPECT("*.xn--p1ai", "xn--d1acufc.xn--p1ai", MATCH_NONE);
    /* one label further down they are ordinary wildcards */
    EXPECT("*.example.co.uk", "mx.example.co.uk", MATCH_WILDCARD);
    EXPECT("*.example.co.uk", "a.mx.example.co.uk", MATCH_MULTILABEL);
    EXPECT("*.user.github.io", "a.user.github.io", MATCH_WILDCARD);
    EXPECT("*.x.example", "a.x.example", MATCH_WILDCARD);
    /* a presented name that IS a public suffix matches exactly (no wildcard involved) */
    EXPECT("com", "com", MATCH_EXACT);
    EXPECT("github.io", "github.io", MATCH_EXACT);
    /* a reference with a '*' is not a host name */
    EXPECT("*.example.com", "*.example.com", MATCH_NONE);
    EXPECT("mx.example.com", "*.example.com", MATCH_NONE);
    psl_free(psl);
}

TEST(match_multilabel)
{
    psl_ctx_t *psl = classify_psl_load();
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
    psl_free(psl);
}

TEST(match_bad_wildcards_never_match)
{
    psl_ctx_t *psl = classify_psl_load();
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
    psl_free(psl);
}

TEST(match_hostile_names)
{
    psl_ctx_t *psl = classify_psl_load();
    /* "good.example\0evil.example" as cert.c writes it */
    const char *nul = "good.example\\x00evil.example";
    EXPECT(nul, "good.example", MATCH_NONE);
    EXPECT(nul, "evil.example", MATCH_NONE);
    EXPECT(nul, nul, MATCH_NONE);
    EXPECT("*.good.example\\x00evil.example", "a.good.example", MATCH_NONE);
    EXPECT("*.example\\x00", "a.example", MATCH_NONE);
    EXPECT("mx.example.com\\x00", "mx.example.com", MATCH_NONE);
    EXPECT("\\x00mx.example.com", "mx.example.com", MATCH_NONE);
    /* a certificate holding the literal text "mx\x2eexample.com" (cert.c writes its '\'
     * as \x5c): its octets are no host name */
    EXPECT("mx\\x5cx2eexample.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx\\x5cx2eexample.com", "mx\\x2eexample.com", MATCH_NONE);
    /* matching reads the decoded octets: "\x2e" is a '.', whoever wrote it (cert.c never
     * writes a '.' that way, so no certificate name reaches here like this) */
    EXPECT("mx\\x2eexample.com", "mx.example.com", MATCH_EXACT);
    EXPECT("mx\\\\.example.com", "mx\\\\.example.com", MATCH_NONE);
    EXPECT("back\\slash.example", "back\\slash.example", MATCH_NONE);
    /* spaces (a space stays a space), controls and other non-LDH characters */
    EXPECT("mx.example.com ", "mx.example.com", MATCH_NONE);
    EXPECT(" mx.example.com", "mx.example.com", MATCH_NONE);
    EXPECT("mx example.com", "mx example.com", MATCH_NONE);
    EXPECT("mx.example.com\\x20", "mx.example.com", MATCH_NONE);
    EXPECT("a b.example", "a b.example", MATCH_NONE);
    EXPECT("esc\x1b[31m.example", "esc\x1b[31m.example", MATCH_NONE);
    EXPECT("csi\xc2\x9b.example", "csi\xc2\x9b.example", MATCH_NONE);
    EXPECT("bad\\xff\\xc0\\xaf.example", "bad\xff\xc0\xaf.example", MATCH_NONE);
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
    psl_free(psl);
}

TEST(match_ip_reference)
{
    psl_ctx_t *psl = classify_psl_load();
    EXPECT("127.0.0.1", "127.0.0.1", MATCH_NONE);
    EXPECT("127.0.0.1", "[127.0.0.1]", MATCH_NONE);
    EXPECT("[127.0.0.1]", "[127.0.0.1]", MATCH_NONE);
    EXPECT("*.0.0.1", "127.0.0.1", MATCH_NONE);
    EXPECT("192.168.1.1", "192.168.1.1", MATCH_NONE); /* an IP reference never matches */
    EXPECT("*.168.1.1", "192.168.1.1", MATCH_NONE);
    EXPECT("::1", "::1", MATCH_NONE);
    /* inet_aton's forms are names (inet_pton does not read them): ordinary exact matches */
    EXPECT("0xC0A80101", "0xC0A80101", MATCH_EXACT);
    EXPECT("0xc0a80101", "0xC0A80101.", MATCH_EXACT);
    EXPECT("0xC0A80101", "192.168.1.1", MATCH_NONE);
    EXPECT("127.1", "127.1", MATCH_EXACT);
    EXPECT("2130706433", "2130706433", MATCH_EXACT);
    EXPECT("*.1", "127.1", MATCH_NONE); /* "1" is a public suffix by the default rule */
    EXPECT("*.0x7f.example", "1.0x7f.example", MATCH_WILDCARD);
    EXPECT("[IPv6:::1]", "[IPv6:::1]", MATCH_NONE);
    EXPECT("192.0.2.1", "192.0.2.1.", MATCH_NONE);
    /* a numeric label inside a name is fine */
    EXPECT("*.0.example.com", "127.0.example.com", MATCH_WILDCARD);
    psl_free(psl);
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
    psl_ctx_t *psl = classify_psl_load();
    struct match_presented p;
    const char *by = "unset";

    /* no SAN, no CN: nothing presented */
    match_presented_init(&p, NULL, NULL, 0);
    CHECK_INT(p.n, 0);
    CHECK_STR(p.names_from, "san");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_STR(match_presented_name(&p, 0), NULL);
    CHECK_INT(match_reference(psl, &p, "mx.example.com", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    by = "unset";
    CHECK_INT(match_reference(psl, &p, NULL, &by), MATCH_NULL);
    CHECK_STR(by, NULL);

    /* CN only: the CN is the presented name */
    match_presented_init(&p, "MX.Example.com", NULL, 0);
    CHECK_INT(p.n, 1);
    CHECK_STR(p.names_from, "cn");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_STR(match_presented_name(&p, 0), "MX.Example.com");
    CHECK_INT(match_reference(psl, &p, "mx.example.com.", &by), MATCH_EXACT);
    CHECK_STR(by, "MX.Example.com");
    match_presented_init(&p, "*.example.com", NULL, 0);
    CHECK_INT(match_reference(psl, &p, "mx.example.com", &by), MATCH_WILDCARD);
    CHECK_STR(by, "*.example.com");
    match_presented_init(&p, "Example Mail Server", NULL, 0);
    CHECK_STR(p.names_from, "cn");
    CHECK_INT(match_reference(psl, &p, "example", &by), MATCH_NONE);
    CHECK_STR(by, NULL);

    /* CN beside SAN dNSNames: never matched, even when it is the reference */
    set_san("other.example.com", NULL, NULL);
    match_presented_init(&p, "mx.example.com", san_list, 1);
    CHECK_INT(p.n, 1);
    CHECK_STR(p.names_from, "san");
    CHECK_INT(p.cn_in_san, 0);
    CHECK_INT(match_reference(psl, &p, "mx.example.com", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(psl, &p, "other.example.com", &by), MATCH_EXACT);
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
    psl_free(psl);
}

/* cn_in_san compares the certificate's octets, the text notation decoded: the same octets in
 * both are the same name however each is spelt, and different octets stay different. */
TEST(match_cn_in_san_escaped_octets)
{
    char *cn = text_escape("mx example", 10), *san0 = text_escape("MX EXAMPLE.", 11);
    char *san[1] = {san0};
    struct match_presented p;
    match_presented_init(&p, cn, san, 1);
    CHECK_INT(p.cn_in_san, 1);
    /* a literal "\x20" is not a space */
    char *other = text_escape("mx\\x20example", 13);
    CHECK_STR(other, "mx\\x5cx20example");
    match_presented_init(&p, other, san, 1);
    CHECK_INT(p.cn_in_san, 0);
    char *tab = text_escape("mx\texample", 10);
    san[0] = tab;
    match_presented_init(&p, cn, san, 1);
    CHECK_INT(p.cn_in_san, 0);
    /* "\X41" and "\x41" are the same octets but for case: written "\X41" and "\x5cx41" */
    char *upper = text_escape("X\\X41.EXAMPLE", 13), *lower_ = text_escape("x\\x41.example", 13);
    CHECK_STR(lower_, "x\\x5cx41.example");
    san[0] = lower_;
    match_presented_init(&p, upper, san, 1);
    CHECK_INT(p.cn_in_san, 1);
    /* a NUL and an invalid octet compare as octets too */
    char *n1 = text_escape("a\0b\xff", 4), *n2 = text_escape("A\0B\xff.", 5), *n3 = text_escape("a\0b\xfe", 4);
    san[0] = n2;
    match_presented_init(&p, n1, san, 1);
    CHECK_INT(p.cn_in_san, 1);
    san[0] = n3;
    match_presented_init(&p, n1, san, 1);
    CHECK_INT(p.cn_in_san, 0);
    free(cn);
    free(san0);
    free(other);
    free(tab);
    free(upper);
    free(lower_);
    free(n1);
    free(n2);
    free(n3);
}

TEST(match_best_over_list)
{
    psl_ctx_t *psl = classify_psl_load();
    struct match_presented p;
    const char *by = NULL;
    const char *host = "customer.example.s6a1.psmtp.example";

    /* exact beats wildcard beats multilabel, in any order */
    set_san("*.psmtp.example", "*.example.s6a1.psmtp.example", host);
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(psl, &p, host, &by), MATCH_EXACT);
    CHECK(by == san_list[2]);
    set_san(host, "*.example.s6a1.psmtp.example", "*.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(psl, &p, host, &by), MATCH_EXACT);
    CHECK(by == san_list[0]);
    set_san("*.psmtp.example", "other.example", "*.example.s6a1.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(psl, &p, host, &by), MATCH_WILDCARD);
    CHECK_STR(by, "*.example.s6a1.psmtp.example");
    set_san("other.example", "*.psmtp.example", "f*.example.s6a1.psmtp.example");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(psl, &p, host, &by), MATCH_MULTILABEL);
    CHECK_STR(by, "*.psmtp.example");
    CHECK_INT(match_reference(psl, &p, "psmtp.example", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(psl, &p, NULL, &by), MATCH_NULL);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(psl, &p, host, NULL), MATCH_MULTILABEL);

    /* among equals, the first */
    set_san("*.example.com", "*.EXAMPLE.com", "mx.example.org");
    match_presented_init(&p, NULL, san_list, 3);
    CHECK_INT(match_reference(psl, &p, "mx.example.com", &by), MATCH_WILDCARD);
    CHECK(by == san_list[0]);

    /* the NUL name beside a plain one: only the plain one ever matches */
    set_san("good.example\\x00evil.example", "plain.example", NULL);
    match_presented_init(&p, NULL, san_list, 2);
    CHECK_INT(match_reference(psl, &p, "good.example", &by), MATCH_NONE);
    CHECK_INT(match_reference(psl, &p, "evil.example", &by), MATCH_NONE);
    CHECK_INT(match_reference(psl, &p, "plain.example", &by), MATCH_EXACT);
    CHECK_STR(by, "plain.example");
    psl_free(psl);
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
    /* no PSL: a lax matcher takes a wildcard over a public suffix, as a glob */
    EXPECT_LAX("*.com", "a.com", 1);
    EXPECT_LAX("*.com", "a.b.com", 1);
    EXPECT_LAX("*.co.uk", "a.co.uk", 1);
    EXPECT_LAX("*.github.io", "a.github.io", 1);
    EXPECT_LAX("0xC0A80101", "0xc0a80101", 1);
    EXPECT_LAX("a b.example", "a b.example", 0);
    EXPECT_LAX("a\\x2a.example", "ab.example", 1); /* decoded, "\x2a" is a '*' */
    EXPECT_LAX("a\\x5cx2a.example", "ab.example", 0);
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

TEST(match_presented_from_certificates)
{
    psl_ctx_t *psl = classify_psl_load();
    struct match_presented p;
    const char *by = NULL;

    struct cert_info *ci = tfs_load_cert("tests/unit/data/nul-san.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 2);
        CHECK_STR(p.names_from, "san");
        CHECK_INT(p.cn_in_san, 0); /* CN second.example */
        CHECK_STR(match_presented_name(&p, 0), "good.example\\x00evil.example");
        CHECK_INT(match_reference(psl, &p, "good.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(psl, &p, "evil.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(psl, &p, "second.example", &by), MATCH_NONE);
        CHECK_INT(match_reference(psl, &p, "plain.example", &by), MATCH_EXACT);
        CHECK_STR(by, "plain.example");
        cert_info_free(ci);
    }
    /* Every name hostile to some output: only the plain one ever matches; the CN equals the
     * literal-\x41 dNSName in octets (case aside), and cn_in_san sees it. */
    ci = tfs_load_cert("tests/unit/data/hostile-names.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 9);
        CHECK_INT(p.cn_in_san, 1);
        CHECK_INT(match_reference(psl, &p, "ok.example", &by), MATCH_EXACT);
        CHECK_STR(by, "ok.example");
        static const char *const refs[] = {
            "a b.example", "a", "b.example", "back\\slash.example", "slash.example",
            "x\\x41.example", "xA.example", "x.example", "nul", "nul.example", ".example",
            "esc\x1b[31m.example", "esc", "csi\xc2\x9b.example", "csi.example",
            "bad\xff\xc0\xaf.example", "bad.example", "b\xc3\xbc" "cher.example",
            "xn--bcher-kva.example", "X\\X41.EXAMPLE",
        };
        for (size_t i = 0; i < ARRAY_LEN(refs); i++) {
            enum match_result m = match_reference(psl, &p, refs[i], &by);
            if (m != MATCH_NONE || by != NULL) {
                fprintf(stderr, "  %s:%d: hostile-names.pem vs \"%s\": %s\n", __FILE__,
                        __LINE__, refs[i], match_result_str(m));
                test_failed_checks++;
            }
            CHECK_INT(match_lax(&p, refs[i], NULL), 0);
        }
        cert_info_free(ci);
    }
    ci = tfs_load_cert("tests/unit/data/cn-only.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 1);
        CHECK_STR(p.names_from, "cn");
        CHECK_INT(match_reference(psl, &p, "CNONLY.example.", &by), MATCH_EXACT);
        CHECK_STR(by, "cnonly.example");
        cert_info_free(ci);
    }
    ci = tfs_load_cert("tests/unit/data/selfsigned-rsa2048.pem");
    CHECK(ci != NULL);
    if (ci) {
        match_presented_from_cert(&p, ci);
        CHECK_INT(p.n, 2);
        CHECK_STR(p.names_from, "san");
        CHECK_INT(p.cn_in_san, 1);
        CHECK_INT(match_reference(psl, &p, "self.example", &by), MATCH_EXACT);
        CHECK_INT(match_reference(psl, &p, "mx.self.example", &by), MATCH_WILDCARD);
        CHECK_INT(match_reference(psl, &p, "127.0.0.1", &by), MATCH_NONE); /* an iPAddress SAN */
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
    psl_free(psl);
}

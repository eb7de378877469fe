/* classify: wildcard classes, providers, cert_provider_match, TLSRPT result types, endpoint and
 * domain patterns, on hand-written names and endpoint sets. */
#include "test.h"
#include "classify/classify.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

static void expect_class(const psl_ctx_t *psl, const char *name, const char *want, int line)
{
    const char *got = wildcard_class_str(classify_wildcard_name(psl, name));
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  %s:%d: wildcard class of \"%s\" == %s, expected %s\n", __FILE__, line,
                name ? name : "(null)", got, want);
        test_failed_checks++;
    }
}
#define EXPECT_CLASS(name, want) expect_class(psl, (name), (want), __LINE__)

static void expect_provider(const psl_ctx_t *psl, const char *host, const char *want, int line)
{
    char *got = classify_provider(psl, host);
    if (!got || !want ? got != want : strcmp(got, want) != 0) {
        fprintf(stderr, "  %s:%d: provider of \"%s\" == %s, expected %s\n", __FILE__, line,
                host ? host : "(null)", got ? got : "NULL", want ? want : "NULL");
        test_failed_checks++;
    }
    free(got);
}
#define EXPECT_PROVIDER(host, want) expect_provider(psl, (host), (want), __LINE__)

TEST(classify_psl_load)
{
    psl_ctx_t *psl = classify_psl_load();
    CHECK(psl != NULL);
    if (!psl)
        return;
    CHECK_INT(psl_is_public_suffix(psl, "com"), 1);
    CHECK_INT(psl_is_public_suffix(psl, "co.uk"), 1);
    CHECK_INT(psl_is_public_suffix(psl, "example.com"), 0);
    psl_free(psl);
    /* the built-in list may be handed out too: psl_free leaves it alone */
    psl_free((psl_ctx_t *)psl_builtin());
}

TEST(classify_wildcard_classes)
{
    psl_ctx_t *psl = classify_psl_load();
    CHECK_STR(wildcard_class_str(WILDCARD_NONE), "none");
    CHECK_STR(wildcard_class_str(WILDCARD_LEFTMOST), "leftmost");
    CHECK_STR(wildcard_class_str(WILDCARD_PARTIAL_LABEL), "partial-label");
    CHECK_STR(wildcard_class_str(WILDCARD_NON_LEFTMOST), "non-leftmost");
    CHECK_STR(wildcard_class_str(WILDCARD_MULTIPLE), "multiple");
    CHECK_STR(wildcard_class_str(WILDCARD_PUBLIC_SUFFIX), "public-suffix");
    CHECK_STR(wildcard_class_str(WILDCARD_BARE), "bare");

    EXPECT_CLASS(NULL, "none");
    EXPECT_CLASS("", "none");
    EXPECT_CLASS("mx.example.com", "none");
    EXPECT_CLASS("good.example\\x00evil.example", "none");
    EXPECT_CLASS("*", "bare");
    EXPECT_CLASS("*.", "bare");
    EXPECT_CLASS("*.com", "public-suffix");
    EXPECT_CLASS("*.COM.", "public-suffix");
    EXPECT_CLASS("*.co.uk", "public-suffix");
    EXPECT_CLASS("*.Co.Uk", "public-suffix");
    EXPECT_CLASS("*.example", "public-suffix");     /* unlisted TLD: the default "*" rule */
    EXPECT_CLASS("*.xn--p1ai", "public-suffix");    /* .рф */
    EXPECT_CLASS("*.s3.amazonaws.com", "public-suffix"); /* PSL private section */
    EXPECT_CLASS("*.example.co.uk", "leftmost");
    EXPECT_CLASS("*.example.com", "leftmost");
    EXPECT_CLASS("*.psmtp.example", "leftmost");
    EXPECT_CLASS("*.example.com.", "leftmost");
    EXPECT_CLASS("*.ex\\x00ample.com", "leftmost");
    EXPECT_CLASS("*.*.com", "multiple");
    EXPECT_CLASS("*.*.example.com", "multiple");
    EXPECT_CLASS("**.example.com", "multiple");
    EXPECT_CLASS("f*.*.example.com", "multiple");
    EXPECT_CLASS("mx.*.example.com", "non-leftmost");
    EXPECT_CLASS("mx.example.*", "non-leftmost");
    EXPECT_CLASS("mx.ex*ample.com", "non-leftmost");
    EXPECT_CLASS("f*.example.com", "partial-label");
    EXPECT_CLASS("*x.example.com", "partial-label");
    EXPECT_CLASS("f*o.example.com", "partial-label");
    EXPECT_CLASS("f*.com", "partial-label"); /* not "*." over the suffix */
    EXPECT_CLASS("xn--*.example", "partial-label");

    /* a certificate: the most severe among its SAN dNSNames and its CN */
    char *san[3] = {"mx.example.com", "*.example.com", "f*.example.com"};
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, NULL, NULL, 0)), "none");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, NULL, san, 1)), "none");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, NULL, san, 2)), "leftmost");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, NULL, san, 3)), "partial-label");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, "*", san, 3)), "bare");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, "*.co.uk", san, 1)),
              "public-suffix");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, "*.example.com", NULL, 0)),
              "leftmost");
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, "Example CA", san, 1)), "none");

    struct cert_info ci = {.subject_cn = "mx.example.com", .san_dns = san, .nsan = 3};
    CHECK_STR(wildcard_class_str(classify_wildcard_cert(psl, &ci)), "partial-label");
    ci.subject_cn = "*.*.example.com";
    CHECK_STR(wildcard_class_str(classify_wildcard_cert(psl, &ci)), "multiple");
    ci.error = "unparsable";
    CHECK_STR(wildcard_class_str(classify_wildcard_cert(psl, &ci)), "none");
    CHECK_STR(wildcard_class_str(classify_wildcard_cert(psl, NULL)), "none");
    psl_free(psl);
}

TEST(classify_provider)
{
    psl_ctx_t *psl = classify_psl_load();
    EXPECT_PROVIDER("mx.example.co.uk", "example.co.uk");
    EXPECT_PROVIDER("customer.example.s6a1.psmtp.example", "psmtp.example");
    EXPECT_PROVIDER("mx.example.com", "example.com");
    EXPECT_PROVIDER("example.com", "example.com");
    EXPECT_PROVIDER("MX1.Example.COM.", "example.com");
    EXPECT_PROVIDER("mx.example.xn--p1ai", "example.xn--p1ai");
    EXPECT_PROVIDER("mx.b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
    EXPECT_PROVIDER("mx.foo.herokuapp.com", "foo.herokuapp.com"); /* private section */
    /* a public suffix itself has no registrable domain */
    EXPECT_PROVIDER("co.uk", NULL);
    EXPECT_PROVIDER("com", NULL);
    EXPECT_PROVIDER("example", NULL);
    EXPECT_PROVIDER("s3.amazonaws.com", NULL);
    /* not a host name */
    EXPECT_PROVIDER(NULL, NULL);
    EXPECT_PROVIDER("", NULL);
    EXPECT_PROVIDER("127.0.0.1", NULL);
    EXPECT_PROVIDER("[127.0.0.1]", NULL);
    EXPECT_PROVIDER("mx.example\\x00evil.com", NULL);
    EXPECT_PROVIDER("mx .example.com", NULL);
    EXPECT_PROVIDER("*.example.com", NULL);
    psl_free(psl);
}

static int provider_match(const char *cn, const char *a, const char *b, const char *provider)
{
    char *san[2] = {(char *)a, (char *)b};
    struct match_presented p;
    match_presented_init(&p, cn, san, (size_t)(a != NULL) + (b != NULL));
    return classify_cert_provider_match(&p, provider);
}

TEST(classify_cert_provider_match)
{
    const char *pr = "psmtp.example";
    CHECK_INT(provider_match(NULL, "*.psmtp.example", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "*.s6a1.psmtp.example", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "mx1.psmtp.example", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "psmtp.example", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "MX1.PSMTP.EXAMPLE.", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "mx1.psmtp.example", NULL, "PSMTP.Example."), 1);
    CHECK_INT(provider_match(NULL, "other.example", "*.psmtp.example", pr), 1);
    CHECK_INT(provider_match(NULL, "f*.psmtp.example", NULL, pr), 1);   /* fixed part */
    CHECK_INT(provider_match(NULL, "mx.*.psmtp.example", NULL, pr), 1);
    CHECK_INT(provider_match(NULL, "notpsmtp.example", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "psmtp.example.org", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "psmtp.examplex", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "*.example", NULL, pr), 0);          /* wider, not within */
    CHECK_INT(provider_match(NULL, "*.psmtp.*", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "*", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "evil\\x00.psmtp.example", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "mx .psmtp.example", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, "*.psmtp.example", NULL, NULL), 0);
    CHECK_INT(provider_match(NULL, "*.psmtp.example", NULL, "psmtp\\x00.example"), 0);
    /* the CN counts only when it is presented */
    CHECK_INT(provider_match("mx.psmtp.example", NULL, NULL, pr), 1);
    CHECK_INT(provider_match("mx.psmtp.example", "other.example", NULL, pr), 0);
    CHECK_INT(provider_match(NULL, NULL, NULL, pr), 0);
}

/* The probe status spelled s (its one spelling, probe_status_str); a value no probe returns
 * for any other word, which classify must treat as "no verdict". */
static enum probe_status st(const char *s)
{
    for (int i = PROBE_OK; i <= PROBE_CERT_SEEN; i++)
        if (s && strcmp(s, probe_status_str((enum probe_status)i)) == 0)
            return (enum probe_status)i;
    return (enum probe_status)99;
}

/* The domain statuses of a domain that accepts no mail (classify_domain's no_mail). */
static int no_mail(const char *status)
{
    return status && (strcmp(status, "null-mx") == 0 || strcmp(status, "nxdomain") == 0 ||
                      strcmp(status, "invalid") == 0);
}

/* "tls-client-limit": a tls-failed session on this client's own limit. */
static const char *tlsrpt(const char *status, const char *r1, const char *r2,
                          enum match_result mx)
{
    const char *reasons[2] = {r1, r2};
    int limit = status && strcmp(status, "tls-client-limit") == 0;
    return classify_tlsrpt(limit ? PROBE_TLS_FAILED : st(status), limit, reasons,
                           (size_t)(r1 != NULL) + (r2 != NULL), mx);
}

TEST(classify_tlsrpt)
{
    CHECK_STR(tlsrpt("no-starttls", NULL, NULL, MATCH_NULL), "starttls-not-supported");
    CHECK_STR(tlsrpt("starttls-refused", NULL, NULL, MATCH_NULL), "starttls-not-supported");
    CHECK_STR(tlsrpt("tls-failed", NULL, NULL, MATCH_NULL), "validation-failure");
    /* a tls-failed session on this client's own limit (a chain over 16 KB): no verdict */
    CHECK_STR(tlsrpt("tls-client-limit", NULL, NULL, MATCH_NULL), NULL);
    CHECK_STR(tlsrpt("connect-failed", NULL, NULL, MATCH_NULL), NULL);
    CHECK_STR(tlsrpt("timeout", NULL, NULL, MATCH_NULL), NULL);
    CHECK_STR(tlsrpt("smtp-error", NULL, NULL, MATCH_NULL), NULL);
    CHECK_STR(tlsrpt(NULL, NULL, NULL, MATCH_EXACT), NULL);
    CHECK_STR(tlsrpt("bogus", NULL, NULL, MATCH_EXACT), NULL);
    /* ok: the chain first, then the name */
    CHECK_STR(tlsrpt("ok", NULL, NULL, MATCH_EXACT), NULL);
    CHECK_STR(tlsrpt("ok", NULL, NULL, MATCH_WILDCARD), NULL);
    CHECK_STR(tlsrpt("ok", NULL, NULL, MATCH_MULTILABEL), "certificate-host-mismatch");
    CHECK_STR(tlsrpt("ok", NULL, NULL, MATCH_NONE), "certificate-host-mismatch");
    CHECK_STR(tlsrpt("ok", NULL, NULL, MATCH_NULL), "certificate-host-mismatch");
    CHECK_STR(tlsrpt("ok", "expired", NULL, MATCH_EXACT), "certificate-expired");
    CHECK_STR(tlsrpt("ok", "self-signed", "expired", MATCH_NONE), "certificate-expired");
    CHECK_STR(tlsrpt("ok", "unknown-ca", "expired", MATCH_EXACT), "certificate-expired");
    CHECK_STR(tlsrpt("ok", "self-signed", NULL, MATCH_EXACT), "certificate-not-trusted");
    CHECK_STR(tlsrpt("ok", "unknown-ca", NULL, MATCH_NONE), "certificate-not-trusted");
    CHECK_STR(tlsrpt("ok", "weak-key", "unknown-ca", MATCH_EXACT), "certificate-not-trusted");
    static const char *const others[] = {"not-yet-valid", "bad-signature", "bad-key-usage",
                                         "weak-key", "other", "something-new"};
    for (size_t i = 0; i < ARRAY_LEN(others); i++) {
        CHECK_STR(tlsrpt("ok", others[i], NULL, MATCH_EXACT), "validation-failure");
        CHECK_STR(tlsrpt("ok", others[i], NULL, MATCH_NONE), "validation-failure");
    }
    /* cert-seen (--mode cert): the certificate rules of ok; NULL is "no certificate failure" */
    CHECK_STR(tlsrpt("cert-seen", NULL, NULL, MATCH_EXACT), NULL);
    CHECK_STR(tlsrpt("cert-seen", NULL, NULL, MATCH_MULTILABEL), "certificate-host-mismatch");
    CHECK_STR(tlsrpt("cert-seen", "expired", NULL, MATCH_EXACT), "certificate-expired");
    CHECK_STR(tlsrpt("cert-seen", "unknown-ca", NULL, MATCH_EXACT), "certificate-not-trusted");
    CHECK_STR(tlsrpt("cert-seen", "bad-signature", NULL, MATCH_EXACT), "validation-failure");
    /* a failed session says the same whatever the reasons */
    CHECK_STR(tlsrpt("no-starttls", "expired", NULL, MATCH_NONE), "starttls-not-supported");
    CHECK_STR(tlsrpt("timeout", "expired", NULL, MATCH_NONE), NULL);
}

static struct classify_endpoint ep(const char *status, enum match_result mx,
                                   enum match_result dom, enum match_result ptr, int prov)
{
    return (struct classify_endpoint){.status = st(status), .mx_match = mx, .domain_match = dom,
                                      .ptr_match = ptr, .provider_match = prov};
}

TEST(classify_endpoint_patterns)
{
    CHECK_STR(classify_pattern_str(PATTERN_MX_EXACT), "mx-exact");
    CHECK_STR(classify_pattern_str(PATTERN_MX_WILDCARD), "mx-wildcard");
    CHECK_STR(classify_pattern_str(PATTERN_MX_MULTILABEL), "mx-multilabel");
    CHECK_STR(classify_pattern_str(PATTERN_DOMAIN), "domain");
    CHECK_STR(classify_pattern_str(PATTERN_PROVIDER), "provider");
    CHECK_STR(classify_pattern_str(PATTERN_PTR), "ptr");
    CHECK_STR(classify_pattern_str(PATTERN_UNRELATED), "unrelated");
    CHECK_STR(classify_pattern_str(PATTERN_NO_TLS), "no-tls");
    CHECK_STR(classify_pattern_str(PATTERN_NO_MAIL), "no-mail");
    CHECK_STR(classify_pattern_str(PATTERN_UNREACHABLE), "unreachable");
    CHECK_STR(classify_pattern_str(PATTERN_BLOCKED), "blocked");

    struct classify_endpoint e;
#define PAT(...) (e = ep(__VA_ARGS__), classify_pattern_str(classify_endpoint_pattern(&e)))
    CHECK_STR(PAT("ok", MATCH_EXACT, MATCH_EXACT, MATCH_EXACT, 1), "mx-exact");
    CHECK_STR(PAT("ok", MATCH_WILDCARD, MATCH_EXACT, MATCH_EXACT, 1), "mx-wildcard");
    CHECK_STR(PAT("ok", MATCH_MULTILABEL, MATCH_EXACT, MATCH_EXACT, 1), "mx-multilabel");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_EXACT, MATCH_EXACT, 1), "domain");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_WILDCARD, MATCH_EXACT, 1), "domain");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_MULTILABEL, MATCH_EXACT, 1), "provider");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_NONE, MATCH_EXACT, 1), "provider");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_NONE, MATCH_EXACT, 0), "ptr");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_NONE, MATCH_WILDCARD, 0), "ptr");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_NONE, MATCH_MULTILABEL, 0), "unrelated");
    CHECK_STR(PAT("ok", MATCH_NONE, MATCH_NONE, MATCH_NULL, 0), "unrelated");
    CHECK_STR(PAT("ok", MATCH_NULL, MATCH_NULL, MATCH_NULL, 0), "unrelated");
#undef PAT
}

static void expect_domain(const char *status, const struct classify_endpoint *eps, size_t n,
                          long primary, const char *pattern, int consistent, int line)
{
    struct classify_domain_result r = classify_domain(no_mail(status), eps, n);
    const char *got = classify_pattern_str(r.pattern);
    if (r.primary != primary || strcmp(got, pattern) != 0 || r.consistent != consistent) {
        fprintf(stderr,
                "  %s:%d: classify_domain(%s, %zu endpoints) == {%ld, %s, %d}, expected "
                "{%ld, %s, %d}\n",
                __FILE__, line, status ? status : "(null)", n, r.primary, got, r.consistent,
                primary, pattern, consistent);
        test_failed_checks++;
    }
}
#define EXPECT_DOMAIN(status, eps, n, primary, pattern, consistent) \
    expect_domain((status), (eps), (n), (primary), (pattern), (consistent), __LINE__)

TEST(classify_domain_patterns)
{
    struct classify_endpoint eps[4];
    const enum match_result X = MATCH_EXACT, W = MATCH_WILDCARD, M = MATCH_MULTILABEL,
                            N = MATCH_NONE, Z = MATCH_NULL;

    /* the primary is the first endpoint, in preference order, that completed TLS */
    eps[0] = ep("connect-failed", Z, Z, Z, 0);
    eps[1] = ep("no-starttls", Z, Z, Z, 0);
    eps[2] = ep("ok", M, N, N, 1);
    eps[3] = ep("ok", X, N, N, 1);
    EXPECT_DOMAIN("ok", eps, 4, 2, "mx-multilabel", 0);
    EXPECT_DOMAIN("ok", eps + 3, 1, 0, "mx-exact", 1);
    eps[3] = ep("ok", M, N, X, 1);
    EXPECT_DOMAIN("ok", eps, 4, 2, "mx-multilabel", 1);
    /* every endpoint pattern as a domain pattern */
    eps[0] = ep("ok", X, N, N, 0);
    EXPECT_DOMAIN("ok", eps, 1, 0, "mx-exact", 1);
    eps[0] = ep("ok", W, N, N, 0);
    EXPECT_DOMAIN("ok", eps, 1, 0, "mx-wildcard", 1);
    eps[0] = ep("ok", N, W, N, 1);
    EXPECT_DOMAIN("no-mx", eps, 1, 0, "domain", 1); /* implicit MX */
    eps[0] = ep("ok", N, N, X, 1);
    EXPECT_DOMAIN("ok", eps, 1, 0, "provider", 1);
    eps[0] = ep("ok", N, N, X, 0);
    EXPECT_DOMAIN("ok", eps, 1, 0, "ptr", 1);
    eps[0] = ep("ok", N, N, Z, 0);
    EXPECT_DOMAIN("ok", eps, 1, 0, "unrelated", 1);
    /* consistency counts only endpoints that completed TLS */
    eps[0] = ep("ok", X, N, N, 0);
    eps[1] = ep("timeout", Z, Z, Z, 0);
    eps[2] = ep("ok", X, N, N, 1);
    eps[3] = ep("tls-failed", Z, Z, Z, 0);
    EXPECT_DOMAIN("ok", eps, 4, 0, "mx-exact", 1);
    eps[2] = ep("ok", W, N, N, 1);
    EXPECT_DOMAIN("ok", eps, 4, 0, "mx-exact", 0);
    eps[2] = ep("ok", N, N, N, 0);
    EXPECT_DOMAIN("ok", eps, 4, 0, "mx-exact", 0);

    /* no endpoint completed TLS */
    EXPECT_DOMAIN("null-mx", NULL, 0, -1, "no-mail", 1);
    EXPECT_DOMAIN("nxdomain", NULL, 0, -1, "no-mail", 1);
    EXPECT_DOMAIN("invalid", NULL, 0, -1, "no-mail", 1);
    EXPECT_DOMAIN("dns-error", NULL, 0, -1, "unreachable", 1);
    EXPECT_DOMAIN("no-mx", NULL, 0, -1, "unreachable", 1);
    EXPECT_DOMAIN("ok", NULL, 0, -1, "unreachable", 1);
    EXPECT_DOMAIN(NULL, NULL, 0, -1, "unreachable", 1);
    eps[0] = ep("connect-failed", Z, Z, Z, 0);
    eps[1] = ep("timeout", Z, Z, Z, 0);
    EXPECT_DOMAIN("ok", eps, 2, -1, "unreachable", 1);
    static const char *const answered[] = {"no-starttls", "starttls-refused", "tls-failed",
                                           "smtp-error"};
    for (size_t i = 0; i < ARRAY_LEN(answered); i++) {
        eps[2] = ep(answered[i], Z, Z, Z, 0);
        EXPECT_DOMAIN("ok", eps, 3, -1, "no-tls", 1);
        EXPECT_DOMAIN("ok", eps + 2, 1, -1, "no-tls", 1);
        EXPECT_DOMAIN("no-mx", eps + 2, 1, -1, "no-tls", 1);
        /* a domain that accepts no mail stays no-mail whatever was probed */
        EXPECT_DOMAIN("null-mx", eps + 2, 1, -1, "no-mail", 1);
    }
    /* ...but a TLS session decides, whatever the domain status says */
    eps[0] = ep("ok", X, N, N, 0);
    EXPECT_DOMAIN("null-mx", eps, 1, 0, "mx-exact", 1);

    /* blocked: only when every endpoint is; any other endpoint decides as without them */
    eps[0] = ep("blocked", Z, Z, Z, 0);
    eps[1] = ep("blocked", Z, Z, Z, 0);
    EXPECT_DOMAIN("ok", eps, 1, -1, "blocked", 1);
    EXPECT_DOMAIN("ok", eps, 2, -1, "blocked", 1);
    EXPECT_DOMAIN("no-mx", eps, 2, -1, "blocked", 1);
    eps[2] = ep("connect-failed", Z, Z, Z, 0);
    EXPECT_DOMAIN("ok", eps, 3, -1, "unreachable", 1);
    eps[2] = ep("no-starttls", Z, Z, Z, 0);
    EXPECT_DOMAIN("ok", eps, 3, -1, "no-tls", 1);
    eps[2] = ep("ok", W, N, N, 0);
    EXPECT_DOMAIN("ok", eps, 3, 2, "mx-wildcard", 1);
    EXPECT_DOMAIN("nxdomain", eps, 2, -1, "no-mail", 1);

    /* cert-seen (--mode cert) is a primary as ok is: the names decide the pattern */
    eps[0] = ep("tls-failed", Z, Z, Z, 0);
    eps[1] = ep("cert-seen", M, N, N, 1);
    eps[2] = ep("cert-seen", X, N, N, 1);
    EXPECT_DOMAIN("ok", eps, 3, 1, "mx-multilabel", 0);
    EXPECT_DOMAIN("ok", eps + 2, 1, 0, "mx-exact", 1);
    EXPECT_DOMAIN("null-mx", eps + 2, 1, 0, "mx-exact", 1);
}

TEST(classify_endpoint_make)
{
    psl_ctx_t *psl = classify_psl_load();
    const char *host = "customer.example.s6a1.psmtp.example";
    char *san[3] = {"*.psmtp.example", "mx.other.example", "*.ptr.example.net"};
    struct match_presented p;
    match_presented_init(&p, NULL, san, 3);

    struct classify_endpoint e = classify_endpoint_make(psl, &p, PROBE_OK, host, "customer.example",
                                                        "a.ptr.example.net");
    CHECK_INT(e.status, PROBE_OK);
    CHECK_STR(match_result_str(e.mx_match), "multilabel");
    CHECK_STR(match_result_str(e.domain_match), "none");
    CHECK_STR(match_result_str(e.ptr_match), "wildcard");
    CHECK_INT(e.provider_match, 1);
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "mx-multilabel");

    /* the same certificate behind another MX host of another provider */
    e = classify_endpoint_make(psl, &p, PROBE_OK, "mx1.hoster.example", "other.example", NULL);
    CHECK_STR(match_result_str(e.mx_match), "none");
    CHECK_STR(match_result_str(e.domain_match), "none");
    CHECK_STR(match_result_str(e.ptr_match), NULL);
    CHECK_INT(e.provider_match, 0);
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "unrelated");
    e = classify_endpoint_make(psl, &p, PROBE_OK, "mx1.hoster.example", "x.other.example",
                               "a.ptr.example.net");
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "ptr");
    e = classify_endpoint_make(psl, &p, PROBE_OK, "mail.other.example", "mx.other.example", NULL);
    CHECK_STR(match_result_str(e.mx_match), "none");
    CHECK_STR(match_result_str(e.domain_match), "exact");
    CHECK_INT(e.provider_match, 1);
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "domain");
    e = classify_endpoint_make(psl, &p, PROBE_OK, "mail.other.example", "other.example", NULL);
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "provider");

    /* no certificate: nothing presented, nothing matches */
    struct match_presented none;
    match_presented_init(&none, NULL, NULL, 0);
    e = classify_endpoint_make(psl, &none, PROBE_NO_STARTTLS, host, "customer.example", NULL);
    CHECK_INT(e.status, PROBE_NO_STARTTLS);
    CHECK_STR(match_result_str(e.mx_match), "none");
    CHECK_INT(e.provider_match, 0);
    psl_free(psl);
}

/* One predicate (match_public_suffix) for the `public-suffix` class and for the strict rule
 * that refuses such wildcards: every name of that class never matches strictly (nor as
 * multilabel), and every leftmost wildcard one label further down still does. */
TEST(classify_public_suffix_wildcards_never_match)
{
    psl_ctx_t *psl = classify_psl_load();
    static const struct {
        const char *name, *one_label, *two_labels;
    } ps[] = {
        {"*.com", "a.com", "a.b.com"},
        {"*.co.uk", "a.co.uk", "a.b.co.uk"},
        {"*.uk", "co.uk", "a.co.uk"},
        {"*.github.io", "a.github.io", "a.b.github.io"},          /* private section */
        {"*.s3.amazonaws.com", "bucket.s3.amazonaws.com", "a.bucket.s3.amazonaws.com"},
        {"*.example", "tldwild.example", "mx.tldwild.example"},   /* default rule */
        {"*.localhost", "a.localhost", "a.b.localhost"},
        {"*.COM.", "A.com", "a.b.COM"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ps); i++) {
        const char *name = ps[i].name;
        CHECK_STR(wildcard_class_str(classify_wildcard_name(psl, name)), "public-suffix");
        CHECK_INT(match_public_suffix(psl, name + 2, strlen(name) - 2 - (name[strlen(name) - 1] == '.')), 1);
        if (match_name(psl, name, ps[i].one_label) != MATCH_NONE ||
            match_name(psl, name, ps[i].two_labels) != MATCH_NONE) {
            fprintf(stderr, "  %s:%d: %s matches %s or %s\n", __FILE__, __LINE__, name,
                    ps[i].one_label, ps[i].two_labels);
            test_failed_checks++;
        }
        /* one label below the suffix: an ordinary leftmost wildcard */
        char below[64], one[80], two[80];
        snprintf(below, sizeof(below), "*.x%s", name + 1);
        snprintf(one, sizeof(one), "a.x.%s", ps[i].one_label + strcspn(ps[i].one_label, ".") + 1);
        snprintf(two, sizeof(two), "a.b.x.%s", ps[i].one_label + strcspn(ps[i].one_label, ".") + 1);
        CHECK_STR(wildcard_class_str(classify_wildcard_name(psl, below)), "leftmost");
        CHECK_INT(match_name(psl, below, one), MATCH_WILDCARD);
        CHECK_INT(match_name(psl, below, two), MATCH_MULTILABEL);
    }
    /* a certificate of the world (public-sfx): class public-suffix, and no name of it matches */
    char *san[3] = {"*.example", "*.co.uk", "*.com"};
    struct match_presented p;
    match_presented_init(&p, "*.example", san, 3);
    CHECK_STR(wildcard_class_str(classify_wildcard_names(psl, "*.example", san, 3)), "public-suffix");
    const char *by = "unset";
    CHECK_INT(match_reference(psl, &p, "mx.tldwild.example", &by), MATCH_NONE);
    CHECK_STR(by, NULL);
    CHECK_INT(match_reference(psl, &p, "tldwild.example", NULL), MATCH_NONE);
    CHECK_INT(match_reference(psl, &p, "example.co.uk", NULL), MATCH_NONE);
    CHECK_INT(match_reference(psl, &p, "example.com", NULL), MATCH_NONE);
    struct classify_endpoint e = classify_endpoint_make(psl, &p, PROBE_OK, "mx.tldwild.example",
                                                        "tldwild.example", "mx.tldwild.example");
    CHECK_STR(classify_pattern_str(classify_endpoint_pattern(&e)), "unrelated");
    CHECK_STR(classify_tlsrpt(PROBE_OK, 0, NULL, 0, e.mx_match), "certificate-host-mismatch");
    /* a NULL list counts every name as a public suffix: no wildcard matches (fail closed) */
    CHECK_INT(match_name(NULL, "*.x.example", "a.x.example"), MATCH_NONE);
    CHECK_INT(match_name(NULL, "a.x.example", "a.x.example"), MATCH_EXACT);
    psl_free(psl);
}

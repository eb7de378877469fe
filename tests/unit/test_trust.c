/* trust: reasons from mbedTLS's flags, and real verification of the generated certificates in
 * tests/unit/data/ (ca.pem is the anchor; cn-only.pem is issued by it). */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include "test.h"
#include "trust.h"

#define DATA "tests/unit/data/"

static int has(const struct trust_result *r, const char *reason)
{
    for (int i = 0; i < r->nreasons; i++)
        if (strcmp(r->reasons[i], reason) == 0)
            return 1;
    return 0;
}

TEST(trust_reasons_from_flags)
{
    struct trust_result r;
    trust_reasons_from_flags(0, 0, 0, &r);
    CHECK(r.valid);
    CHECK_INT(r.nreasons, 0);
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0, 0, &r);
    CHECK(!r.valid);
    CHECK_INT(r.nreasons, 2);
    CHECK_STR(r.reasons[0], "expired");
    CHECK_STR(r.reasons[1], "unknown-ca");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_NOT_TRUSTED, 1, 0, &r);
    CHECK_STR(r.reasons[0], "self-signed");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0, 1, &r);
    CHECK_STR(r.reasons[0], "bad-signature");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_FUTURE, 0, 0, &r);
    CHECK_STR(r.reasons[0], "not-yet-valid");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, 0, 0, &r);
    CHECK_INT(r.nreasons, 1);
    CHECK_STR(r.reasons[0], "bad-key-usage");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_BAD_KEY, 0, 0, &r);
    CHECK_STR(r.reasons[0], "weak-key");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_BAD_MD, 0, 0, &r);
    CHECK_STR(r.reasons[0], "other");
    CHECK(!r.valid);
}

/* Reads the first certificate of a PEM file as DER. */
static unsigned char *der_of(const char *path, size_t *len)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    unsigned char *der = NULL;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0) {
        der = malloc(crt.raw.len);
        memcpy(der, crt.raw.p, crt.raw.len);
        *len = crt.raw.len;
    }
    mbedtls_x509_crt_free(&crt);
    return der;
}

static void verify_file(const struct trust_ctx *t, const char *path, int corrupt, struct trust_result *r)
{
    size_t len = 0;
    unsigned char *der = der_of(path, &len);
    CHECK(der != NULL);
    if (!der)
        return;
    if (corrupt)
        der[len - 3] ^= 0x5a; /* inside the signature value: the structure still parses */
    struct cert_info *ci = cert_info_from_der(der, len);
    trust_verify(t, &ci, 1, r);
    cert_info_free(ci);
    free(der);
}

TEST(trust_verify_generated)
{
    char err[256] = "";
    struct trust_ctx *t = trust_ctx_new(DATA "ca.pem", err, sizeof(err));
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_INT(trust_ctx_count(t), 1);
    struct trust_result r;
    verify_file(t, DATA "cn-only.pem", 0, &r);
    CHECK(r.valid);
    verify_file(t, DATA "cn-only.pem", 1, &r);
    CHECK(!r.valid && has(&r, "bad-signature") && !has(&r, "unknown-ca"));
    verify_file(t, DATA "selfsigned-rsa2048.pem", 0, &r);
    CHECK(!r.valid && has(&r, "self-signed"));
    CHECK_INT(r.nreasons, 1);
    verify_file(t, DATA "rsa1024-sha1.pem", 0, &r);
    CHECK(has(&r, "self-signed") && has(&r, "weak-key"));
    verify_file(t, DATA "twin-issuer.pem", 0, &r); /* names itself as issuer, signed elsewhere */
    CHECK(!r.valid && !has(&r, "self-signed"));
    trust_ctx_free(t);

    CHECK(trust_ctx_new("/nonexistent/ca.pem", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "cannot load CA file /nonexistent/ca.pem") != NULL);
}

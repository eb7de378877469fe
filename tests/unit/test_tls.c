/* tls: the configuration offers what a survey needs (the handshake itself is exercised
 * against real servers by tests/integration/probe.sh). */
#include "test.h"
#include "probe/tls.h"
#include "probe/tlshello.h"

#include <mbedtls/ssl_ciphersuites.h>

static int offers(const struct tls_config *cfg, int suite)
{
    for (const int *s = cfg->ciphersuites; *s; s++)
        if (*s == suite)
            return 1;
    return 0;
}

TEST(tls_config_offer)
{
    char err[256] = "";
    struct tls_config *cfg = tls_config_new(err, sizeof(err));
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_INT(cfg->conf.min_minor_ver, MBEDTLS_SSL_MINOR_VERSION_1); /* TLS 1.0 */
    CHECK_INT(cfg->conf.max_minor_ver, MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
    CHECK_INT(cfg->conf.authmode, MBEDTLS_SSL_VERIFY_NONE);
    CHECK(offers(cfg, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256));
    CHECK(offers(cfg, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256));
    CHECK(offers(cfg, MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA));     /* the TLS 1.0 staple */
    CHECK(offers(cfg, MBEDTLS_TLS_DHE_RSA_WITH_AES_256_CBC_SHA));
    CHECK(offers(cfg, MBEDTLS_TLS_RSA_WITH_3DES_EDE_CBC_SHA));    /* Debian leaves it out */
    CHECK(!offers(cfg, MBEDTLS_TLS_RSA_WITH_RC4_128_SHA));        /* RFC 7465 */
    /* 3DES comes after every AES suite: only for servers with nothing better. */
    int seen_3des = 0, aes_after_3des = 0;
    for (const int *s = cfg->ciphersuites; *s; s++) {
        if (*s == MBEDTLS_TLS_RSA_WITH_3DES_EDE_CBC_SHA)
            seen_3des = 1;
        else if (seen_3des && *s == MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA)
            aes_after_3des = 1;
    }
    CHECK(!aes_after_3des);
    tls_config_free(cfg);
}

/* The offer follows a default OpenSSL 3 client (tlshello.h): its TLS 1.2 suites first, in its
 * order, as far as mbedTLS builds them; so ECDHE-ECDSA before ECDHE-RSA and AES-GCM before
 * CHACHA20; curves x25519, secp256r1 first. */
TEST(tls_config_openssl_order)
{
    char err[256] = "";
    struct tls_config *cfg = tls_config_new(err, sizeof(err));
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    size_t k = 0;
    for (size_t i = 0; i < TLS_SUITES12_COUNT; i++) {
        if (!mbedtls_ssl_ciphersuite_from_id(tls_suites12[i]))
            continue;
        CHECK_INT(cfg->ciphersuites[k], tls_suites12[i]);
        k++;
    }
    CHECK(k >= 20); /* Debian's mbedTLS builds nearly all of OpenSSL's (not the DHE-DSS ones) */
    CHECK_INT(cfg->ciphersuites[0], MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
    CHECK_INT(cfg->ciphersuites[1], MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
    CHECK_INT(cfg->curves[0], MBEDTLS_ECP_DP_CURVE25519);
    CHECK_INT(cfg->curves[1], MBEDTLS_ECP_DP_SECP256R1);
    tls_config_free(cfg);
}

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

/* ---- TLS input in pieces ----------------------------------------------------------------
 * tls.c's client against an mbedTLS server in this process (the library's test certificate
 * and its CA, EC P-256). The client writes through its libuv stream, one end of a socketpair
 * (uv_pipe_t); the server reads the other end and writes into a buffer, which the test hands to
 * tls_conn_feed() in pieces: one octet at a time, or odd sizes; stepping the client after each
 * piece, or after every second piece (so a feed lands while earlier input is still unread).
 * The handshake, the certificate stop, application data and the close_notify must come out as
 * they do for whole flights. */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/certs.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "core/util.h"

struct fake_server {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    int fd;
    unsigned char *out; /* what the server sent, not yet fed to the client */
    size_t outlen;
};

static int srv_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct fake_server *s = ctx;
    s->out = xrealloc(s->out, s->outlen + len);
    memcpy(s->out + s->outlen, buf, len);
    s->outlen += len;
    return (int)len;
}

static int srv_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct fake_server *s = ctx;
    ssize_t n = recv(s->fd, buf, len, MSG_DONTWAIT);
    if (n > 0)
        return (int)n;
    return n == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : MBEDTLS_ERR_SSL_WANT_READ;
}

/* minor: the only TLS version the server accepts (MBEDTLS_SSL_MINOR_VERSION_1..3). */
static int fake_server_init(struct fake_server *s, int fd, int minor)
{
    memset(s, 0, sizeof(*s));
    s->fd = fd;
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    mbedtls_x509_crt_init(&s->chain);
    mbedtls_pk_init(&s->key);
    mbedtls_ssl_config_init(&s->conf);
    mbedtls_ssl_init(&s->ssl);
    int r = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy, NULL, 0);
    if (r == 0)
        r = mbedtls_x509_crt_parse_der(&s->chain, mbedtls_test_srv_crt_ec_der,
                                       mbedtls_test_srv_crt_ec_der_len);
    if (r == 0)
        r = mbedtls_x509_crt_parse_der(&s->chain, mbedtls_test_ca_crt_ec_der,
                                       mbedtls_test_ca_crt_ec_der_len);
    if (r == 0)
        r = mbedtls_pk_parse_key(&s->key, mbedtls_test_srv_key_ec_der,
                                 mbedtls_test_srv_key_ec_der_len, NULL, 0);
    if (r == 0)
        r = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (r == 0) {
        mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
        mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor);
        mbedtls_ssl_conf_max_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3, minor);
        r = mbedtls_ssl_conf_own_cert(&s->conf, &s->chain, &s->key);
    }
    if (r == 0)
        r = mbedtls_ssl_setup(&s->ssl, &s->conf);
    if (r == 0)
        mbedtls_ssl_set_bio(&s->ssl, s, srv_send, srv_recv, NULL);
    CHECK_INT(r, 0);
    return r;
}

static void fake_server_free(struct fake_server *s)
{
    mbedtls_ssl_free(&s->ssl);
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_pk_free(&s->key);
    mbedtls_x509_crt_free(&s->chain);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
    free(s->out);
}

/* How the server's octets are cut: sizes in turn, cycled; step_every: the client is stepped
 * after every this many pieces (and after the last). */
struct tls_split {
    const char *name;
    size_t sizes[8];
    size_t nsizes;
    int step_every;
};

/* Feeds the server's pending output to the client in pieces, each an exact-size copy (so ASan
 * sees a read past it), calling step(c) as the split says; returns the last step's result,
 * stopping early when step returns a value other than want_again. */
static int feed_pieces(struct fake_server *s, struct tls_conn *c, const struct tls_split *sp,
                       size_t *piece, int (*step)(struct tls_conn *, void *), void *arg,
                       int want_again)
{
    int r = want_again;
    size_t off = 0;
    int since_step = 0;
    while (off < s->outlen) {
        size_t n = sp->sizes[*piece % sp->nsizes];
        if (n > s->outlen - off)
            n = s->outlen - off;
        char *copy = xmalloc(n);
        memcpy(copy, s->out + off, n);
        tls_conn_feed(c, copy, n);
        free(copy);
        off += n;
        (*piece)++;
        if (++since_step >= sp->step_every || off == s->outlen) {
            since_step = 0;
            r = step(c, arg);
            if (r != want_again)
                break;
        }
    }
    s->outlen = 0; /* after the certificate stop, what is left is not wanted */
    return r;
}

static int step_handshake(struct tls_conn *c, void *arg)
{
    return (int)tls_conn_handshake(c);
}

struct read_sink {
    char data[8192];
    size_t len;
    int end; /* the last tls_conn_read result when negative */
};

/* One read per step (of at most 700 octets): input may stay unread until the next feed. */
static int step_read(struct tls_conn *c, void *arg)
{
    struct read_sink *rs = arg;
    size_t room = sizeof(rs->data) - rs->len;
    int n = tls_conn_read(c, rs->data + rs->len, room < 700 ? room : 700);
    if (n > 0)
        rs->len += (size_t)n;
    else if (n < 0)
        rs->end = n;
    return 0;
}

/* One TLS session through the split: the handshake (or up to the certificate), 3000 octets of
 * application data from the server in two records, a line from the client, the server's
 * close_notify. Returns 1 when everything came out right. */
static int tls_session_in_pieces(const struct tls_config *cfg, const struct tls_split *sp,
                                 int minor, int stop_after_certificate)
{
    int ok = 1;
    int sv[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_pipe_t pipe;
    uv_pipe_init(&loop, &pipe, 0);
    CHECK_INT(uv_pipe_open(&pipe, sv[0]), 0);
    struct fake_server srv;
    struct tls_conn c;
    ok &= fake_server_init(&srv, sv[1], minor) == 0;
    ok &= tls_conn_init(&c, cfg, (uv_stream_t *)&pipe, "localhost", stop_after_certificate,
                        NULL, NULL) == 0;

    /* The handshake: the client's flight over the pipe, the server's back in pieces. */
    size_t piece = 0;
    int cst = ok ? (int)tls_conn_handshake(&c) : TLS_STEP_ERROR;
    int sst = MBEDTLS_ERR_SSL_WANT_READ;
    for (int round = 0; ok && round < 10 && cst == TLS_STEP_AGAIN; round++) {
        uv_run(&loop, UV_RUN_NOWAIT); /* the client's writes done */
        if (sst != 0)
            sst = mbedtls_ssl_handshake(&srv.ssl);
        if (sst != 0 && sst != MBEDTLS_ERR_SSL_WANT_READ) {
            fprintf(stderr, "  server handshake: -0x%04x\n", (unsigned)-sst);
            ok = 0;
        }
        cst = feed_pieces(&srv, &c, sp, &piece, step_handshake, NULL, TLS_STEP_AGAIN);
    }
    int want = stop_after_certificate ? TLS_STEP_CERT_SEEN : TLS_STEP_DONE;
    if (cst != want) {
        char err[256];
        tls_conn_error_str(&c, err, sizeof(err));
        fprintf(stderr, "  client handshake: step %d, expected %d (%s)\n", cst, want, err);
        ok = 0;
    }
    size_t n = 0;
    struct tls_der *ders = tls_conn_peer_chain(&c, &n);
    ok &= n == 2 && ders && ders[0].len == mbedtls_test_srv_crt_ec_der_len &&
          memcmp(ders[0].der, mbedtls_test_srv_crt_ec_der, ders[0].len) == 0 &&
          ders[1].len == mbedtls_test_ca_crt_ec_der_len &&
          memcmp(ders[1].der, mbedtls_test_ca_crt_ec_der, ders[1].len) == 0;
    for (size_t i = 0; i < n; i++)
        free(ders[i].der);
    free(ders);
    static const char *versions[] = {"?", "TLSv1.0", "TLSv1.1", "TLSv1.2"};
    const char *v = tls_conn_version(&c);
    ok &= v && strcmp(v, versions[minor]) == 0;

    if (ok && !stop_after_certificate) {
        /* The server finishes on the client's last flight; then application data both ways. */
        uv_run(&loop, UV_RUN_NOWAIT);
        for (int i = 0; i < 10 && sst != 0; i++)
            sst = mbedtls_ssl_handshake(&srv.ssl);
        ok &= sst == 0;
        srv.outlen = 0; /* nothing after its Finished, which the client has had */
        char msg[3000];
        for (size_t i = 0; i < sizeof(msg); i++)
            msg[i] = (char)('a' + i % 26);
        int w1 = mbedtls_ssl_write(&srv.ssl, (const unsigned char *)msg, 1000);
        int w2 = mbedtls_ssl_write(&srv.ssl, (const unsigned char *)msg + 1000, 2000);
        ok &= w1 == 1000 && w2 == 2000;
        struct read_sink rs = {.len = 0};
        feed_pieces(&srv, &c, sp, &piece, step_read, &rs, 0);
        for (int i = 0; i < 20 && rs.len < sizeof(msg) && rs.end == 0; i++)
            step_read(&c, &rs); /* what the last piece completed */
        ok &= rs.len == sizeof(msg) && memcmp(rs.data, msg, sizeof(msg)) == 0;
        if (rs.len != sizeof(msg))
            fprintf(stderr, "  application data: %zu octets of %zu\n", rs.len, sizeof(msg));

        ok &= tls_conn_write(&c, "QUIT\r\n", 6) == 0;
        uv_run(&loop, UV_RUN_NOWAIT);
        /* (TLS 1.0 CBC: mbedTLS sends the first octet in a record of its own, 1/n-1.) */
        unsigned char got[64];
        size_t gotlen = 0;
        for (int i = 0; i < 100 && gotlen < 6; i++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            int r = mbedtls_ssl_read(&srv.ssl, got + gotlen, sizeof(got) - gotlen);
            if (r > 0)
                gotlen += (size_t)r;
            else if (r != MBEDTLS_ERR_SSL_WANT_READ)
                break;
        }
        ok &= gotlen == 6 && memcmp(got, "QUIT\r\n", 6) == 0;

        ok &= mbedtls_ssl_close_notify(&srv.ssl) == 0;
        rs.end = 0;
        feed_pieces(&srv, &c, sp, &piece, step_read, &rs, 0);
        for (int i = 0; i < 5 && rs.end == 0; i++)
            step_read(&c, &rs);
        ok &= rs.end == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY && rs.len == sizeof(msg);
        if (rs.end != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
            fprintf(stderr, "  close_notify: read ended with -0x%04x\n", (unsigned)-rs.end);
    }
    ok &= piece >= (sp->sizes[0] == 1 && sp->nsizes == 1 ? 500u : 2u); /* it was cut */

    uv_close((uv_handle_t *)&pipe, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    tls_conn_free(&c);
    fake_server_free(&srv);
    close(sv[1]);
    CHECK_INT(uv_loop_close(&loop), 0);
    return ok;
}

static const struct tls_split tls_splits[] = {
    {"one octet at a time", {1}, 1, 1},
    {"odd sizes", {7, 3, 11, 1, 13, 2, 250, 5}, 8, 1},
    {"record header split, then the rest of a flight", {3, 4096}, 2, 1},
    {"odd sizes, stepped every second piece", {5, 1, 17, 300, 2, 9, 64}, 7, 2},
    {"one octet at a time, stepped every third", {1}, 1, 3},
};

TEST(tls_input_in_pieces)
{
    char err[256] = "";
    struct tls_config *cfg = tls_config_new(err, sizeof(err));
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    static const int minors[] = {MBEDTLS_SSL_MINOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_1};
    for (size_t m = 0; m < ARRAY_LEN(minors); m++) {
        for (size_t i = 0; i < ARRAY_LEN(tls_splits); i++) {
            for (int cert_only = 0; cert_only <= 1; cert_only++) {
                int ok = tls_session_in_pieces(cfg, &tls_splits[i], minors[m], cert_only);
                if (!ok)
                    fprintf(stderr, "  split \"%s\", TLS 1.%d%s: failed\n", tls_splits[i].name,
                            minors[m] - 1, cert_only ? ", up to the certificate" : "");
                CHECK(ok);
            }
        }
    }
    tls_config_free(cfg);
}

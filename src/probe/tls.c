/* tls: the TLS client of a probe, mbedTLS 2.28 over a libuv stream.
 *
 * Exchange: a TLS 1.0-1.2 client handshake (RFC 2246, 4346, 5246) started after the SMTP
 * STARTTLS 220 (RFC 3207), with server_name (RFC 6066) set to the MX host name. The handshake
 * is stepped one message at a time (mbedtls_ssl_handshake_step) so it can stop right after the
 * server Certificate message (stop_after_certificate: we learn the chain without paying for a
 * key exchange). Certificates are not verified here (authmode NONE): a survey records every
 * chain, and verification is done later against the recorded chain.
 *
 * Failure classes (all reported as TLS_STEP_ERROR with the mbedTLS code): the server sends a
 * fatal alert (no common version/cipher, ...), sends something that is not TLS (a plaintext
 * SMTP error after 220), or a certificate mbedTLS cannot parse (MBEDTLS_ERR_X509_*; mbedTLS
 * silently skips chain certificates with an unknown signature algorithm), or a write fails.
 * The connection closing during the handshake is seen by the owner as EOF on the stream.
 *
 * The offer is modelled on a default OpenSSL 3 client (the suite, curve and signature-hash
 * order of tlshello.h's tables), because the survey measures what a sending MTA sees, and a
 * server's choice of certificate follows the client's order.
 * Reach: the offer is wide on purpose (old servers must be surveyed too): TLS 1.0 and 1.1, every
 * suite mbedTLS builds (after OpenSSL's) plus the 3DES suites Debian's build leaves out of its
 * default list, SHA-1 signatures in the key exchange, DHE groups from 512 bits. RC4 stays out
 * (RFC 7465).
 *
 * A fatal alert from the server is reported by name ("fatal alert from server:
 * protocol_version(70)"), read from the record mbedTLS leaves in its input buffer.
 */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "core/stream.h"
#include "tlshello.h"
#include "core/util.h"

/* The key-exchange signature hashes we accept (TLS 1.2 signature_algorithms), in the order a
 * default OpenSSL 3 client puts them (SHA-256 first; tlshello.h tls_sigalgs), SHA-1 last for
 * old servers; immutable. */
static const int sig_hashes[] = {
    MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA224,
    MBEDTLS_MD_SHA1,   MBEDTLS_MD_NONE,
};

static int suite_listed(const int *list, size_t n, int id)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == id)
            return 1;
    return 0;
}

static void suite_add(struct tls_config *cfg, size_t *n, int id)
{
    if (*n < ARRAY_LEN(cfg->ciphersuites) - 1 && !suite_listed(cfg->ciphersuites, *n, id) &&
        mbedtls_ssl_ciphersuite_from_id(id))
        cfg->ciphersuites[(*n)++] = id;
}

/* The offer, in the order of a default OpenSSL 3 client (tlshello.h: ECDSA before RSA, AES-GCM
 * before CHACHA20, then CBC, then plain RSA key exchange), since that is what the sending MTAs
 * whose view the survey measures put on the wire: a server holding an RSA and an ECDSA
 * certificate hands out the one the client's first acceptable suite asks for, so mbedTLS's own
 * order (CHACHA20-RSA first) would undercount ECDSA. Then the reach suites (3DES, DHE-DSS),
 * then every other suite mbedTLS builds (CCM, CAMELLIA, ARIA, ...), so no server that has
 * anything in common with us is turned away. */
static void build_suite_list(struct tls_config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < TLS_SUITES12_COUNT; i++)
        suite_add(cfg, &n, tls_suites12[i]);
    for (size_t i = 0; i < TLS_SUITES_REACH_COUNT; i++)
        suite_add(cfg, &n, tls_suites_reach[i]);
    for (const int *s = mbedtls_ssl_list_ciphersuites(); *s; s++)
        suite_add(cfg, &n, *s);
    cfg->ciphersuites[n] = 0;
}

static void set_err(char *err, size_t errlen, const char *what, int ret)
{
    char msg[160];
    mbedtls_strerror(ret, msg, sizeof(msg));
    snprintf(err, errlen, "%s: mbedTLS -0x%04x: %s", what, (unsigned)-ret, msg);
}

/* Key-exchange curves in a default OpenSSL 3 client's order (tlshello.h tls_groups: x25519,
 * secp256r1, x448, secp521r1, secp384r1; the FFDHE groups are not curves), then every other
 * curve the library has, so no server is turned away. X25519 first is also the cheapest for
 * us: mbedTLS's own default starts with secp521r1. */
static void build_curve_list(struct tls_config *cfg)
{
    size_t n = 0, max = ARRAY_LEN(cfg->curves) - 1;
    for (size_t i = 0; i < TLS_GROUPS_COUNT && n < max; i++) {
        const mbedtls_ecp_curve_info *ci = mbedtls_ecp_curve_info_from_tls_id(tls_groups[i]);
        if (ci)
            cfg->curves[n++] = ci->grp_id;
    }
    for (const mbedtls_ecp_group_id *g = mbedtls_ecp_grp_id_list();
         *g != MBEDTLS_ECP_DP_NONE && n < max; g++) {
        int have = 0;
        for (size_t i = 0; i < n; i++)
            have |= cfg->curves[i] == *g;
        if (!have)
            cfg->curves[n++] = *g;
    }
    cfg->curves[n] = MBEDTLS_ECP_DP_NONE;
}

struct tls_config *tls_config_new(char *err, size_t errlen)
{
    static const char pers[] = "mxsurvey probe";
    struct tls_config *cfg = xcalloc(1, sizeof(*cfg));
    mbedtls_entropy_init(&cfg->entropy);
    mbedtls_ctr_drbg_init(&cfg->drbg);
    mbedtls_ssl_config_init(&cfg->conf);
    int ret = mbedtls_ctr_drbg_seed(&cfg->drbg, mbedtls_entropy_func, &cfg->entropy,
                                    (const unsigned char *)pers, sizeof(pers) - 1);
    if (ret != 0) {
        set_err(err, errlen, "seeding CTR_DRBG", ret);
        goto fail;
    }
    ret = mbedtls_ssl_config_defaults(&cfg->conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        set_err(err, errlen, "TLS configuration", ret);
        goto fail;
    }
    mbedtls_ssl_conf_rng(&cfg->conf, mbedtls_ctr_drbg_random, &cfg->drbg);
    mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_1);
    mbedtls_ssl_conf_max_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    build_suite_list(cfg);
    mbedtls_ssl_conf_ciphersuites(&cfg->conf, cfg->ciphersuites);
    build_curve_list(cfg);
    mbedtls_ssl_conf_curves(&cfg->conf, cfg->curves);
    mbedtls_ssl_conf_sig_hashes(&cfg->conf, sig_hashes);
    mbedtls_ssl_conf_dhm_min_bitlen(&cfg->conf, 512);
    /* One handshake per connection: tickets would only add a message to parse. */
    mbedtls_ssl_conf_session_tickets(&cfg->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    return cfg;
fail:
    tls_config_free(cfg);
    return NULL;
}

int tls_config_random(struct tls_config *cfg, unsigned char *buf, size_t len)
{
    return mbedtls_ctr_drbg_random(&cfg->drbg, buf, len) == 0 ? 0 : -1;
}

void tls_config_free(struct tls_config *cfg)
{
    if (!cfg)
        return;
    mbedtls_ssl_config_free(&cfg->conf);
    mbedtls_ctr_drbg_free(&cfg->drbg);
    mbedtls_entropy_free(&cfg->entropy);
    free(cfg);
}

/* ---- BIO over the libuv stream ---------------------------------------------------------- */

static void write_done(void *arg, int status)
{
    struct tls_conn *c = arg;
    if (status < 0 && status != UV_ECANCELED) {
        if (c->write_status == 0)
            c->write_status = status;
        if (c->on_write_error)
            c->on_write_error(c->arg, status);
    }
}

/* Never WANT_WRITE: libuv queues the copy, so mbedTLS can always go on. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    if (c->write_status < 0)
        return MBEDTLS_ERR_NET_SEND_FAILED;
    int r = stream_write_copy(c->stream, buf, len, write_done, c);
    if (r < 0) {
        c->write_status = r;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    return (int)len;
}

/* WANT_READ when the buffer is empty: the owner calls us again after the next read. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    size_t avail = c->in_len - c->in_off;
    if (avail == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = len < avail ? len : avail;
    memcpy(buf, c->in + c->in_off, n);
    c->in_off += n;
    if (c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    return (int)n;
}

void tls_conn_feed(struct tls_conn *c, const char *buf, size_t len)
{
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    if (c->in_len + len > c->in_cap) {
        c->in_cap = c->in_len + len;
        c->in = xrealloc(c->in, c->in_cap);
    }
    memcpy(c->in + c->in_len, buf, len);
    c->in_len += len;
}

/* ---- connection ------------------------------------------------------------------------- */

int tls_conn_init(struct tls_conn *c, const struct tls_config *cfg, uv_stream_t *stream,
                  const char *sni, int stop_after_certificate,
                  void (*on_write_error)(void *arg, int uv_status), void *arg)
{
    memset(c, 0, sizeof(*c));
    mbedtls_ssl_init(&c->ssl);
    c->stream = stream;
    c->stop_after_certificate = stop_after_certificate;
    c->on_write_error = on_write_error;
    c->arg = arg;
    int ret = mbedtls_ssl_setup(&c->ssl, &cfg->conf);
    if (ret == 0 && sni)
        ret = mbedtls_ssl_set_hostname(&c->ssl, sni);
    if (ret != 0) {
        c->last_error = ret;
        return ret;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    return 0;
}

/* The peer chain: in the negotiated session once the handshake is over, in the session being
 * negotiated while it runs (mbedtls_ssl_get_peer_cert only looks at the former). */
static const mbedtls_x509_crt *peer_cert(const struct tls_conn *c)
{
    if (c->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER)
        return mbedtls_ssl_get_peer_cert(&c->ssl);
    if (c->ssl.state > MBEDTLS_SSL_SERVER_CERTIFICATE && c->ssl.session_negotiate)
        return c->ssl.session_negotiate->peer_cert;
    return NULL;
}

enum tls_step tls_conn_handshake(struct tls_conn *c)
{
    while (c->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        if (c->stop_after_certificate && peer_cert(c))
            return TLS_STEP_CERT_SEEN;
        int ret = mbedtls_ssl_handshake_step(&c->ssl);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
            return TLS_STEP_AGAIN;
        if (ret != 0) {
            c->last_error = ret;
            return TLS_STEP_ERROR;
        }
    }
    return TLS_STEP_DONE;
}

int tls_conn_write(struct tls_conn *c, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        int ret = mbedtls_ssl_write(&c->ssl, (const unsigned char *)buf + off, len - off);
        if (ret < 0) {
            c->last_error = ret;
            return ret;
        }
        off += (size_t)ret;
    }
    return 0;
}

int tls_conn_read(struct tls_conn *c, char *buf, size_t len)
{
    int ret = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf, len);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (ret < 0)
        c->last_error = ret;
    /* Our BIO never reports EOF, so 0 from mbedTLS cannot mean "closed" here. */
    return ret;
}

void tls_conn_close_notify(struct tls_conn *c)
{
    (void)mbedtls_ssl_close_notify(&c->ssl);
}

int tls_conn_peer_alert(const struct tls_conn *c, int *level)
{
    /* mbedTLS returns these two codes right after reading an alert record, which it leaves in
     * in_msg (ssl_msg.c, mbedtls_ssl_handle_message_type): level, description. */
    if (c->last_error != MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
        c->last_error != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return -1;
    if (c->ssl.in_msgtype != MBEDTLS_SSL_MSG_ALERT || !c->ssl.in_msg || c->ssl.in_msglen < 2)
        return -1;
    if (level)
        *level = c->ssl.in_msg[0];
    return c->ssl.in_msg[1];
}

/* The RFC 5246 / 8446 name of a handshake message type, for error messages. */
static const char *handshake_type_name(unsigned char t)
{
    switch (t) {
    case 2: return "ServerHello";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    default: return "(other)";
    }
}

int tls_conn_client_limit(const struct tls_conn *c)
{
    /* mbedtls_ssl_prepare_handshake_record (2.28) refuses a handshake message whose length
     * (in_hslen, from its header) exceeds what the record holds (in_msglen) over TLS. */
    return c->last_error == MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE &&
           c->ssl.in_msgtype == MBEDTLS_SSL_MSG_HANDSHAKE && c->ssl.in_hslen > c->ssl.in_msglen;
}

void tls_conn_error_str(const struct tls_conn *c, char *buf, size_t len)
{
    char msg[160];
    if (c->write_status < 0) {
        snprintf(buf, len, "write failed: %s", uv_strerror(c->write_status));
        return;
    }
    int level = 0, alert = tls_conn_peer_alert(c, &level);
    if (alert >= 0) {
        char name[TLS_ALERT_NAME_LEN];
        snprintf(buf, len, "%s alert from server: %s", level == MBEDTLS_SSL_ALERT_LEVEL_FATAL ? "fatal" : "warning",
                 tls_alert_format((uint8_t)alert, name, sizeof(name)));
        return;
    }
    if (tls_conn_client_limit(c)) {
        snprintf(buf, len, "client limit: the server's handshake message %s of %zu octets spans "
                 "several TLS records, which this client (mbedTLS 2.28) cannot reassemble "
                 "(a certificate chain over 16 KB); the server is not at fault (mbedTLS -0x%04x)",
                 c->ssl.in_msglen > 0 ? handshake_type_name(c->ssl.in_msg[0]) : "?",
                 c->ssl.in_hslen - 4, (unsigned)-c->last_error);
        return;
    }
    mbedtls_strerror(c->last_error, msg, sizeof(msg));
    snprintf(buf, len, "mbedTLS -0x%04x: %s", (unsigned)-c->last_error, msg);
}

const char *tls_conn_version(const struct tls_conn *c)
{
    if (c->ssl.state <= MBEDTLS_SSL_SERVER_HELLO)
        return NULL;
    switch (c->ssl.minor_ver) {
    case MBEDTLS_SSL_MINOR_VERSION_0: return "SSLv3.0";
    case MBEDTLS_SSL_MINOR_VERSION_1: return "TLSv1.0";
    case MBEDTLS_SSL_MINOR_VERSION_2: return "TLSv1.1";
    case MBEDTLS_SSL_MINOR_VERSION_3: return "TLSv1.2";
    default: return NULL;
    }
}

char *tls_conn_cipher(const struct tls_conn *c)
{
    if (c->ssl.state <= MBEDTLS_SSL_SERVER_HELLO)
        return NULL;
    const mbedtls_ssl_session *s =
        c->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER ? c->ssl.session : c->ssl.session_negotiate;
    if (!s)
        return NULL;
    /* mbedTLS names are the IANA names with '-' for '_'. */
    char *name = xstrdup(mbedtls_ssl_get_ciphersuite_name(s->ciphersuite));
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    return name;
}

struct tls_der *tls_conn_peer_chain(const struct tls_conn *c, size_t *n)
{
    *n = 0;
    const mbedtls_x509_crt *crt = peer_cert(c);
    size_t count = 0;
    for (const mbedtls_x509_crt *x = crt; x; x = x->next)
        count += x->raw.p != NULL;
    if (count == 0)
        return NULL;
    struct tls_der *out = xcalloc(count, sizeof(*out));
    for (const mbedtls_x509_crt *x = crt; x; x = x->next) {
        if (!x->raw.p)
            continue;
        out[*n].der = xmalloc(x->raw.len);
        memcpy(out[*n].der, x->raw.p, x->raw.len);
        out[*n].len = x->raw.len;
        (*n)++;
    }
    return out;
}

void tls_conn_free(struct tls_conn *c)
{
    mbedtls_ssl_free(&c->ssl);
    free(c->in);
    c->in = NULL;
    c->in_len = c->in_off = c->in_cap = 0;
}

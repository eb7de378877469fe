/* tls: an mbedTLS 2.28 client driven non-blockingly over a libuv stream.
 *
 * The owner (the SMTP session) keeps reading the stream and hands every received octet to
 * tls_conn_feed(); mbedTLS reads from that buffer through our BIO recv callback and reports
 * WANT_READ when it is empty, which simply means "wait for the next read callback". The BIO
 * send callback copies the record into a uv_write, so mbedTLS never sees WANT_WRITE: libuv
 * queues the bytes (a handshake flight is a few KB, so the queue stays small).
 *
 * Ownership: the owner embeds struct tls_conn, calls tls_conn_init once and tls_conn_free once
 * (after uv_close of the stream has completed, so no write callback can still arrive). A
 * tls_config is shared by every connection of one loop and must outlive them.
 */
#ifndef MXS_TLS_H
#define MXS_TLS_H
#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ecp.h>
#include <mbedtls/ssl.h>
#include <uv.h>

struct tls_config {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    int ciphersuites[256]; /* the offered list, 0-terminated; conf points into it */
    mbedtls_ecp_group_id curves[MBEDTLS_ECP_DP_MAX + 1]; /* offered curves, fastest first */
};

/* Returns a new configuration (TLS 1.0-1.2, wide cipher list, no certificate verification:
 * every chain is accepted and recorded), or NULL with a message in err. Caller frees. */
struct tls_config *tls_config_new(char *err, size_t errlen);
void tls_config_free(struct tls_config *cfg);
/* len unpredictable octets from the configuration's CTR_DRBG (the version probe's ClientHello
 * random, session id and key share). 0, or -1 when the DRBG fails. */
int tls_config_random(struct tls_config *cfg, unsigned char *buf, size_t len);

enum tls_step {
    TLS_STEP_AGAIN,     /* needs more input: wait for the stream */
    TLS_STEP_DONE,      /* handshake complete */
    TLS_STEP_CERT_SEEN, /* stop_after_certificate: the server Certificate has been parsed */
    TLS_STEP_ERROR,     /* failed: tls_conn_error_str says why */
};

/* DER copy of one certificate of the peer chain. */
struct tls_der {
    unsigned char *der;
    size_t len;
};

struct tls_conn {
    mbedtls_ssl_context ssl;
    uv_stream_t *stream;
    int stop_after_certificate;
    /* received ciphertext not yet consumed by mbedTLS */
    unsigned char *in;
    size_t in_len, in_off, in_cap;
    /* set by a failed write; reported to mbedTLS on its next send and to the owner */
    int write_status;
    void (*on_write_error)(void *arg, int uv_status);
    void *arg;
    int last_error; /* last mbedTLS error code, 0 if none */
};

/* Prepares a client connection over stream. sni may be NULL (no server_name extension).
 * on_write_error(arg, status) runs when a uv_write fails (status != UV_ECANCELED). Returns 0
 * or an mbedTLS error; tls_conn_free is needed in both cases. */
int tls_conn_init(struct tls_conn *c, const struct tls_config *cfg, uv_stream_t *stream,
                  const char *sni, int stop_after_certificate,
                  void (*on_write_error)(void *arg, int uv_status), void *arg);
/* Appends ciphertext from the stream. */
void tls_conn_feed(struct tls_conn *c, const char *buf, size_t len);
/* Steps the handshake as far as the input allows. */
enum tls_step tls_conn_handshake(struct tls_conn *c);
/* After TLS_STEP_DONE: sends application data. Returns 0 or an mbedTLS error. */
int tls_conn_write(struct tls_conn *c, const char *buf, size_t len);
/* After TLS_STEP_DONE: reads application data into buf. Returns the octet count, 0 when more
 * input is needed, or a negative mbedTLS error (MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY at the end). */
int tls_conn_read(struct tls_conn *c, char *buf, size_t len);
/* Sends close_notify (best effort). */
void tls_conn_close_notify(struct tls_conn *c);
/* When the last error was an alert the server sent (a fatal one, or close_notify in the middle
 * of the handshake): its description (0..255), and its level in *level when level is not NULL;
 * -1 otherwise. */
int tls_conn_peer_alert(const struct tls_conn *c, int *level);
/* 1 when the last error is this client's own limit, not the server's fault: a handshake
 * message (in practice the Certificate message of a chain over 16 KB) longer than the TLS
 * record that carries its start. TLS lets a server split a handshake message over several
 * records, and must when it exceeds one record's 16384 octets, but mbedTLS 2.28 reassembles
 * none (MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE, -0x7080); nor can a client raise its input
 * buffer (MBEDTLS_SSL_IN_CONTENT_LEN is compile-time, 16384 in Debian's build; both
 * max_fragment_length and MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH, which Debian leaves off, only
 * lower it), and no record may exceed 16384 octets anyway. */
int tls_conn_client_limit(const struct tls_conn *c);
/* Describes the last error: "fatal alert from server: handshake_failure(40)" for an alert the
 * server sent, the limit above in words for tls_conn_client_limit, else mbedTLS's words ("mbedTLS -0x7200: SSL - An invalid SSL record ..."). */
void tls_conn_error_str(const struct tls_conn *c, char *buf, size_t len);
/* "TLSv1.2" etc. once the ServerHello is processed, else NULL. Static string. */
const char *tls_conn_version(const struct tls_conn *c);
/* IANA cipher suite name once the ServerHello is processed, else NULL. Caller frees. */
char *tls_conn_cipher(const struct tls_conn *c);
/* DER copies of the peer chain, leaf first, as far as it was received (also after a failure
 * later in the handshake). Sets *n; returns NULL when there is none. Caller frees each der and
 * the array. */
struct tls_der *tls_conn_peer_chain(const struct tls_conn *c, size_t *n);
void tls_conn_free(struct tls_conn *c);

#endif

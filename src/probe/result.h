/* result: what one probe found, the record the probe stage fills and hands over (probe.h
 * starts probes; smtp.c fills this record and gives it to a result sink, a probe_cb). Plain
 * data and its vocabulary; no I/O.
 *
 * Ownership: a probe_result and everything it points to belong to whoever holds it; the sink
 * receives ownership and frees it with probe_result_free.
 */
#ifndef MXS_PROBE_RESULT_H
#define MXS_PROBE_RESULT_H
#include <stddef.h>

#include "cert.h"

enum probe_status {
    PROBE_OK,               /* TLS handshake done: a session was made */
    PROBE_NO_STARTTLS,      /* EHLO reply does not advertise STARTTLS */
    PROBE_STARTTLS_REFUSED, /* STARTTLS answered with something other than 220 */
    PROBE_TLS_FAILED,       /* handshake failed, or the connection closed during it */
    PROBE_CONNECT_FAILED,   /* TCP connect refused or unreachable, or a bad address */
    PROBE_TIMEOUT,          /* some phase took longer than timeout_ms; also probe_abort */
    PROBE_SMTP_ERROR,       /* greeting or EHLO refused, malformed reply, closed or reset */
    PROBE_BLOCKED,          /* never probed: the address is on the blocklist (blocklist.h); the
                               scheduler's verdict, no probe ever returns it */
    PROBE_CERT_SEEN,        /* certificate mode (probe_params.stop_after_certificate): the
                               server's Certificate message was received and parsed, and the
                               probe stopped there by design. No session was made, so whether
                               one would complete is not known (a server may still abort, as
                               OpenSMTPD does with internal_error after its Certificate); the
                               chain is there for names and trust */
};

/* "ok", "no-starttls", "starttls-refused", "tls-failed", "connect-failed", "timeout",
 * "smtp-error", "blocked", "cert-seen": the one spelling of each status, which every output,
 * reader and report takes from here. */
const char *probe_status_str(enum probe_status s);

struct probe_result {
    enum probe_status status;
    char *error;        /* why, for any status but ok; NULL otherwise. In the text notation
                         * of text.h: server text in it (a refused reply) is escaped there,
                         * the rest is plain ASCII */
    int smtp_code;      /* last reply code before QUIT, 0 if none */
    int temporary;      /* the failure was a 4xx reply: worth a retry later */
    char *banner_host;  /* first token of the greeting text, NULL if none; text notation
                         * (text.h: a NUL or an invalid octet as \xHH) */
    char *ehlo_host;    /* first token of the EHLO reply text, NULL if none; the same */
    char *tls_version;  /* the session's version as this client negotiated it: "TLSv1.2",
                         * "TLSv1.1", "TLSv1.0"; NULL unless status is ok (a failed handshake,
                         * or one stopped at the certificate, made no session, whatever its
                         * ServerHello said) */
    char *tls_cipher;   /* the session's IANA suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
                         * NULL unless status is ok */
    struct cert_info **chain; /* as the server sent it, leaf first; may be non-empty even
                               * when the handshake failed after the Certificate message */
    size_t chain_len;
    int tls_started;    /* STARTTLS was answered 220: the server got as far as TLS */
    int starttls_injection; /* the server sent octets after its 220 to STARTTLS, before the
                         * TLS handshake (response injection, CVE-2011-0411 class): they were
                         * discarded, never read as SMTP or TLS. Only meaningful with
                         * tls_started. Octets that arrive in a later read than the 220 reach
                         * the TLS layer and fail the handshake instead */
    int tls_client_limit; /* tls-failed on this client's own limit, not the server's fault:
                         * a handshake message split over several TLS records, which mbedTLS
                         * 2.28 cannot reassemble (a chain over 16 KB; tls.h) */
    int tls_alert;      /* the alert the server sent that ended the handshake (a fatal one, or
                         * close_notify), as its description 0..255; -1 when none */
    /* Version probe only (probe_params.version_probe): the server's answer, as tlshello.h's
     * struct tlshello_result reads it; vp_kind 0 when none was read. */
    int vp_kind;        /* enum tlshello_kind, or 0 */
    unsigned vp_version, vp_cipher, vp_group;
};

/* Frees res and everything it owns; NULL is fine. */
void probe_result_free(struct probe_result *res);

/* The result sink: called once per probe with its result; ownership of res passes to the
 * callee (free with probe_result_free). */
typedef void (*probe_cb)(void *arg, struct probe_result *res);

#endif

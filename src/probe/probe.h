/* probe: the probe stage's public entry. One probe = one TCP connection to one MX address:
 * greeting, EHLO, STARTTLS, TLS handshake (chain, version, cipher captured), QUIT. The
 * scheduler starts probes on a libuv loop and gets exactly one callback per probe.
 *
 * Ownership: the caller owns the probe_ctx (one per loop, shared by all probes on it, freed
 * after the last probe's callback); probe_start copies what it needs from the params; the
 * result passed to the callback belongs to the callee (probe_result_free).
 * Nothing here is global: several loops (threads) each use their own probe_ctx.
 */
#ifndef MXS_PROBE_H
#define MXS_PROBE_H
#include <stddef.h>

#include <sys/socket.h>
#include <uv.h>

#include "cert.h"

struct tls_config;

/* Per loop: the TLS configuration (mbedtls_ssl_config, entropy, CTR_DRBG) and options. Not
 * thread-safe: use one per loop. */
struct probe_ctx {
    struct tls_config *tls; /* owned */
    int quit_wait_ms;       /* how long to wait for 221 after QUIT (capped by timeout_ms) */
    /* One read buffer for all probes of the loop: libuv pairs every alloc with its read
     * callback, and each read is consumed (copied into the reply parser or the TLS input)
     * inside that callback, so memory per probe does not include a read buffer. */
    char read_buf[65536];
};

/* Returns a new context, or NULL with *err set to a message the caller frees. */
struct probe_ctx *probe_ctx_new(char **err);
/* Frees ctx and its TLS configuration; only after every probe using it has called back. */
void probe_ctx_free(struct probe_ctx *ctx);

enum probe_status {
    PROBE_OK,               /* TLS handshake done (or the certificate seen, in that mode) */
    PROBE_NO_STARTTLS,      /* EHLO reply does not advertise STARTTLS */
    PROBE_STARTTLS_REFUSED, /* STARTTLS answered with something other than 220 */
    PROBE_TLS_FAILED,       /* handshake failed, or the connection closed during it */
    PROBE_CONNECT_FAILED,   /* TCP connect refused or unreachable, or a bad address */
    PROBE_TIMEOUT,          /* some phase took longer than timeout_ms; also probe_abort */
    PROBE_SMTP_ERROR,       /* greeting or EHLO refused, malformed reply, closed or reset */
    PROBE_BLOCKED,          /* never probed: the address is on the blocklist (blocklist.h); the
                               scheduler's verdict, no probe ever returns it */
};

/* "ok", "no-starttls", "starttls-refused", "tls-failed", "connect-failed", "timeout",
 * "smtp-error", "blocked". */
const char *probe_status_str(enum probe_status s);

struct probe_params {
    const char *mx_host;   /* SNI (omitted when NULL, an IP literal or over 255 characters);
                              trailing dot dropped */
    const char *ip;        /* IPv4 or IPv6 literal (IPv6 may carry a %scope) */
    int port;              /* usually 25 */
    const struct sockaddr *source; /* the local address to bind the connection to (its port 0:
                              any), of the socket's family (AF_INET6 for an IPv4-mapped ip);
                              NULL: the kernel's choice. The EHLO address literal follows it,
                              being read from the socket */
    const char *ehlo_name; /* our EHLO argument; NULL: the address literal of the connection's
                              local address ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321
                              4.1.1.1 and 4.1.3), read once the connection is made */
    int timeout_ms;        /* per phase: connect, greeting, EHLO, STARTTLS, handshake (> 0) */
    int stop_after_certificate; /* close right after the server Certificate message */
    /* The version probe instead of our TLS handshake: after STARTTLS's 220, send our own
     * ClientHello offering TLS 1.3 down to 1.0 (tlshello.h), read the server's first answer
     * (ServerHello, HelloRetryRequest or alert) into the result's vp_* fields, and close.
     * Status ok when a ServerHello or HelloRetryRequest was read. */
    int version_probe;
    /* Optional: every line sent ('C'), received ('S'), and notes ('*'), without line ending.
     * Called from loop callbacks; server lines are in the text notation of text.h (a NUL or
     * an invalid octet as \xHH, control characters kept): the consumer escapes them further
     * for its output (text_visible for a terminal). */
    void (*transcript)(void *arg, char dir, const char *line);
    void *transcript_arg;
};

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
                         * "TLSv1.1", "TLSv1.0"; NULL unless status is ok (a failed handshake
                         * made no session, whatever its ServerHello said) */
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

/* res: ownership passes to the callee (free with probe_result_free). */
typedef void (*probe_cb)(void *arg, struct probe_result *res);

struct probe;

/* Starts a probe. cb is called exactly once, from the loop, never inside probe_start, after
 * every handle of the probe is closed; the probe pointer is invalid from then on. */
struct probe *probe_start(struct probe_ctx *ctx, uv_loop_t *loop, const struct probe_params *p,
                          probe_cb cb, void *arg);
/* For shutdown: stops the probe now; cb is still called once (status timeout, error
 * "aborted in <phase>"). Only valid before cb has run. */
void probe_abort(struct probe *p);

#endif

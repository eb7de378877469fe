/* params: what a probe is given: the per-loop context (probe_ctx, made by probe_ctx_new in
 * probe.h) and the per-probe parameters (probe_params). Plain declarations, shared by the
 * stage's public face (probe.h) and the SMTP session (smtp.h) that runs the probe.
 */
#ifndef MXS_PROBE_PARAMS_H
#define MXS_PROBE_PARAMS_H
#include <sys/socket.h>

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
    int stop_after_certificate; /* certificate mode (--mode cert): close right after the
                              server's Certificate message, status cert-seen (result.h) */
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

#endif

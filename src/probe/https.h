/* https: fetches of one small text resource over HTTPS on the scanner's libuv loop, for the
 * MTA-STS policy (RFC 8461 §3.3), through libcurl's multi-socket interface (curl does HTTP and
 * TLS; this file hands it the loop's sockets and timers).
 *
 * What a fetch is allowed to do, whatever the server says:
 *   - HTTPS only, to the address the caller resolved (CURLOPT_RESOLVE pins HOST:PORT to it):
 *     curl never asks the system's resolver, so every DNS question stays with --resolver, and
 *     the blocklist is the caller's to apply before the fetch;
 *   - no redirect is followed (RFC 8461 §3.3: "senders MUST NOT follow redirects"): a 3xx is
 *     the status "redirect";
 *   - the certificate must chain to the trust anchors (--ca-file) and match HOST (curl's
 *     checks, OpenSSL behind it);
 *   - at most HTTPS_BODY_MAX octets of body (more: "too-large", the transfer is cut);
 *   - a connect timeout and an overall timeout (the caller's), no proxy from the environment,
 *     no cookies, no signals (CURLOPT_NOSIGNAL).
 *
 * Statuses (https_status_str): "ok" (200 with a body), "http-status" (another final status),
 * "redirect", "too-large", "bad-certificate" (chain or name), "tls-failed" (no TLS session),
 * "connect-failed", "timeout", "fetch-failed" (anything else curl reports; the message says).
 *
 * Ownership: an https_client belongs to one uv loop and is freed with https_client_close (its
 * handles closed; freed in the last close callback, libuv's lifecycle), after which no callback
 * comes. A fetch's result (body, content_type, error) is the callback's to keep or free with
 * https_result_clear. */
#ifndef MXS_HTTPS_H
#define MXS_HTTPS_H
#include <stddef.h>

#include <uv.h>

#define HTTPS_BODY_MAX 65536

enum https_status {
    HTTPS_OK,
    HTTPS_HTTP_STATUS,
    HTTPS_REDIRECT,
    HTTPS_TOO_LARGE,
    HTTPS_BAD_CERTIFICATE,
    HTTPS_TLS_FAILED,
    HTTPS_CONNECT_FAILED,
    HTTPS_TIMEOUT,
    HTTPS_FETCH_FAILED,
};
const char *https_status_str(enum https_status s);

struct https_result {
    enum https_status status;
    long http_code;     /* the final HTTP status, 0 when none came */
    char *body;         /* NUL-terminated (the body may hold NULs: body_len counts) */
    size_t body_len;
    char *content_type; /* as the server sent it, or NULL */
    char *error;        /* curl's words for what failed, or NULL */
};
void https_result_clear(struct https_result *r);

struct https_opts {
    const char *ca_file;    /* trust anchors (PEM bundle); NULL: curl's default */
    long connect_timeout_ms;
    long timeout_ms;        /* the whole fetch */
    const char *user_agent;
};

struct https_client;
typedef void (*https_cb)(void *arg, struct https_result *res);

/* NULL with err set when curl cannot be set up. */
struct https_client *https_client_new(uv_loop_t *loop, const struct https_opts *o, char *err,
                                      size_t errlen);
/* Starts a fetch of https://HOST:PORT/PATH from the address ip (a literal). cb is called once,
 * from the loop, unless the client is closed first. Returns 0, or -1 (bad arguments; no cb). */
int https_fetch(struct https_client *c, const char *host, const char *ip, int port,
                const char *path, https_cb cb, void *arg);
/* Fetches started and not finished. */
int https_active(const struct https_client *c);
/* Cancels what is in flight (no callbacks) and frees the client once its handles are closed. */
void https_client_close(struct https_client *c);

#endif

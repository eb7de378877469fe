/* smtp: the session state machine (greeting -> EHLO -> STARTTLS -> TLS handshake -> QUIT) that
 * one probe runs over one TCP connection, reading replies with smtp_reply.h's parser. It is
 * given the per-loop context and the parameters (params.h), fills a probe result (result.h) and
 * hands it to a result sink (probe_cb). probe.c is its public face: see probe.h for the
 * contract (callback once, never synchronously, result ownership passes to the callee).
 */
#ifndef MXS_SMTP_H
#define MXS_SMTP_H
#include <stddef.h>

#include <uv.h>

#include "params.h"
#include "result.h"
#include "smtp_reply.h"

/* ---- EHLO argument --------------------------------------------------------------------- */

/* Room for "[IPv6:" + the longest IPv6 text + "]". */
#define SMTP_ADDRESS_LITERAL_MAX 64
struct sockaddr;
/* The RFC 5321 4.1.3 address literal of sa: "[192.0.2.1]" or "[IPv6:2001:db8::1]" (an
 * IPv4-mapped IPv6 address is written as IPv4). 0, or -1 when it does not fit or sa is neither
 * IPv4 nor IPv6. */
int smtp_address_literal(const struct sockaddr *sa, char *buf, size_t len);

/* ---- session --------------------------------------------------------------------------- */

enum smtp_state {
    SMTP_STATE_CONNECTING,    /* TCP connect in progress */
    SMTP_STATE_GREETING,      /* waiting for the whole greeting; we never talk before it */
    SMTP_STATE_EHLO,          /* EHLO sent, waiting for its reply */
    SMTP_STATE_STARTTLS,      /* STARTTLS sent, waiting for 220 */
    SMTP_STATE_TLS_HANDSHAKE, /* mbedTLS handshake in progress */
    SMTP_STATE_VERSION_PROBE, /* our own ClientHello sent, reading the server's first answer */
    SMTP_STATE_QUIT,          /* QUIT sent (in clear or over TLS), waiting briefly for 221 */
    SMTP_STATE_DONE,          /* handles closing; the callback runs from the last close */
};

const char *smtp_state_str(enum smtp_state s);

struct smtp_session;

/* Starts one probe session (see probe_start). The session copies what it needs from params;
 * it lives until its callback has run, after which the pointer is invalid. */
struct smtp_session *smtp_session_start(struct probe_ctx *ctx, uv_loop_t *loop,
                                        const struct probe_params *params, probe_cb sink,
                                        void *arg);
/* Stops a running session at once (status timeout, error "aborted in <state>"); the callback
 * still runs once. No effect once the session is already closing. */
void smtp_session_abort(struct smtp_session *s);

#endif

/* smtp: the SMTP side of a probe.
 *
 * Exchange (RFC 5321, RFC 3207):
 *   connect -> S: 220 greeting (possibly multi-line; we wait for its last line and never send
 *   earlier: servers drop clients that talk first) -> C: EHLO name -> S: 250 reply with
 *   extensions -> C: STARTTLS -> S: 220 -> TLS handshake (tls.c) -> C: QUIT over TLS -> S: 221
 *   (waited for briefly) -> close.
 * There is no HELO fallback when EHLO is refused: STARTTLS is an ESMTP extension advertised
 * only in the EHLO reply (RFC 3207 4), so a server refusing EHLO cannot offer it; the probe
 * reports smtp-error. After a refusal (greeting 4xx/5xx, EHLO refused, no STARTTLS, STARTTLS
 * refused) we still send QUIT and wait briefly for 221, as RFC 5321 3.1/4.1.1.10 ask.
 * Octets the server sends after its 220 to STARTTLS and before the handshake are discarded
 * (RFC 3207 5 / response injection): a TLS server never speaks first.
 * The EHLO argument is the caller's name, or the address literal of the connection's local
 * address ("[192.0.2.1]", RFC 5321 4.1.3), never a bare host name (RFC 5321 4.1.1.1).
 * Replies are read by smtp_reply.c's parser. The version probe (params.h) runs the same
 * dialogue up to STARTTLS's 220, then sends our own ClientHello offering TLS 1.3..1.0
 * (tlshello.c), reads only the server's first answer and closes: what the server supports
 * beyond mbedTLS's TLS 1.2.
 *
 * Failure classes (result.h): connect refused/unreachable -> connect-failed; a phase longer than
 * timeout_ms -> timeout ("timeout in <phase>"); greeting or EHLO 4xx/5xx, a malformed reply, the
 * connection closed or reset before the handshake -> smtp-error (temporary for 4xx); no
 * STARTTLS keyword -> no-starttls; STARTTLS answered non-220 -> starttls-refused (temporary for
 * 4xx); handshake failure or close during it -> tls-failed with the mbedTLS error text.
 *
 * Lifecycle (libuv handle.rst): the session embeds its uv_tcp_t and uv_timer_t, finds itself
 * again with container_of, uv_close()s both when done (`closing` guards every callback after
 * that) and frees itself in the last close callback, where the probe callback runs. Since close
 * callbacks run on a later loop iteration, the callback is never called inside
 * smtp_session_start.
 */
#include "smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "core/stream.h"
#include "tls.h"
#include "tlshello.h"
#include "core/util.h"

/* ---- session --------------------------------------------------------------------------- */

enum smtp_event {
    EV_CONNECTED,
    EV_CONNECT_FAILED, /* status: uv error */
    EV_REPLY,          /* the parser holds a complete reply */
    EV_TLS_INPUT,      /* ciphertext was fed to the TLS layer */
    EV_EOF,
    EV_IO_ERROR,       /* status: uv error of a read or write */
    EV_TIMEOUT,
    EV_ABORT,
};

struct smtp_session {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    struct probe_ctx *ctx;
    enum smtp_state state;
    int closing;      /* uv_close issued: no more I/O, events are ignored */
    int open_handles; /* the close callback that brings this to 0 delivers the result */
    int finished;     /* status recorded (the first outcome wins) */
    int tls_active;   /* tls_conn_init called: tls_conn_free needed */
    int tls_ready;    /* handshake complete: QUIT goes over TLS */
    struct smtp_reply_parser parser;
    struct tls_conn tls;
    char *ip, *sni, *ehlo_name;
    int port, timeout_ms, stop_after_certificate, version_probe;
    struct tlshello_reader *hello; /* the version probe's reader, from its ClientHello on */
    void (*transcript)(void *arg, char dir, const char *line);
    void *transcript_arg;
    struct probe_result *res;
    probe_cb cb;
    void *cb_arg;
};

static void dispatch(struct smtp_session *s, enum smtp_event ev, int status);

const char *smtp_state_str(enum smtp_state st)
{
    switch (st) {
    case SMTP_STATE_CONNECTING: return "connect";
    case SMTP_STATE_GREETING: return "greeting";
    case SMTP_STATE_EHLO: return "ehlo";
    case SMTP_STATE_STARTTLS: return "starttls";
    case SMTP_STATE_TLS_HANDSHAKE: return "tls-handshake";
    case SMTP_STATE_VERSION_PROBE: return "version-probe";
    case SMTP_STATE_QUIT: return "quit";
    case SMTP_STATE_DONE: return "done";
    }
    return "unknown";
}

static void note(struct smtp_session *s, char dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(struct smtp_session *s, char dir, const char *fmt, ...)
{
    if (!s->transcript)
        return;
    char line[SMTP_LINE_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    s->transcript(s->transcript_arg, dir, line);
}

/* Reply line i of the parser for the transcript, in the text notation (a NUL is \x00). */
static void note_line(struct smtp_session *s, size_t i)
{
    char *t = smtp_reply_line_text(&s->parser, i);
    note(s, 'S', "%s", t);
    free(t);
}

/* ---- closing and delivering ------------------------------------------------------------ */

static void session_free(struct smtp_session *s)
{
    smtp_reply_parser_free(&s->parser);
    if (s->tls_active)
        tls_conn_free(&s->tls);
    free(s->ip);
    free(s->sni);
    free(s->ehlo_name);
    free(s->hello);
    free(s);
}

static void close_cb(uv_handle_t *h)
{
    struct smtp_session *s = h->data;
    if (--s->open_handles > 0)
        return;
    struct probe_result *res = s->res;
    probe_cb cb = s->cb;
    void *arg = s->cb_arg;
    if (!s->finished) { /* cannot happen: every path to close records an outcome first */
        res->status = PROBE_SMTP_ERROR;
        res->error = xstrdup("internal: closed without an outcome");
    }
    /* Free first: the callback may free the probe_ctx our TLS state points into. */
    session_free(s);
    cb(arg, res);
}

static void session_close(struct smtp_session *s)
{
    if (s->closing)
        return;
    s->closing = 1;
    s->state = SMTP_STATE_DONE;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, close_cb);
    uv_close((uv_handle_t *)&s->tcp, close_cb);
}

/* Records the outcome (only the first one counts). fmt NULL: no error text. */
static void record(struct smtp_session *s, enum probe_status st, int temporary, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static void record(struct smtp_session *s, enum probe_status st, int temporary, const char *fmt,
                   ...)
{
    if (s->finished)
        return;
    s->finished = 1;
    s->res->status = st;
    s->res->temporary = temporary;
    if (fmt) {
        char msg[SMTP_LINE_MAX + 128];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        s->res->error = xstrdup(msg);
    }
    note(s, '*', "%s%s%s", probe_status_str(st), s->res->error ? ": " : "",
         s->res->error ? s->res->error : "");
}

/* ---- phases, timer, writes ------------------------------------------------------------- */

static void timer_cb(uv_timer_t *t)
{
    dispatch(t->data, EV_TIMEOUT, 0);
}

/* Enters a phase and gives it its own time budget. */
static void enter(struct smtp_session *s, enum smtp_state st)
{
    if (s->closing)
        return;
    s->state = st;
    uint64_t ms = (uint64_t)s->timeout_ms;
    if (st == SMTP_STATE_QUIT && s->ctx->quit_wait_ms < s->timeout_ms)
        ms = (uint64_t)s->ctx->quit_wait_ms;
    uv_timer_start(&s->timer, timer_cb, ms, 0);
}

static void write_done(void *arg, int status)
{
    if (status < 0 && status != UV_ECANCELED)
        dispatch(arg, EV_IO_ERROR, status);
}

/* Sends one command line, in clear or over TLS. Call after enter(): a failure closes. */
static void send_line(struct smtp_session *s, const char *cmd)
{
    if (s->closing)
        return;
    note(s, 'C', "%s", cmd);
    char buf[600];
    int n = snprintf(buf, sizeof(buf), "%s\r\n", cmd);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        record(s, PROBE_SMTP_ERROR, 0, "command too long");
        session_close(s);
        return;
    }
    if (s->tls_ready) {
        if (tls_conn_write(&s->tls, buf, (size_t)n) != 0)
            session_close(s); /* only QUIT is sent over TLS: the outcome is already known */
        return;
    }
    int r = stream_write_copy((uv_stream_t *)&s->tcp, buf, (size_t)n, write_done, s);
    if (r < 0)
        dispatch(s, EV_IO_ERROR, r);
}

/* Polite end: the outcome is known; say QUIT and wait briefly for 221. */
static void quit(struct smtp_session *s)
{
    enter(s, SMTP_STATE_QUIT);
    send_line(s, "QUIT");
}

/* Records the reply code; 1 for a 4xx reply. */
static int reply_seen(struct smtp_session *s)
{
    s->res->smtp_code = s->parser.code;
    return s->parser.code / 100 == 4;
}

/* ---- one function per state ------------------------------------------------------------ */

/* Connection lost or failed I/O before the handshake. */
static void lost(struct smtp_session *s, enum smtp_event ev, int status)
{
    if (ev == EV_EOF)
        record(s, PROBE_SMTP_ERROR, 0, "connection closed by server in %s",
               smtp_state_str(s->state));
    else
        record(s, PROBE_SMTP_ERROR, 0, "I/O error in %s: %s", smtp_state_str(s->state),
               uv_strerror(status));
    session_close(s);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct smtp_session *s = h->data;
    buf->base = s->ctx->read_buf;
    buf->len = sizeof(s->ctx->read_buf);
}

static void handle_input(struct smtp_session *s, const char *data, size_t len);

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct smtp_session *s = st->data;
    if (s->closing || nread == 0)
        return;
    if (nread < 0) {
        dispatch(s, nread == UV_EOF ? EV_EOF : EV_IO_ERROR, (int)nread);
        return;
    }
    handle_input(s, buf->base, (size_t)nread);
}

static void on_connecting(struct smtp_session *s, enum smtp_event ev, int status)
{
    if (ev == EV_CONNECT_FAILED) {
        record(s, PROBE_CONNECT_FAILED, 0, "connect: %s", uv_strerror(status));
        session_close(s);
        return;
    }
    if (ev != EV_CONNECTED)
        return;
    note(s, '*', "connected to %s port %d", s->ip, s->port);
    if (!s->ehlo_name) {
        char lit[SMTP_ADDRESS_LITERAL_MAX];
        struct sockaddr_storage local;
        int len = (int)sizeof(local);
        int r = uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&local, &len);
        if (r < 0 || smtp_address_literal((struct sockaddr *)&local, lit, sizeof(lit)) < 0) {
            record(s, PROBE_CONNECT_FAILED, 0, "cannot read our local address for EHLO: %s",
                   r < 0 ? uv_strerror(r) : "unknown address family");
            session_close(s);
            return;
        }
        s->ehlo_name = xstrdup(lit);
    }
    int r = uv_read_start((uv_stream_t *)&s->tcp, alloc_cb, read_cb);
    if (r < 0) {
        lost(s, EV_IO_ERROR, r);
        return;
    }
    enter(s, SMTP_STATE_GREETING);
}

/* A whole reply is in the parser; temp: it was a 4xx. */
static void on_greeting(struct smtp_session *s, int temp)
{
    free(s->res->banner_host);
    s->res->banner_host = smtp_reply_first_token(&s->parser);
    if (s->parser.code != 220) {
        char *line = smtp_reply_line_text(&s->parser, 0);
        record(s, PROBE_SMTP_ERROR, temp, "greeting refused: %s", line);
        free(line);
        quit(s);
        return;
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "EHLO %s", s->ehlo_name);
    enter(s, SMTP_STATE_EHLO);
    send_line(s, cmd);
}

/* A whole reply is in the parser; temp: it was a 4xx. */
static void on_ehlo(struct smtp_session *s, int temp)
{
    if (s->parser.code != 250) {
        char *line = smtp_reply_line_text(&s->parser, 0);
        record(s, PROBE_SMTP_ERROR, temp, "EHLO refused: %s", line);
        free(line);
        quit(s);
        return;
    }
    s->res->ehlo_host = smtp_reply_first_token(&s->parser);
    if (!smtp_reply_has_keyword(&s->parser, "STARTTLS")) {
        record(s, PROBE_NO_STARTTLS, 0, "STARTTLS not advertised in the EHLO reply");
        quit(s);
        return;
    }
    enter(s, SMTP_STATE_STARTTLS);
    send_line(s, "STARTTLS");
}

static void tls_write_error(void *arg, int status)
{
    dispatch(arg, EV_IO_ERROR, status);
}

/* Copies the chain into the result, as far as the handshake got, and with `session` the
 * version and cipher: only for a session that was made: a failed handshake, or one stopped at
 * the certificate, has no session, whatever its ServerHello said. */
static void capture_tls(struct smtp_session *s, int session)
{
    struct probe_result *res = s->res;
    if (session) {
        const char *v = tls_conn_version(&s->tls);
        free(res->tls_version);
        res->tls_version = v ? xstrdup(v) : NULL;
        free(res->tls_cipher);
        res->tls_cipher = tls_conn_cipher(&s->tls);
    }
    if (res->chain_len > 0)
        return;
    size_t n = 0;
    struct tls_der *ders = tls_conn_peer_chain(&s->tls, &n);
    if (n > 0)
        res->chain = xcalloc(n, sizeof(*res->chain));
    for (size_t i = 0; i < n; i++) {
        res->chain[i] = cert_info_from_der(ders[i].der, ders[i].len);
        free(ders[i].der);
    }
    res->chain_len = n;
    free(ders);
}

static void tls_failed(struct smtp_session *s, const char *what)
{
    capture_tls(s, 0);
    s->res->tls_alert = tls_conn_peer_alert(&s->tls, NULL);
    s->res->tls_client_limit = tls_conn_client_limit(&s->tls);
    record(s, PROBE_TLS_FAILED, 0, "%s", what);
    session_close(s);
}

/* Steps the handshake as far as the received octets allow. */
static void tls_progress(struct smtp_session *s)
{
    char err[256];
    switch (tls_conn_handshake(&s->tls)) {
    case TLS_STEP_AGAIN:
        return;
    case TLS_STEP_ERROR:
        tls_conn_error_str(&s->tls, err, sizeof(err));
        tls_failed(s, err);
        return;
    case TLS_STEP_CERT_SEEN: {
        /* Certificate mode: the chain is what was asked for. No session was made (and none is
         * claimed: no version or cipher in the result), so the status says only that. */
        capture_tls(s, 0);
        const char *v = tls_conn_version(&s->tls);
        char *c = tls_conn_cipher(&s->tls);
        note(s, '*', "certificate received (%zu in chain; ServerHello %s %s), stopping before "
             "the key exchange", s->res->chain_len, v ? v : "?", c ? c : "?");
        free(c);
        record(s, PROBE_CERT_SEEN, 0, NULL);
        session_close(s);
        return;
    }
    case TLS_STEP_DONE:
        capture_tls(s, 1);
        note(s, '*', "TLS handshake done: %s %s, %zu certificate(s)", s->res->tls_version,
             s->res->tls_cipher, s->res->chain_len);
        record(s, PROBE_OK, 0, NULL);
        s->tls_ready = 1;
        smtp_reply_parser_free(&s->parser);
        smtp_reply_parser_init(&s->parser);
        quit(s);
        return;
    }
}

/* The version probe: our own ClientHello (tlshello.h) in place of mbedTLS's, which cannot
 * offer TLS 1.3. Only the server's first answer is read; then the connection is closed
 * without finishing the handshake (there is nothing to say in a TLS we cannot speak). */
static void version_probe_start(struct smtp_session *s)
{
    enter(s, SMTP_STATE_VERSION_PROBE);
    uint8_t rnd[96], hello[TLSHELLO_BUILD_MAX];
    if (tls_config_random(s->ctx->tls, rnd, sizeof(rnd)) < 0) {
        record(s, PROBE_TLS_FAILED, 0, "version probe: random generator failed");
        session_close(s);
        return;
    }
    rnd[64] |= 1; /* an all-zero X25519 share would make a server abort (RFC 7748 6.1) */
    size_t n = tlshello_build(hello, sizeof(hello), s->sni, rnd, rnd + 32, rnd + 64);
    s->hello = xmalloc(sizeof(*s->hello));
    tlshello_reader_init(s->hello);
    note(s, 'C', "(ClientHello offering TLSv1.3 to TLSv1.0, %zu octets)", n);
    int r = n ? stream_write_copy((uv_stream_t *)&s->tcp, hello, n, write_done, s) : UV_ENOBUFS;
    if (r < 0)
        dispatch(s, EV_IO_ERROR, r);
}

static void on_version_probe(struct smtp_session *s, enum smtp_event ev, int status)
{
    struct probe_result *res = s->res;
    if (ev == EV_EOF || ev == EV_IO_ERROR) {
        record(s, PROBE_TLS_FAILED, 0, "version probe: %s before the server's answer",
               ev == EV_EOF ? "connection closed by server" : uv_strerror(status));
        session_close(s);
        return;
    }
    if (ev != EV_TLS_INPUT || s->hello->status == TLSHELLO_NEED_MORE)
        return;
    if (s->hello->status == TLSHELLO_ERROR) {
        record(s, PROBE_TLS_FAILED, 0, "version probe: %s", s->hello->error);
        session_close(s);
        return;
    }
    const struct tlshello_result *h = &s->hello->result;
    char a[TLS_ALERT_NAME_LEN], c[TLS_CIPHER_NAME_LEN];
    res->vp_kind = (int)h->kind;
    if (h->kind == TLSHELLO_ALERT) {
        res->tls_alert = h->alert_desc;
        record(s, PROBE_TLS_FAILED, 0, "%s alert from server: %s",
               h->alert_level == 2 ? "fatal" : "warning", tls_alert_format(h->alert_desc, a, sizeof(a)));
    } else {
        res->vp_version = h->version;
        res->vp_cipher = h->cipher;
        res->vp_group = h->group;
        const char *v = tls_version_name(h->version), *g = tls_group_name(h->group);
        note(s, 'S', "(%s: %s, %s%s%s)", h->kind == TLSHELLO_HELLO_RETRY ? "HelloRetryRequest" : "ServerHello",
             v ? v : "unknown version", tls_cipher_name(h->cipher, c, sizeof(c)), g ? ", " : "", g ? g : "");
        record(s, PROBE_OK, 0, NULL);
    }
    session_close(s);
}

/* A whole reply is in the parser; temp: it was a 4xx. */
static void on_starttls(struct smtp_session *s, int temp)
{
    if (s->parser.code != 220) {
        char *line = smtp_reply_line_text(&s->parser, 0);
        record(s, PROBE_STARTTLS_REFUSED, temp, "STARTTLS refused: %s", line);
        free(line);
        quit(s);
        return;
    }
    s->res->tls_started = 1;
    if (s->version_probe) {
        version_probe_start(s);
        return;
    }
    enter(s, SMTP_STATE_TLS_HANDSHAKE);
    s->tls_active = 1;
    if (tls_conn_init(&s->tls, s->ctx->tls, (uv_stream_t *)&s->tcp, s->sni,
                      s->stop_after_certificate, tls_write_error, s) != 0) {
        char err[256];
        tls_conn_error_str(&s->tls, err, sizeof(err));
        tls_failed(s, err);
        return;
    }
    tls_progress(s); /* sends the ClientHello */
}

static void on_tls_handshake(struct smtp_session *s, enum smtp_event ev, int status)
{
    char err[256];
    switch (ev) {
    case EV_TLS_INPUT:
        tls_progress(s);
        break;
    case EV_EOF:
        tls_failed(s, "connection closed by server during the TLS handshake");
        break;
    case EV_IO_ERROR:
        snprintf(err, sizeof(err), "I/O error during the TLS handshake: %s",
                 uv_strerror(status));
        tls_failed(s, err);
        break;
    default:
        break;
    }
}

static void on_quit(struct smtp_session *s, enum smtp_event ev, int status)
{
    if (ev == EV_TLS_INPUT) {
        /* Decrypt what arrived and look for the end of the 221 reply. */
        char buf[4096];
        for (;;) {
            int n = tls_conn_read(&s->tls, buf, sizeof(buf));
            if (n == 0)
                return;
            if (n < 0) {
                session_close(s);
                return;
            }
            size_t off = 0, used = 0;
            while (off < (size_t)n && !s->closing) {
                enum smtp_feed_result r =
                    smtp_reply_feed(&s->parser, buf + off, (size_t)n - off, &used);
                off += used;
                if (r == SMTP_COMPLETE) {
                    for (size_t i = 0; i < s->parser.nlines; i++)
                        note_line(s, i);
                    tls_conn_close_notify(&s->tls);
                    session_close(s);
                } else if (r == SMTP_ERROR) {
                    session_close(s);
                }
            }
            if (s->closing)
                return;
        }
    }
    /* A reply in clear, EOF or an error: either way the conversation is over. */
    if (ev == EV_REPLY || ev == EV_EOF || ev == EV_IO_ERROR)
        session_close(s);
}

/* 1 for the phases in clear that wait for one whole reply (greeting, EHLO, STARTTLS); the QUIT
 * wait is not one of them: its reply changes nothing in the outcome. */
static int awaits_reply(enum smtp_state st)
{
    return st == SMTP_STATE_GREETING || st == SMTP_STATE_EHLO || st == SMTP_STATE_STARTTLS;
}

/* The one dispatcher: events that end any phase alike first (timeout, abort; for the phases
 * waiting for a reply, the connection lost), then the phase's own handler. */
static void dispatch(struct smtp_session *s, enum smtp_event ev, int status)
{
    if (s->closing)
        return;
    if (ev == EV_TIMEOUT || ev == EV_ABORT) {
        /* QUIT's wait is best effort: its end changes nothing in the outcome. */
        if (s->state != SMTP_STATE_QUIT) {
            if (ev == EV_TIMEOUT && s->state == SMTP_STATE_TLS_HANDSHAKE)
                capture_tls(s, 0);
            record(s, PROBE_TIMEOUT, 0, "%s in %s", ev == EV_TIMEOUT ? "timeout" : "aborted",
                   smtp_state_str(s->state));
        }
        session_close(s);
        return;
    }
    int temp = 0;
    if (awaits_reply(s->state)) {
        /* The phases in clear that wait for a reply share their start: the connection lost
         * ends them alike, anything but a whole reply is not yet theirs, and a reply's code
         * is recorded before the phase reads it. */
        if (ev == EV_EOF || ev == EV_IO_ERROR) {
            lost(s, ev, status);
            return;
        }
        if (ev != EV_REPLY)
            return;
        temp = reply_seen(s);
    }
    switch (s->state) {
    case SMTP_STATE_CONNECTING: on_connecting(s, ev, status); break;
    case SMTP_STATE_GREETING: on_greeting(s, temp); break;
    case SMTP_STATE_EHLO: on_ehlo(s, temp); break;
    case SMTP_STATE_STARTTLS: on_starttls(s, temp); break;
    case SMTP_STATE_TLS_HANDSHAKE: on_tls_handshake(s, ev, status); break;
    case SMTP_STATE_VERSION_PROBE: on_version_probe(s, ev, status); break;
    case SMTP_STATE_QUIT: on_quit(s, ev, status); break;
    case SMTP_STATE_DONE: break;
    }
}

/* Received octets: to the reply parser before the handshake, to the TLS layer after. */
static void handle_input(struct smtp_session *s, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len && !s->closing) {
        if (s->state == SMTP_STATE_VERSION_PROBE) {
            size_t used = 0;
            tlshello_reader_feed(s->hello, (const uint8_t *)data + off, len - off, &used);
            dispatch(s, EV_TLS_INPUT, 0);
            return;
        }
        if (s->state == SMTP_STATE_TLS_HANDSHAKE || s->tls_ready) {
            tls_conn_feed(&s->tls, data + off, len - off);
            dispatch(s, EV_TLS_INPUT, 0);
            return;
        }
        enum smtp_state before = s->state;
        size_t used = 0;
        enum smtp_feed_result r = smtp_reply_feed(&s->parser, data + off, len - off, &used);
        off += used;
        if (r == SMTP_ERROR) {
            record(s, PROBE_SMTP_ERROR, 0, "malformed reply in %s: %s",
                   smtp_state_str(s->state), s->parser.error);
            session_close(s);
            return;
        }
        if (r != SMTP_COMPLETE)
            return;
        for (size_t i = 0; i < s->parser.nlines; i++)
            note_line(s, i);
        if (s->parser.truncated)
            note(s, '*', "reply line longer than %d octets truncated", SMTP_LINE_MAX);
        dispatch(s, EV_REPLY, 0);
        if (before == SMTP_STATE_STARTTLS &&
            (s->state == SMTP_STATE_TLS_HANDSHAKE || s->state == SMTP_STATE_VERSION_PROBE)) {
            if (off < len) {
                s->res->starttls_injection = 1;
                note(s, '*', "discarded %zu octets sent after 220 to STARTTLS", len - off);
            }
            return;
        }
    }
}

/* ---- start and abort ------------------------------------------------------------------- */

/* SNI: a host name without its trailing dot; none for an IP literal (RFC 6066 3) or for a
 * name longer than any host name. */
static char *sni_name(const char *host)
{
    if (!host || !*host)
        return NULL;
    unsigned char tmp[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1)
        return NULL;
    char *n = xstrdup(host);
    size_t len = strlen(n);
    if (len > 1 && n[len - 1] == '.')
        n[--len] = '\0';
    if (len > 255) { /* not a host name (\DDD escapes); mbedTLS would refuse it outright */
        free(n);
        return NULL;
    }
    return n;
}

int smtp_address_literal(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    int n;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        if (!inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)))
            return -1;
        n = snprintf(buf, len, "[%s]", ip);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        /* An IPv4-mapped local address is an IPv4 connection: say it as one. */
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
            if (!inet_ntop(AF_INET, (const unsigned char *)&a->sin6_addr + 12, ip, sizeof(ip)))
                return -1;
            n = snprintf(buf, len, "[%s]", ip);
        } else {
            if (!inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip)))
                return -1;
            n = snprintf(buf, len, "[IPv6:%s]", ip);
        }
    } else {
        return -1;
    }
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int ehlo_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 255)
        return 0;
    for (; *n; n++)
        if ((unsigned char)*n <= ' ' || (unsigned char)*n >= 0x7f)
            return 0;
    return 1;
}

static void connect_cb(uv_connect_t *req, int status)
{
    struct smtp_session *s = container_of(req, struct smtp_session, connect_req);
    if (status == UV_ECANCELED)
        return;
    dispatch(s, status < 0 ? EV_CONNECT_FAILED : EV_CONNECTED, status);
}

struct smtp_session *smtp_session_start(struct probe_ctx *ctx, uv_loop_t *loop,
                                        const struct probe_params *p, probe_cb sink, void *arg)
{
    struct smtp_session *s = xcalloc(1, sizeof(*s));
    s->ctx = ctx;
    s->ip = xstrdup(p->ip ? p->ip : "");
    s->sni = sni_name(p->mx_host);
    s->ehlo_name = p->ehlo_name ? xstrdup(p->ehlo_name) : NULL; /* NULL: literal, at connect */
    s->port = p->port;
    s->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 1;
    s->stop_after_certificate = p->stop_after_certificate;
    s->version_probe = p->version_probe;
    s->transcript = p->transcript;
    s->transcript_arg = p->transcript_arg;
    s->res = xcalloc(1, sizeof(*s->res));
    s->res->tls_alert = -1;
    s->cb = sink;
    s->cb_arg = arg;
    smtp_reply_parser_init(&s->parser);

    /* Neither init can fail for a plain TCP handle and a timer (no socket is created yet). */
    int r = uv_tcp_init(loop, &s->tcp);
    if (r == 0)
        r = uv_timer_init(loop, &s->timer);
    if (r != 0) {
        fprintf(stderr, "mxsurvey: uv init failed: %s\n", uv_strerror(r));
        abort();
    }
    /* SMTP and the TLS handshake are write-write-read exchanges of small segments: without
     * TCP_NODELAY, Nagle holds the second write until the peer's delayed ACK (~40 ms) comes.
     * libuv applies the flag when connect creates the socket. */
    uv_tcp_nodelay(&s->tcp, 1);
    s->tcp.data = s;
    s->timer.data = s;
    s->open_handles = 2;
    enter(s, SMTP_STATE_CONNECTING);

    struct sockaddr_storage sa;
    if (p->port <= 0 || p->port > 65535) {
        record(s, PROBE_CONNECT_FAILED, 0, "invalid port %d", p->port);
    } else if (uv_ip4_addr(s->ip, p->port, (struct sockaddr_in *)&sa) != 0 &&
               uv_ip6_addr(s->ip, p->port, (struct sockaddr_in6 *)&sa) != 0) {
        record(s, PROBE_CONNECT_FAILED, 0, "invalid IP address \"%s\"", s->ip);
    } else if (s->ehlo_name && !ehlo_name_ok(s->ehlo_name)) {
        record(s, PROBE_SMTP_ERROR, 0, "invalid EHLO name");
    } else if (p->source && (r = uv_tcp_bind(&s->tcp, p->source, 0)) < 0) {
        /* --source-ip: scan.c checked at the start that the address can be bound. */
        char src[INET6_ADDRSTRLEN + 8];
        if (smtp_address_literal(p->source, src, sizeof(src)) < 0)
            snprintf(src, sizeof(src), "?");
        record(s, PROBE_CONNECT_FAILED, 0, "bind to %s: %s", src, uv_strerror(r));
    } else {
        r = uv_tcp_connect(&s->connect_req, &s->tcp, (const struct sockaddr *)&sa, connect_cb);
        if (r < 0)
            record(s, PROBE_CONNECT_FAILED, 0, "connect: %s", uv_strerror(r));
    }
    if (s->finished)
        session_close(s); /* the callback still runs from the loop, never from here */
    return s;
}

void smtp_session_abort(struct smtp_session *s)
{
    dispatch(s, EV_ABORT, 0);
}

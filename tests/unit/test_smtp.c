/* smtp: the reply parser, each input fed whole and again in pieces of 1, 2 and 7 octets. */
#include "test.h"
#include "probe/probe.h"
#include "probe/smtp.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

static const size_t steps[] = {0, 1, 2, 7}; /* 0: the whole input at once */

/* Feeds in[0..len) in pieces of `step` octets until the parser stops asking for more. */
static enum smtp_feed_result feed_steps(struct smtp_reply_parser *p, const char *in, size_t len,
                                        size_t step, size_t *total)
{
    size_t off = 0;
    enum smtp_feed_result r = SMTP_NEED_MORE;
    while (off < len) {
        size_t n = step && step < len - off ? step : len - off;
        size_t used = 0;
        r = smtp_reply_feed(p, in + off, n, &used);
        off += used;
        if (r != SMTP_NEED_MORE)
            break;
    }
    *total = off;
    return r;
}

TEST(smtp_reply_single_line)
{
    const char *in = "220 mx.example.com ESMTP Postfix\r\n";
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        struct smtp_reply_parser p;
        smtp_reply_parser_init(&p);
        size_t used;
        CHECK_INT(feed_steps(&p, in, strlen(in), steps[i], &used), SMTP_COMPLETE);
        CHECK_INT(used, strlen(in));
        CHECK_INT(p.code, 220);
        CHECK_INT(p.nlines, 1);
        CHECK_STR(p.lines[0], "220 mx.example.com ESMTP Postfix");
        CHECK_STR(smtp_reply_text(&p, 0), "mx.example.com ESMTP Postfix");
        char *tok = smtp_reply_first_token(&p);
        CHECK_STR(tok, "mx.example.com");
        free(tok);
        CHECK_INT(p.truncated, 0);
        smtp_reply_parser_free(&p);
    }
}

TEST(smtp_reply_multi_line_ehlo)
{
    /* CRLF and bare LF mixed; keyword case differs; look-alike keywords must not match. */
    const char *in = "250-mx.example.com Hello [127.0.0.1]\r\n"
                     "250-PIPELINING\n"
                     "250-XSTARTTLS\r\n"
                     "250-starttls\r\n"
                     "250-SIZE 10240000\r\n"
                     "250 8BITMIME\r\n";
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        struct smtp_reply_parser p;
        smtp_reply_parser_init(&p);
        size_t used;
        CHECK_INT(feed_steps(&p, in, strlen(in), steps[i], &used), SMTP_COMPLETE);
        CHECK_INT(used, strlen(in));
        CHECK_INT(p.code, 250);
        CHECK_INT(p.nlines, 6);
        CHECK_STR(p.lines[1], "250-PIPELINING");
        CHECK_STR(p.lines[5], "250 8BITMIME");
        char *tok = smtp_reply_first_token(&p);
        CHECK_STR(tok, "mx.example.com");
        free(tok);
        CHECK(smtp_reply_has_keyword(&p, "STARTTLS"));
        CHECK(smtp_reply_has_keyword(&p, "size"));
        CHECK(!smtp_reply_has_keyword(&p, "8BIT"));
        CHECK(!smtp_reply_has_keyword(&p, "mx.example.com")); /* first line is no keyword */
        smtp_reply_parser_free(&p);
    }

    /* STARTTLS only as a word later on a line, or as a prefix: not advertised. */
    const char *no = "250-mx Hello\r\n250-X STARTTLS\r\n250 STARTTLSX\r\n";
    struct smtp_reply_parser p;
    smtp_reply_parser_init(&p);
    size_t used;
    CHECK_INT(smtp_reply_feed(&p, no, strlen(no), &used), SMTP_COMPLETE);
    CHECK(!smtp_reply_has_keyword(&p, "STARTTLS"));
    smtp_reply_parser_free(&p);
}

TEST(smtp_reply_two_in_a_row)
{
    /* A read may hold more than one reply: consumed stops after the first. */
    const char *in = "221-bye\r\n221 closing\r\n250 next\r\n";
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        struct smtp_reply_parser p;
        smtp_reply_parser_init(&p);
        size_t used, used2;
        CHECK_INT(feed_steps(&p, in, strlen(in), steps[i], &used), SMTP_COMPLETE);
        CHECK_INT(used, strlen("221-bye\r\n221 closing\r\n"));
        CHECK_INT(p.code, 221);
        CHECK_INT(p.nlines, 2);
        CHECK_INT(feed_steps(&p, in + used, strlen(in) - used, steps[i], &used2), SMTP_COMPLETE);
        CHECK_INT(p.code, 250);
        CHECK_INT(p.nlines, 1);
        CHECK_STR(p.lines[0], "250 next");
        smtp_reply_parser_free(&p);
    }
}

TEST(smtp_reply_bare_code_and_odd_text)
{
    const char in[] = "220\r\n";
    struct smtp_reply_parser p;
    smtp_reply_parser_init(&p);
    size_t used;
    CHECK_INT(smtp_reply_feed(&p, in, strlen(in), &used), SMTP_COMPLETE);
    CHECK_INT(p.code, 220);
    CHECK_STR(smtp_reply_text(&p, 0), "");
    CHECK_STR(smtp_reply_first_token(&p), NULL);
    smtp_reply_parser_free(&p);

    /* A NUL octet inside a line is kept with its length (it was '?', which no one could tell
     * from a real '?'); the line's text and the first token carry it as \x00. */
    const char nul[] = "220 mx\0evil\xff ready\r\n";
    smtp_reply_parser_init(&p);
    CHECK_INT(smtp_reply_feed(&p, nul, sizeof(nul) - 1, &used), SMTP_COMPLETE);
    CHECK_INT(p.lens[0], 18);
    CHECK(memcmp(p.lines[0], "220 mx\0evil\xff ready", 19) == 0);
    char *text = smtp_reply_line_text(&p, 0);
    CHECK_STR(text, "220 mx\\x00evil\\xff ready");
    free(text);
    char *first = smtp_reply_first_token(&p);
    CHECK_STR(first, "mx\\x00evil\\xff");
    free(first);
    smtp_reply_parser_free(&p);
    /* A keyword followed by a NUL is not the keyword. */
    const char kw[] = "250-mx\r\n250 STARTTLS\0x\r\n";
    smtp_reply_parser_init(&p);
    CHECK_INT(smtp_reply_feed(&p, kw, sizeof(kw) - 1, &used), SMTP_COMPLETE);
    CHECK(!smtp_reply_has_keyword(&p, "STARTTLS"));
    smtp_reply_parser_free(&p);

    /* Leading blanks before the host name; a CR alone inside a line is kept. */
    const char sp[] = "220   host\tESMTP\rx\r\n";
    smtp_reply_parser_init(&p);
    CHECK_INT(smtp_reply_feed(&p, sp, strlen(sp), &used), SMTP_COMPLETE);
    char *tok = smtp_reply_first_token(&p);
    CHECK_STR(tok, "host");
    free(tok);
    CHECK_STR(p.lines[0], "220   host\tESMTP\rx");
    smtp_reply_parser_free(&p);
}

TEST(smtp_reply_errors)
{
    static const char *const bad[] = {
        "2x0 hello\r\n",             /* non-digit */
        "22\r\n",                    /* too short */
        "620 six hundred\r\n",       /* first digit outside 2-5 */
        "120 one hundred\r\n",
        "220x no separator\r\n",     /* fourth octet neither '-' nor SP */
        "220-first\r\n221 second\r\n", /* codes differ between lines */
        "250-a\r\n\r\n",             /* empty line inside a reply */
        "hello\r\n",
    };
    for (size_t b = 0; b < ARRAY_LEN(bad); b++) {
        for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
            struct smtp_reply_parser p;
            smtp_reply_parser_init(&p);
            size_t used;
            enum smtp_feed_result r = feed_steps(&p, bad[b], strlen(bad[b]), steps[i], &used);
            if (r != SMTP_ERROR)
                fprintf(stderr, "  input %zu step %zu\n", b, steps[i]);
            CHECK_INT(r, SMTP_ERROR);
            CHECK(p.error != NULL);
            /* An error is sticky. */
            CHECK_INT(smtp_reply_feed(&p, "250 ok\r\n", 8, &used), SMTP_ERROR);
            CHECK_INT(used, 0);
            smtp_reply_parser_free(&p);
        }
    }
}

TEST(smtp_reply_long_lines)
{
    /* A line of exactly SMTP_LINE_MAX octets plus CRLF is whole. */
    size_t cap = 3 * SMTP_LINE_MAX;
    char *in = xmalloc(cap);
    memcpy(in, "250 ", 4);
    memset(in + 4, 'a', SMTP_LINE_MAX - 4);
    memcpy(in + SMTP_LINE_MAX, "\r\n", 2);
    size_t len = SMTP_LINE_MAX + 2;
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        struct smtp_reply_parser p;
        smtp_reply_parser_init(&p);
        size_t used;
        CHECK_INT(feed_steps(&p, in, len, steps[i], &used), SMTP_COMPLETE);
        CHECK_INT(strlen(p.lines[0]), SMTP_LINE_MAX);
        CHECK_INT(p.truncated, 0);
        smtp_reply_parser_free(&p);
    }

    /* 2000 octets in a continuation line: cut to SMTP_LINE_MAX, flagged, the reply goes on. */
    memcpy(in, "250-", 4);
    memset(in + 4, 'b', 1996);
    memcpy(in + 2000, "\r\n250 end\r\n", 11);
    len = 2011;
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        struct smtp_reply_parser p;
        smtp_reply_parser_init(&p);
        size_t used;
        CHECK_INT(feed_steps(&p, in, len, steps[i], &used), SMTP_COMPLETE);
        CHECK_INT(used, len);
        CHECK_INT(p.nlines, 2);
        CHECK_INT(strlen(p.lines[0]), SMTP_LINE_MAX);
        CHECK_INT(p.truncated, 1);
        CHECK_STR(p.lines[1], "250 end");
        smtp_reply_parser_free(&p);
    }
    free(in);
}

TEST(smtp_reply_too_many_lines)
{
    struct smtp_reply_parser p;
    smtp_reply_parser_init(&p);
    size_t used;
    enum smtp_feed_result r = SMTP_NEED_MORE;
    for (int i = 0; i <= SMTP_REPLY_MAX_LINES && r == SMTP_NEED_MORE; i++)
        r = smtp_reply_feed(&p, "250-more\r\n", 10, &used);
    CHECK_INT(r, SMTP_ERROR);
    CHECK_INT(p.nlines, SMTP_REPLY_MAX_LINES);
    smtp_reply_parser_free(&p);
    smtp_reply_parser_free(&p); /* twice is fine */
}

TEST(smtp_state_names)
{
    CHECK_STR(smtp_state_str(SMTP_STATE_GREETING), "greeting");
    CHECK_STR(smtp_state_str(SMTP_STATE_TLS_HANDSHAKE), "tls-handshake");
    CHECK_STR(probe_status_str(PROBE_STARTTLS_REFUSED), "starttls-refused");
    CHECK_STR(probe_status_str(PROBE_CONNECT_FAILED), "connect-failed");
    CHECK_STR(probe_status_str(PROBE_NO_STARTTLS), "no-starttls");
}

/* ---- a session against a scripted server on 127.81.2.1 -------------------------------- */

struct mini_srv {
    uv_tcp_t listener, conn;
    int step;            /* 0 greeting sent, 1 EHLO answered, 2 STARTTLS answered */
    int saw_client_hello; /* first octet after the 220 to STARTTLS was 0x16 */
    struct probe_result *res;
    char buf[4096];
};

static void mini_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
    struct mini_srv *m = h->data;
    *b = uv_buf_init(m->buf, sizeof(m->buf));
}

static void mini_send(struct mini_srv *m, const char *text)
{
    uv_buf_t b = uv_buf_init((char *)text, (unsigned)strlen(text));
    uv_try_write((uv_stream_t *)&m->conn, &b, 1);
}

static void mini_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct mini_srv *m = st->data;
    if (n < 0) {
        uv_close((uv_handle_t *)st, NULL);
        return;
    }
    if (n == 0)
        return;
    if (m->step == 0) {
        mini_send(m, "250-mini\r\n250 STARTTLS\r\n");
        m->step = 1;
    } else if (m->step == 1) {
        mini_send(m, "220 go\r\n");
        m->step = 2;
    } else if (m->step == 2) {
        m->saw_client_hello = (unsigned char)b->base[0] == 0x16;
        m->step = 3;
        uv_close((uv_handle_t *)st, NULL); /* no TLS here: the probe sees EOF */
    }
}

static void mini_accept(uv_stream_t *l, int status)
{
    struct mini_srv *m = l->data;
    uv_tcp_init(l->loop, &m->conn);
    m->conn.data = m;
    if (status < 0 || uv_accept(l, (uv_stream_t *)&m->conn) != 0)
        return;
    uv_read_start((uv_stream_t *)&m->conn, mini_alloc, mini_read);
    mini_send(m, "220 mini ESMTP\r\n");
}

static void mini_done(void *arg, struct probe_result *res)
{
    struct mini_srv *m = arg;
    m->res = res;
    uv_close((uv_handle_t *)&m->listener, NULL);
}

static void mini_walk_close(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* An MX host name longer than any SNI (ldns writes odd octets as \DDD, so one can pass 255
 * characters) is no reason to fail the handshake before it starts: SNI is left out. */
TEST(smtp_session_overlong_sni_omitted)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct mini_srv m = {0};
    uv_tcp_init(&loop, &m.listener);
    m.listener.data = &m;
    struct sockaddr_in sa;
    uv_ip4_addr("127.81.2.1", 0, &sa);
    CHECK_INT(uv_tcp_bind(&m.listener, (const struct sockaddr *)&sa, 0), 0);
    CHECK_INT(uv_listen((uv_stream_t *)&m.listener, 8, mini_accept), 0);
    int len = sizeof(sa);
    uv_tcp_getsockname(&m.listener, (struct sockaddr *)&sa, &len);

    char host[400] = "";
    while (strlen(host) < 300)
        strcat(host, "\\001\\001\\001.");
    strcat(host, "example");
    char *perr = NULL;
    struct probe_ctx *ctx = probe_ctx_new(&perr);
    CHECK(ctx != NULL);
    struct probe_params p = {.mx_host = host, .ip = "127.81.2.1", .port = ntohs(sa.sin_port),
                             .ehlo_name = "unit.test", .timeout_ms = 3000};
    probe_start(ctx, &loop, &p, mini_done, &m);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(m.res != NULL);
    CHECK_INT(m.saw_client_hello, 1);
    CHECK_INT(m.res->status, PROBE_TLS_FAILED);
    CHECK(m.res->error && strstr(m.res->error, "closed by server") != NULL);
    probe_result_free(m.res);
    uv_walk(&loop, mini_walk_close, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    probe_ctx_free(ctx);
}

/* The EHLO address literal (RFC 5321 4.1.3): IPv4 bare in brackets, IPv6 with the "IPv6:" tag,
 * an IPv4-mapped IPv6 address as the IPv4 connection it is; too small a buffer fails. */
TEST(smtp_address_literal_forms)
{
    char buf[SMTP_ADDRESS_LITERAL_MAX];
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    uv_ip4_addr("192.0.2.1", 25, &a4);
    CHECK_INT(smtp_address_literal((struct sockaddr *)&a4, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "[192.0.2.1]");
    uv_ip6_addr("2001:db8::1", 25, &a6);
    CHECK_INT(smtp_address_literal((struct sockaddr *)&a6, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "[IPv6:2001:db8::1]");
    uv_ip6_addr("::ffff:198.51.100.7", 25, &a6);
    CHECK_INT(smtp_address_literal((struct sockaddr *)&a6, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "[198.51.100.7]");
    uv_ip6_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 25, &a6);
    CHECK_INT(smtp_address_literal((struct sockaddr *)&a6, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "[IPv6:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]");
    CHECK_INT(smtp_address_literal((struct sockaddr *)&a4, buf, 11), -1); /* needs 12 */
    struct sockaddr un = {.sa_family = AF_UNIX};
    CHECK_INT(smtp_address_literal(&un, buf, sizeof(buf)), -1);
}

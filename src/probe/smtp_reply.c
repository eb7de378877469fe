/* smtp_reply: the SMTP reply parser (RFC 5321 4.2, 4.5.3.1.5), fed bytes, no I/O; see
 * smtp_reply.h. */
#include "smtp_reply.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "core/util.h"

void smtp_reply_parser_init(struct smtp_reply_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->last = SMTP_NEED_MORE;
}

static void reply_clear(struct smtp_reply_parser *p)
{
    for (size_t i = 0; i < p->nlines; i++)
        free(p->lines[i]);
    free(p->lines);
    free(p->lens);
    p->lines = NULL;
    p->lens = NULL;
    p->nlines = p->cap = 0;
    p->code = 0;
    p->truncated = 0;
    p->error = NULL;
    p->cur_len = 0;
    p->cur_dropped = 0;
    p->last = SMTP_NEED_MORE;
}

void smtp_reply_parser_free(struct smtp_reply_parser *p)
{
    reply_clear(p);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* One complete line is in p->cur (line ending removed): check it and append it. Returns the
 * feed result for the reply so far. */
static enum smtp_feed_result reply_line_done(struct smtp_reply_parser *p)
{
    const char *l = p->cur;
    size_t n = p->cur_len;
    if (n < 3 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]) || l[0] < '2' ||
        l[0] > '5') {
        p->error = "reply line does not start with a code 2xx-5xx";
        return SMTP_ERROR;
    }
    if (n > 3 && l[3] != '-' && l[3] != ' ') {
        p->error = "reply code not followed by '-', space or line end";
        return SMTP_ERROR;
    }
    int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
    if (p->nlines == 0) {
        p->code = code;
    } else if (code != p->code) {
        p->error = "reply lines carry different codes";
        return SMTP_ERROR;
    }
    if (p->nlines == SMTP_REPLY_MAX_LINES) {
        p->error = "reply has too many lines";
        return SMTP_ERROR;
    }
    if (p->nlines == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->lines = xrealloc(p->lines, p->cap * sizeof(*p->lines));
        p->lens = xrealloc(p->lens, p->cap * sizeof(*p->lens));
    }
    char *copy = xmalloc(n + 1); /* not xstrndup: the line may hold NUL */
    memcpy(copy, l, n);
    copy[n] = '\0';
    p->lens[p->nlines] = n;
    p->lines[p->nlines++] = copy;
    int more = n > 3 && l[3] == '-';
    p->cur_len = 0;
    p->cur_dropped = 0;
    return more ? SMTP_NEED_MORE : SMTP_COMPLETE;
}

enum smtp_feed_result smtp_reply_feed(struct smtp_reply_parser *p, const char *buf, size_t len,
                                      size_t *consumed)
{
    if (p->last == SMTP_ERROR) {
        *consumed = 0;
        return SMTP_ERROR;
    }
    if (p->last == SMTP_COMPLETE)
        reply_clear(p);
    size_t i = 0;
    enum smtp_feed_result r = SMTP_NEED_MORE;
    while (i < len && r == SMTP_NEED_MORE) {
        char c = buf[i++];
        if (c != '\n') {
            /* Keep one octet beyond SMTP_LINE_MAX: it may be the CR of a maximal line. */
            if (p->cur_len < SMTP_LINE_MAX + 1)
                p->cur[p->cur_len++] = c;
            else
                p->cur_dropped = 1;
            continue;
        }
        if (p->cur_len > 0 && p->cur[p->cur_len - 1] == '\r' && !p->cur_dropped)
            p->cur_len--;
        if (p->cur_len > SMTP_LINE_MAX || p->cur_dropped) {
            p->cur_len = SMTP_LINE_MAX;
            p->truncated = 1;
        }
        p->cur[p->cur_len] = '\0';
        r = reply_line_done(p);
    }
    *consumed = i;
    p->last = r;
    return r;
}

const char *smtp_reply_text(const struct smtp_reply_parser *p, size_t i)
{
    if (i >= p->nlines || p->lens[i] <= 4)
        return "";
    return p->lines[i] + 4;
}

char *smtp_reply_line_text(const struct smtp_reply_parser *p, size_t i)
{
    return i < p->nlines ? text_escape(p->lines[i], p->lens[i]) : xstrdup("");
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

char *smtp_reply_first_token(const struct smtp_reply_parser *p)
{
    if (p->nlines == 0 || p->lens[0] <= 4)
        return NULL;
    const char *t = p->lines[0] + 4, *end = p->lines[0] + p->lens[0];
    while (t < end && is_blank(*t))
        t++;
    size_t n = 0;
    while (t + n < end && !is_blank(t[n]))
        n++;
    return n ? text_escape(t, n) : NULL;
}

int smtp_reply_has_keyword(const struct smtp_reply_parser *p, const char *kw)
{
    size_t kn = strlen(kw);
    for (size_t i = 1; i < p->nlines; i++) {
        const char *t = smtp_reply_text(p, i);
        size_t tn = p->lens[i] > 4 ? p->lens[i] - 4 : 0;
        if (tn >= kn && strncasecmp(t, kw, kn) == 0 && (tn == kn || is_blank(t[kn])))
            return 1;
    }
    return 0;
}

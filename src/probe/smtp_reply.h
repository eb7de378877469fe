/* smtp_reply: the SMTP reply parser, fed bytes, doing no I/O: it assembles one (possibly
 * multi-line) reply and exposes its code and lines. The caller owns the parser struct; the
 * parser owns the line strings it holds (smtp_reply_parser_free releases them).
 */
#ifndef MXS_SMTP_REPLY_H
#define MXS_SMTP_REPLY_H
#include <stddef.h>

/* Longest reply line kept, in octets, line ending excluded. RFC 5321 4.5.3.1.5 allows 512
 * octets per reply line; real servers sometimes send more, so we keep up to 1000 and cut the
 * rest (the reply still parses, with `truncated` set). Memory stays bounded either way. */
#define SMTP_LINE_MAX 1000
/* More lines than this in one reply is treated as an error (a server streaming continuation
 * lines forever must not grow our memory; real EHLO replies have about 10-20 lines). */
#define SMTP_REPLY_MAX_LINES 100

enum smtp_feed_result {
    SMTP_NEED_MORE, /* all input consumed, the reply is not complete yet */
    SMTP_COMPLETE,  /* a whole reply is parsed; *consumed stops right after its last line */
    SMTP_ERROR,     /* malformed reply; `error` says why. Further feeds return SMTP_ERROR */
};

struct smtp_reply_parser {
    /* Results, valid after SMTP_COMPLETE until the next feed (which starts a new reply). */
    int code;          /* 200..599 */
    char **lines;      /* nlines raw lines ("250-PIPELINING") without line ending, each
                        * followed by a NUL; a line may itself hold NUL octets (never valid
                        * in SMTP, but a server can send them): lens[i] is its length. Text
                        * for outputs: smtp_reply_line_text (the text notation of text.h) */
    size_t *lens;
    size_t nlines;
    int truncated;     /* some line exceeded SMTP_LINE_MAX octets and was cut */
    const char *error; /* static text after SMTP_ERROR */
    /* private */
    enum smtp_feed_result last;
    size_t cap;
    size_t cur_len;
    int cur_dropped;
    char cur[SMTP_LINE_MAX + 2]; /* one octet spare for a CR before LF, plus NUL */
};

void smtp_reply_parser_init(struct smtp_reply_parser *p);
/* Frees the lines; the struct itself belongs to the caller. Safe to call twice. */
void smtp_reply_parser_free(struct smtp_reply_parser *p);
/* Consumes bytes from buf up to the end of one reply (or all of them). Lines end with LF; a
 * CR before the LF is dropped (bare LF is accepted). Each line must start with the same
 * three-digit code, first digit 2-5, followed by '-' (more lines follow), SP or the line end
 * (last line). After SMTP_COMPLETE the next call starts a new reply. */
enum smtp_feed_result smtp_reply_feed(struct smtp_reply_parser *p, const char *buf, size_t len,
                                      size_t *consumed);
/* The text after "NNN-" / "NNN " of line i ("" when the line is just the code), as a C
 * string: it ends at the line's first NUL, if any. */
const char *smtp_reply_text(const struct smtp_reply_parser *p, size_t i);
/* Line i whole (NUL octets included) in the text notation of text.h: what transcripts and
 * error messages carry. Newly allocated; caller frees. */
char *smtp_reply_line_text(const struct smtp_reply_parser *p, size_t i);
/* First SP/TAB-delimited token of the first line's text (the host name of a greeting or an
 * EHLO reply), in the text notation (a NUL inside it is "\x00"), newly allocated; NULL when
 * the text is empty. Caller frees. */
char *smtp_reply_first_token(const struct smtp_reply_parser *p);
/* 1 when a line after the first starts with keyword kw (ASCII case-insensitive) followed by
 * SP, TAB or the end of the line (not a NUL): an EHLO extension keyword (RFC 5321 4.1.1.1). */
int smtp_reply_has_keyword(const struct smtp_reply_parser *p, const char *kw);

#endif

/* libFuzzer harness for the SMTP reply parser (smtp_reply_feed, src/probe/smtp.c): arbitrary octets
 * read as a stream of replies, fed whole, in pieces cut at points taken from the input, and one
 * octet at a time. The sequence of verdicts (result, code, lines, truncated, error, octets
 * consumed) must be the same whichever way the stream is cut, and every complete reply must
 * keep smtp.h's promises: a code 200..599 that every line starts with, at most
 * SMTP_REPLY_MAX_LINES lines of at most SMTP_LINE_MAX octets (NUL octets kept, with the
 * length), each line's text and first token in the text notation decoding back to its octets.
 * Seeds: tests/fuzz/corpus/smtp_reply/ (greetings, EHLO and STARTTLS replies of the world's
 * Postfix and fixture servers, plus hostile ones). Built and run by `make fuzz`. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"

#include "probe/smtp.h"
#include "core/text.h"

/* A digest of one verdict, so two runs compare without keeping every line. */
struct verdict {
    enum smtp_feed_result r;
    int code, truncated;
    size_t nlines, end; /* end: stream offset right after the reply */
    unsigned long long hash;
    const char *error;
};

#define MAX_VERDICTS 64

static unsigned long long fnv(unsigned long long h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (h ^ 0x100) * 1099511628211ULL;
}

static void check_reply(const struct smtp_reply_parser *p, struct verdict *v)
{
    REQUIRE(p->code >= 200 && p->code <= 599);
    REQUIRE(p->nlines >= 1 && p->nlines <= SMTP_REPLY_MAX_LINES);
    unsigned long long h = 14695981039346656037ULL;
    for (size_t i = 0; i < p->nlines; i++) {
        const char *l = p->lines[i];
        size_t n = p->lens[i]; /* the line may hold NUL octets */
        REQUIRE(n >= 3 && n <= SMTP_LINE_MAX && l[n] == '\0');
        REQUIRE((l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') == p->code);
        /* Every line but the last continues ("NNN-"), the last does not. */
        REQUIRE((i + 1 < p->nlines) == (n > 3 && l[3] == '-'));
        REQUIRE(memchr(l, '\n', n) == NULL);
        h = fnv(h, l, n);
        const char *t = smtp_reply_text(p, i);
        REQUIRE(t == l + 4 || *t == '\0');
        /* the line's text decodes back to its octets */
        char *text = smtp_reply_line_text(p, i);
        size_t dn;
        unsigned char *d = text_unescape(text, strlen(text), &dn);
        REQUIRE(dn == n && memcmp(d, l, n) == 0);
        free(d);
        free(text);
    }
    char *tok = smtp_reply_first_token(p);
    if (tok) {
        /* in the notation: decodes to a run of the first line without a blank */
        size_t dn;
        unsigned char *d = text_unescape(tok, strlen(tok), &dn);
        REQUIRE(dn >= 1 && !memchr(d, ' ', dn) && !memchr(d, '\t', dn));
        REQUIRE(memmem(p->lines[0], p->lens[0], d, dn) != NULL);
        free(d);
        free(tok);
    }
    (void)smtp_reply_has_keyword(p, "STARTTLS");
    v->code = p->code;
    v->truncated = p->truncated;
    v->nlines = p->nlines;
    v->hash = h;
}

/* Feeds data as a stream of replies, each feed given the octets up to the next cut (every:
 * cut after every `every` octets; else at cuts[]). Returns the number of verdicts. */
static size_t run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts,
                  size_t every, struct verdict *out)
{
    struct smtp_reply_parser p;
    smtp_reply_parser_init(&p);
    size_t at = 0, c = 0, nv = 0;
    enum smtp_feed_result last = SMTP_NEED_MORE;
    while (at < size && last != SMTP_ERROR && nv < MAX_VERDICTS) {
        size_t end = size;
        if (every)
            end = at + every < size ? at + every : size;
        else {
            while (c < ncuts && cuts[c] <= at)
                c++;
            if (c < ncuts)
                end = cuts[c];
        }
        char *piece = fuzz_dup(data + at, end - at);
        size_t used = (size_t)-1;
        last = smtp_reply_feed(&p, piece, end - at, &used);
        free(piece);
        REQUIRE(used <= end - at);
        if (last == SMTP_NEED_MORE)
            REQUIRE(used == end - at);
        else
            REQUIRE(used >= 1);
        at += used;
        if (last == SMTP_COMPLETE) {
            struct verdict *v = &out[nv++];
            memset(v, 0, sizeof(*v));
            v->r = last;
            v->end = at;
            check_reply(&p, v);
            /* The last line ended with the LF just consumed. */
            REQUIRE(data[at - 1] == '\n');
        } else if (last == SMTP_ERROR) {
            struct verdict *v = &out[nv++];
            memset(v, 0, sizeof(*v));
            v->r = last;
            v->end = at;
            REQUIRE(p.error && *p.error);
            v->error = p.error;
            size_t again = 1;
            REQUIRE(smtp_reply_feed(&p, "250 x\r\n", 7, &again) == SMTP_ERROR && again == 0);
        }
    }
    smtp_reply_parser_free(&p);
    smtp_reply_parser_free(&p); /* documented as safe */
    return nv;
}

static void same(const struct verdict *a, size_t na, const struct verdict *b, size_t nb)
{
    REQUIRE(na == nb);
    for (size_t i = 0; i < na; i++) {
        REQUIRE(a[i].r == b[i].r && a[i].end == b[i].end && a[i].code == b[i].code);
        REQUIRE(a[i].nlines == b[i].nlines && a[i].truncated == b[i].truncated);
        REQUIRE(a[i].hash == b[i].hash);
        REQUIRE((a[i].error == NULL) == (b[i].error == NULL));
        if (a[i].error)
            REQUIRE(strcmp(a[i].error, b[i].error) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct verdict whole[MAX_VERDICTS], split[MAX_VERDICTS], bytes[MAX_VERDICTS];
    size_t nw = run(data, size, NULL, 0, 0, whole);
    /* Up to four cut points from the input's own last octets (ascending), so seeds stay real
     * replies and the fuzzer still steers where the stream is cut. */
    size_t cuts[4], nc = 0;
    for (size_t i = 0; i < 4 && i < size; i++) {
        size_t cut = ((size_t)data[size - 1 - i] * 131 + i * 977) % (size + 1);
        if (nc == 0 || cut > cuts[nc - 1])
            cuts[nc++] = cut;
    }
    size_t ns = run(data, size, cuts, nc, 0, split);
    same(whole, nw, split, ns);
    if (size <= 4096) { /* one octet a time is quadratic in nothing, but slow for big inputs */
        size_t nb = run(data, size, NULL, 0, 1, bytes);
        same(whole, nw, bytes, nb);
    }
    return 0;
}

/* text: the one notation for network text in JSON (escape, decode, round trips over random
 * octets), UTF-8 validity, and the visible form for terminals and CSV cells, fed the hostile
 * names of tests/unit/data/hostile-names.pem. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "probe/cert.h"
#include "test.h"
#include "testfs.h"
#include "core/text.h"
#include "core/util.h"

#include <mbedtls/x509_crt.h>

static void check_escape(const char *in, size_t n, const char *want, int line)
{
    char *got = text_escape(in, n);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  (escape case from line %d)\n", line);
    CHECK_STR(got, want);
    /* and back */
    size_t len = 0;
    unsigned char *back = text_unescape(got, strlen(got), &len);
    if (len != n || memcmp(back, in, n) != 0) {
        fprintf(stderr, "  %s:%d: \"%s\" does not decode back to its %zu octets\n", __FILE__,
                line, got, n);
        test_failed_checks++;
    }
    free(back);
    free(got);
}
#define ESC(lit, want) check_escape((lit), sizeof(lit) - 1, (want), __LINE__)

TEST(text_escape_cases)
{
    ESC("", "");
    ESC("mx.example", "mx.example");
    ESC("a b", "a b");                         /* a space is a space */
    ESC("b\xc3\xbc" "cher", "b\xc3\xbc" "cher"); /* valid UTF-8 as it is */
    ESC("\xf0\x9f\x93\xa7", "\xf0\x9f\x93\xa7");  /* four octets, U+1F4E7 */
    ESC("esc\x1b[31m", "esc\x1b[31m");         /* control characters stay characters */
    ESC("tab\tnl\ncr\rdel\x7f", "tab\tnl\ncr\rdel\x7f");
    ESC("csi\xc2\x9b", "csi\xc2\x9b");         /* U+009B is valid UTF-8 */
    ESC("nul\0end", "nul\\x00end");            /* NUL is escaped */
    ESC("\0", "\\x00");
    /* octets that are not valid UTF-8, each on its own */
    ESC("bad\xff\xfe" "end", "bad\\xff\\xfeend");
    ESC("\x80", "\\x80");                      /* a lone continuation octet */
    ESC("\x9b", "\\x9b");                      /* raw C1 CSI: not UTF-8 */
    ESC("\xc0\xaf", "\\xc0\\xaf");             /* overlong '/' */
    ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf");    /* overlong, three octets */
    ESC("\xed\xa0\x80", "\\xed\\xa0\\x80");    /* a surrogate, U+D800 */
    ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    ESC("x\xe2\x82", "x\\xe2\\x82");           /* truncated at the end */
    ESC("\xe2\x82z", "\\xe2\\x82z");           /* truncated before an ASCII octet */
    ESC("b\xc3\xbc\xff", "b\xc3\xbc\\xff");      /* valid and invalid side by side */
    /* backslashes: escaped only where they would read as an escape */
    ESC("\\", "\\");
    ESC("a\\b", "a\\b");
    ESC("\\x", "\\x");
    ESC("\\x4", "\\x4");
    ESC("\\x4g", "\\x4g");
    ESC("\\x41", "\\x5cx41");
    ESC("\\xAf", "\\x5cxAf");                  /* hex digits of either case */
    ESC("\\X41", "\\X41");                     /* only a lower-case x makes an escape */
    ESC("\\\\x41", "\\\\x5cx41");
    ESC("\\x5c", "\\x5cx5c");
    ESC("\\\xff", "\\\\xff");                   /* '\' then an invalid octet */
    ESC("\\x\xff", "\\x\\xff");
    ESC("\\x4\0", "\\x4\\x00");
}

TEST(text_decode_rules)
{
    size_t n = 0;
    /* every "\xHH" (hex digits of either case) is one octet; nothing else is an escape */
    const char *t = "a\\x41\\x4A\\x4a\\X41\\x4\\xg1\\";
    unsigned char *o = text_unescape(t, strlen(t), &n);
    CHECK_STR((char *)o, "aAJJ\\X41\\x4\\xg1\\");
    CHECK_INT(n, 16);
    free(o);
    o = text_unescape("\\x00\\xff", 8, &n);
    CHECK_INT(n, 2);
    CHECK(o[0] == 0 && o[1] == 0xff && o[2] == 0);
    free(o);
    unsigned char buf[4];
    CHECK_INT(text_decode("abcd", 4, buf, 4), 4);
    CHECK_INT(text_decode("abcde", 5, buf, 4), (size_t)-1);
    CHECK_INT(text_decode("ab\\x41\\x42", 10, buf, 4), 4);
    CHECK(memcmp(buf, "abAB", 4) == 0);
}

TEST(text_utf8_char_validity)
{
    static const struct {
        const char *s;
        size_t n, want;
        uint32_t cp;
    } cases[] = {
        {"A", 1, 1, 'A'}, {"\0", 1, 1, 0},
        {"\xc2\x80", 2, 2, 0x80}, {"\xdf\xbf", 2, 2, 0x7ff},
        {"\xe0\xa0\x80", 3, 3, 0x800}, {"\xef\xbf\xbf", 3, 3, 0xffff},
        {"\xf0\x90\x80\x80", 4, 4, 0x10000}, {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"\xc0\x80", 2, 0, 0}, {"\xc1\xbf", 2, 0, 0}, {"\xe0\x9f\xbf", 3, 0, 0},
        {"\xf0\x8f\xbf\xbf", 4, 0, 0}, {"\xed\xa0\x80", 3, 0, 0}, {"\xed\xbf\xbf", 3, 0, 0},
        {"\xf4\x90\x80\x80", 4, 0, 0}, {"\xf5\x80\x80\x80", 4, 0, 0}, {"\xff", 1, 0, 0},
        {"\x80", 1, 0, 0}, {"\xc3", 1, 0, 0}, {"\xe2\x82", 2, 0, 0}, {"\xc3\x41", 2, 0, 0},
        {"\xe2\x82\xac", 2, 0, 0}, /* complete, but not within n */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        uint32_t cp = 0xdead;
        size_t got = text_utf8_char((const unsigned char *)cases[i].s, cases[i].n, &cp);
        if (got != cases[i].want || (got && cp != cases[i].cp)) {
            fprintf(stderr, "  %s:%d: case %zu: length %zu cp %x, expected %zu %x\n", __FILE__,
                    __LINE__, i, got, (unsigned)cp, cases[i].want, (unsigned)cases[i].cp);
            test_failed_checks++;
        }
    }
    CHECK_INT(text_is_control(0), 1);
    CHECK_INT(text_is_control(0x1f), 1);
    CHECK_INT(text_is_control(' '), 0);
    CHECK_INT(text_is_control('~'), 0);
    CHECK_INT(text_is_control(0x7f), 1);
    CHECK_INT(text_is_control(0x80), 1);
    CHECK_INT(text_is_control(0x9f), 1);
    CHECK_INT(text_is_control(0xa0), 0);
}

/* 1 when s is valid UTF-8 through and through and holds no NUL before its end. */
static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_char((const unsigned char *)s + i, n - i, NULL);
        if (l == 0 || s[i] == '\0')
            return 0;
        i += l;
    }
    return 1;
}

/* xorshift64*: a fixed, local sequence, so a failure reproduces. */
static uint64_t next(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1DULL;
}

TEST(text_round_trip_random)
{
    /* Octets drawn mostly from the ones that make escapes ambiguous ('\', 'x', hex digits),
     * plus NUL, UTF-8 lead and continuation octets and anything at all. */
    static const unsigned char pool[] = {'\\', '\\', 'x', 'x', '4', '1', 'a', 'F', 'g', 'X', 0,
                                         0xc3, 0xbc, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80, 0xff,
                                         0xc2, 0x9b, 0x1b, '.'};
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    unsigned char s[64];
    int bad = 0;
    for (int round = 0; round < 20000 && bad < 5; round++) {
        size_t n = (size_t)(next(&st) % sizeof(s));
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next(&st);
            s[i] = r % 4 == 0 ? (unsigned char)(r >> 8) : pool[(r >> 8) % sizeof(pool)];
        }
        char *e = text_escape((const char *)s, n);
        size_t el = strlen(e), dl = 0;
        unsigned char *d = text_unescape(e, el, &dl);
        char *v = text_visible(e, el);
        size_t vl = strlen(v), vdl = 0;
        unsigned char *vd = text_unescape(v, vl, &vdl);
        int ok = dl == n && memcmp(d, s, n) == 0 && valid_utf8(e, el) &&
                 vdl == n && memcmp(vd, s, n) == 0 && valid_utf8(v, vl);
        for (size_t i = 0; ok && i < vl;) { /* no control character survives text_visible */
            uint32_t cp;
            size_t l = text_utf8_char((const unsigned char *)v + i, vl - i, &cp);
            ok = !text_is_control(cp);
            i += l;
        }
        if (!ok) {
            fprintf(stderr, "  %s:%d: round %d: escape \"%s\" visible \"%s\" fail\n", __FILE__,
                    __LINE__, round, e, v);
            bad++;
            test_failed_checks++;
        }
        free(e);
        free(d);
        free(v);
        free(vd);
    }
}

static void check_visible(const char *in, size_t n, const char *want, int line)
{
    char *got = text_visible(in, n);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  (visible case from line %d)\n", line);
    CHECK_STR(got, want);
    free(got);
}
#define VIS(lit, want) check_visible((lit), sizeof(lit) - 1, (want), __LINE__)

TEST(text_visible_cases)
{
    VIS("mx.example", "mx.example");
    VIS("a b", "a b");
    VIS("b\xc3\xbc" "cher", "b\xc3\xbc" "cher");
    VIS("esc\x1b[31mred", "esc\\x1b[31mred");
    VIS("tab\tnl\ncr\r", "tab\\x09nl\\x0acr\\x0d");
    VIS("del\x7f", "del\\x7f");
    VIS("csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J");     /* C1 as UTF-8 */
    VIS("raw\x9b" "2J", "raw\\x9b2J");              /* C1 as a raw octet */
    VIS("\xc2\xa0nbsp", "\xc2\xa0nbsp");            /* U+00A0 is no control */
    VIS("bad\xff", "bad\\xff");
    VIS("nul\\x00", "nul\\x00");                    /* the notation is left alone */
    VIS("x\\x5cx41", "x\\x5cx41");
    VIS("\\", "\\");
}

/* What `mxsurvey check` prints for each hostile name (put_safe is text_put_visible). */
TEST(text_put_visible_hostile_certificate)
{
    struct cert_info *ci = tfs_load_cert("tests/unit/data/hostile-names.pem");
    CHECK(ci != NULL);
    if (!ci)
        return;
    static const char *const want[] = {
        "a b.example", "back\\slash.example", "x\\x5cx41.example", "nul\\x00.example",
        "esc\\x1b[31m.example", "csi\\xc2\\x9b.example", "bad\\xff\\xc0\\xaf.example",
        "b\xc3\xbc" "cher.example", "ok.example",
    };
    CHECK_INT(ci->nsan, ARRAY_LEN(want));
    for (size_t i = 0; i < ci->nsan && i < ARRAY_LEN(want); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        text_put_visible(f, ci->san_dns[i]);
        fclose(f);
        CHECK_STR(buf, want[i]);
        free(buf);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    text_put_visible(f, ci->subject);
    fclose(f);
    CHECK_STR(buf, "O=Caf\xc3\xa9\\, Inc., OU=a\\x1b" "b\\\\x5cx41, CN=X\\\\X41.EXAMPLE");
    free(buf);
    cert_info_free(ci);
}

/* JSON for a terminal (`mxsurvey match`): DEL and C1 as \u00HH, the same value. */
TEST(text_json_escape_c1)
{
    json_t *v = json_string("csi\xc2\x9b" "2J del\x7f nbsp\xc2\xa0 \xc3\xbc esc\x1b \xc2\x80\xc2\x9f");
    char *dump = json_dumps(v, JSON_ENCODE_ANY);
    char *safe = text_json_escape_c1(dump);
    CHECK_STR(safe, "\"csi\\u009b2J del\\u007f nbsp\xc2\xa0 \xc3\xbc esc\\u001B \\u0080\\u009f\"");
    json_t *back = json_loads(safe, JSON_DECODE_ANY, NULL);
    CHECK(back && json_equal(back, v));
    json_decref(back);
    free(safe);
    free(dump);
    json_decref(v);
}

/* Found by fuzz_text: DEL is one octet and becomes six characters ("\u007f"), so a string of
 * DELs (a certificate name `mxsurvey match` prints) overflowed a buffer sized for three per
 * octet. Under ASan this was a heap-buffer-overflow. */
TEST(text_json_escape_c1_all_del)
{
    char in[64];
    memset(in, 0x7f, sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    char *safe = text_json_escape_c1(in);
    CHECK(strlen(safe) == 6 * (sizeof(in) - 1));
    CHECK(strncmp(safe, "\\u007f\\u007f", 12) == 0);
    free(safe);
    safe = text_json_escape_c1("\x7f\xc2\x8a");
    CHECK_STR(safe, "\\u007f\\u008a");
    free(safe);
}

/* libFuzzer harness for text.c, the one notation of network text (text.h): arbitrary octets
 * through text_escape, text_decode/text_unescape, text_visible and text_json_escape_c1.
 * Checks the round trip decode(escape(S)) == S, that escape(S) is valid UTF-8 without NUL,
 * that text_visible never holds a raw C0, DEL or C1 character, is valid UTF-8 and decodes to
 * what its input decodes to, that escaping is the identity on its own output's decoding, and
 * that text_json_escape_c1 leaves no DEL or C1 octet pair. Seeds: tests/fuzz/corpus/text/
 * (greeting words, certificate names and DNs with control characters, invalid UTF-8, NUL and
 * literal "\xHH"). Built and run by `make fuzz` and replayed by tests/run. */
#include "fuzz.h"

#include "core/text.h"

/* 1 when s[0..n) is valid UTF-8 (text_utf8_char's rule) without NUL. */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_char(u + i, n - i, NULL);
        if (l == 0 || u[i] == 0)
            return 0;
        i += l;
    }
    return 1;
}

static int has_control(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = text_utf8_char(u + i, n - i, &cp);
        if (l == 0 || text_is_control(cp))
            return 1;
        i += l;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_dup(data, size);

    /* escape, then decode: the same octets */
    char *e = text_escape(s, size);
    size_t elen = strlen(e);
    REQUIRE(elen <= size * 4);
    REQUIRE(valid_utf8(e, elen));
    size_t dlen = 0;
    unsigned char *d = text_unescape(e, elen, &dlen);
    REQUIRE(dlen == size && memcmp(d, data, size) == 0);
    REQUIRE(d[dlen] == '\0');
    /* text_decode with too little room says so; with exactly enough it fits */
    if (size) {
        unsigned char *small = malloc(size);
        REQUIRE(text_decode(e, elen, small, size - 1) == (size_t)-1);
        REQUIRE(text_decode(e, elen, small, size) == size);
        free(small);
    }
    /* Text that is already valid UTF-8 without NUL or "\xHH" is its own notation. */
    if (valid_utf8(s, size) && !strstr(s, "\\x"))
        REQUIRE(strcmp(e, s) == 0);

    /* visible, of the notation: no control character, valid UTF-8, same octets decoded */
    char *v = text_visible(e, elen);
    size_t vlen = strlen(v);
    REQUIRE(valid_utf8(v, vlen) && !has_control(v, vlen));
    size_t vdlen = 0;
    unsigned char *vd = text_unescape(v, vlen, &vdlen);
    REQUIRE(vdlen == size && memcmp(vd, data, size) == 0);
    free(vd);
    free(v);

    /* visible of raw octets: no control character either, and visible is idempotent */
    v = text_visible(s, size);
    vlen = strlen(v);
    REQUIRE(valid_utf8(v, vlen) && !has_control(v, vlen));
    char *v2 = text_visible(v, vlen);
    REQUIRE(strcmp(v, v2) == 0);
    free(v2);
    free(v);

    /* the C1 escaper: DEL and C2 80..9F never survive; the output differs only there */
    char *j = text_json_escape_c1(s);
    for (const unsigned char *p = (const unsigned char *)j; *p; p++) {
        REQUIRE(*p != 0x7f);
        if (*p == 0xc2 && p[1])
            REQUIRE(p[1] < 0x80 || p[1] > 0x9f);
    }
    if (!strchr(s, 0x7f) && !strstr(s, "\xc2"))
        REQUIRE(strcmp(j, s) == 0);
    free(j);

    free(d);
    free(e);
    free(s);
    return 0;
}

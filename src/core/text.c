/* text: see text.h. UTF-8 validity per RFC 3629 §3 and Unicode's Table 3-7 (well-formed byte
 * sequences). */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char hexdigits[] = "0123456789abcdef";

size_t text_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        len = 1, v = c, min = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0; /* a continuation octet, 0xc0/0xc1 (always overlong), 0xf5..0xff */
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    if (cp)
        *cp = v;
    return len;
}

int text_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static int hex_value(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* 1 when s[i..n) starts with "\xHH" (the four characters of an escape). */
static int escape_at(const char *s, size_t n, size_t i)
{
    return i + 4 <= n && s[i] == '\\' && s[i + 1] == 'x' && hex_value((unsigned char)s[i + 2]) >= 0 &&
           hex_value((unsigned char)s[i + 3]) >= 0;
}

static char *put_hex(char *o, unsigned char c)
{
    *o++ = '\\';
    *o++ = 'x';
    *o++ = hexdigits[c >> 4];
    *o++ = hexdigits[c & 15];
    return o;
}

/* The one walk behind text_escape and text_visible: an octet that is not part of valid UTF-8
 * (NUL included) becomes "\xHH"; with visible, so does each octet of a control character
 * (C0, DEL, C1); without it (storage: the escape must undo exactly), a backslash that starts a
 * literal "\xHH" does. */
static char *escape_walk(const char *s, size_t n, int visible)
{
    /* at most 4 characters per octet */
    char *out = xmalloc(n * 4 + 1), *o = out;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t len = u[i] ? text_utf8_char(u + i, n - i, &cp) : 0;
        if (len == 0) {
            o = put_hex(o, u[i++]);
        } else if (visible && text_is_control(cp)) {
            for (size_t k = 0; k < len; k++)
                o = put_hex(o, u[i + k]);
            i += len;
        } else if (!visible && u[i] == '\\' && escape_at(s, n, i)) {
            o = put_hex(o, '\\'); /* a literal "\xHH" must not decode as one octet */
            i++;
        } else {
            memcpy(o, s + i, len);
            o += len;
            i += len;
        }
    }
    *o = '\0';
    return out;
}

char *text_escape(const char *s, size_t n)
{
    return escape_walk(s, n, 0);
}

char *text_escape_str(const char *s)
{
    return s ? text_escape(s, strlen(s)) : NULL;
}

unsigned char text_next_octet(const char *t, size_t n, size_t *i)
{
    size_t k = *i;
    if (escape_at(t, n, k)) {
        *i = k + 4;
        return (unsigned char)(hex_value((unsigned char)t[k + 2]) << 4 |
                               hex_value((unsigned char)t[k + 3]));
    }
    *i = k + 1;
    return (unsigned char)t[k];
}

size_t text_decode(const char *t, size_t n, unsigned char *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned char c = text_next_octet(t, n, &i);
        if (o == cap)
            return (size_t)-1;
        out[o++] = c;
    }
    return o;
}

unsigned char *text_unescape(const char *t, size_t n, size_t *len)
{
    unsigned char *out = xmalloc(n + 1); /* decoding never lengthens */
    *len = text_decode(t, n, out, n);
    out[*len] = '\0';
    return out;
}

char *text_visible(const char *t, size_t n)
{
    return escape_walk(t, n, 1);
}

void text_put_visible(FILE *f, const char *t)
{
    char *v = text_visible(t, strlen(t));
    fputs(v, f);
    free(v);
}

char *text_json_escape_c1(const char *json)
{
    size_t n = strlen(json);
    /* DEL (one octet) becomes six characters, a C1 pair (two) six as well: six per octet at
     * most (three per octet overflowed on a string of DELs; fuzz_text found it). */
    char *out = xmalloc(n * 6 + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)json[i];
        unsigned cp = 0;
        if (c == 0x7f)
            cp = 0x7f;
        else if (c == 0xc2 && i + 1 < n && (unsigned char)json[i + 1] >= 0x80 &&
                 (unsigned char)json[i + 1] <= 0x9f)
            cp = (unsigned char)json[++i];
        if (cp) {
            memcpy(o, "\\u00", 4);
            o[4] = hexdigits[cp >> 4];
            o[5] = hexdigits[cp & 15];
            o += 6;
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

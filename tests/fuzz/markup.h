/* markup.h: a small well-formedness checker for the HTML and SVG mxsurvey writes (report.html,
 * trend.svg, the charts), used by the escaping harnesses. It is not a full parser: it accepts
 * exactly the subset html.c and svg.c produce, so escaped attacker text that breaks out of a
 * text node or an attribute shows as an error. Rules: no raw control character but TAB, LF,
 * CR; valid UTF-8; '<' only opens a tag, a comment, a <!DOCTYPE> or an <?xml?> declaration;
 * every attribute value is double-quoted and holds no '<' or '"'; every '&' starts an entity
 * (&name; or &#N; or &#xH;); '>' never appears in text; tags nest and close in order (HTML's
 * void elements need no end tag); text inside <style> is CSS and only checked for "</". */
#ifndef MXS_FUZZ_MARKUP_H
#define MXS_FUZZ_MARKUP_H
#include <ctype.h>
#include <string.h>

#include "core/text.h"

static int markup_void(const char *name, size_t n)
{
    static const char *const v[] = {"meta", "br", "hr", "img", "input", "link", "col", "wbr",
                                    "area", "base", "source"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strlen(v[i]) == n && strncmp(v[i], name, n) == 0)
            return 1;
    return 0;
}

static int markup_entity(const char *s, size_t n, size_t *i)
{
    size_t k = *i + 1;
    if (k < n && s[k] == '#') {
        k++;
        int hex = k < n && (s[k] == 'x' || s[k] == 'X');
        k += hex;
        size_t start = k;
        while (k < n && (hex ? isxdigit((unsigned char)s[k]) : isdigit((unsigned char)s[k])))
            k++;
        if (k == start)
            return 0;
    } else {
        size_t start = k;
        while (k < n && isalnum((unsigned char)s[k]))
            k++;
        if (k == start)
            return 0;
    }
    if (k >= n || s[k] != ';')
        return 0;
    *i = k + 1;
    return 1;
}

/* 0 when s[0..n) is well formed by the rules above; else the offset + 1 of the first fault. */
static size_t markup_check(const char *s, size_t n)
{
    const char *stack[128];
    size_t stlen[128], depth = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t l = text_utf8_char(u + i, n - i, &cp);
        if (l == 0 || (text_is_control(cp) && cp != '\t' && cp != '\n' && cp != '\r'))
            return i + 1;
        if (depth && stlen[depth - 1] == 5 && strncmp(stack[depth - 1], "style", 5) == 0 &&
            s[i] != '<') {
            i += l;
            continue;
        }
        if (s[i] == '&') {
            if (!markup_entity(s, n, &i))
                return i + 1;
            continue;
        }
        if (s[i] == '>')
            return i + 1;
        if (s[i] != '<') {
            i += l;
            continue;
        }
        if (n - i >= 4 && strncmp(s + i, "<!--", 4) == 0) {
            const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);
            if (!e)
                return i + 1;
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (n - i >= 2 && (s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *e = memchr(s + i, '>', n - i);
            if (!e || memchr(s + i + 1, '<', (size_t)(e - s) - i - 1))
                return i + 1;
            i = (size_t)(e - s) + 1;
            continue;
        }
        int closing = i + 1 < n && s[i + 1] == '/';
        size_t k = i + 1 + (size_t)closing, name = k;
        while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == ':'))
            k++;
        size_t nlen = k - name;
        if (nlen == 0)
            return i + 1;
        int selfclose = 0;
        for (;;) { /* attributes */
            while (k < n && isspace((unsigned char)s[k]))
                k++;
            if (k >= n)
                return i + 1;
            if (s[k] == '>')
                break;
            if (s[k] == '/' && k + 1 < n && s[k + 1] == '>') {
                selfclose = 1;
                k++;
                break;
            }
            if (closing)
                return k + 1;
            size_t an = k;
            while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == ':' ||
                             s[k] == '_'))
                k++;
            if (k == an)
                return k + 1;
            if (k < n && s[k] == '=') {
                if (k + 1 >= n || s[k + 1] != '"')
                    return k + 1;
                k += 2;
                while (k < n && s[k] != '"') {
                    if (s[k] == '<')
                        return k + 1;
                    if (s[k] == '&') {
                        if (!markup_entity(s, n, &k))
                            return k + 1;
                        continue;
                    }
                    k++;
                }
                if (k >= n)
                    return k;
                k++;
            }
        }
        k++; /* past '>' */
        if (closing) {
            if (depth == 0 || stlen[depth - 1] != nlen ||
                strncasecmp(stack[depth - 1], s + name, nlen) != 0)
                return i + 1;
            depth--;
        } else if (!selfclose && !markup_void(s + name, nlen)) {
            if (depth == sizeof(stack) / sizeof(stack[0]))
                return i + 1;
            stack[depth] = s + name;
            stlen[depth++] = nlen;
        }
        i = k;
    }
    return depth ? n + 1 : 0;
}

#endif

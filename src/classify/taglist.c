/* taglist: see taglist.h for the grammar (RFC 8461 §3.1, RFC 8460 §3). */
#include "taglist.h"

#include <string.h>

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_value_char(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

static void skip_wsp(const char *s, size_t n, size_t *i)
{
    while (*i < n && is_wsp(s[*i]))
        (*i)++;
}

int taglist_next(const char *s, size_t n, size_t *pos, struct tag *t, int loose)
{
    size_t i = *pos;
    if (i >= n)
        return 0;
    size_t start = i;
    if (!is_alnum(s[i]))
        return -1;
    for (i++; i < n && i - start < 32 && (is_alnum(s[i]) || s[i] == '_' || s[i] == '-' ||
                                          s[i] == '.');
         i++)
        ;
    if (i >= n || s[i] != '=')
        return -1;
    t->name = s + start;
    t->name_len = i - start;
    size_t v = ++i;
    if (loose) {
        while (i < n && s[i] != ';' && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
            i++;
        if (i < n && s[i] != ';')
            return -1; /* a control character */
        size_t end = i;
        while (end > v && is_wsp(s[end - 1]))
            end--;
        if (end == v)
            return -1;
        t->value = s + v;
        t->value_len = end - v;
    } else {
        while (i < n && is_value_char((unsigned char)s[i]))
            i++;
        if (i == v)
            return -1;
        t->value = s + v;
        t->value_len = i - v;
        skip_wsp(s, n, &i);
    }
    /* The delimiter: the end of the record, or ";" with WSP around it. */
    if (i < n) {
        if (s[i] != ';')
            return -1;
        i++;
        skip_wsp(s, n, &i);
    }
    *pos = i;
    return 1;
}

int taglist_has_version(const char *s, size_t n, const char *version)
{
    size_t k = strlen(version);
    return n >= k && memcmp(s, version, k) == 0 && (n == k || is_wsp(s[k]) || s[k] == ';');
}

int taglist_select(const char *const *recs, const size_t *lens, size_t n, const char *version)
{
    int found = -1;
    for (size_t i = 0; i < n; i++) {
        if (!taglist_has_version(recs[i], lens[i], version))
            continue;
        if (found >= 0)
            return -2;
        found = (int)i;
    }
    return found;
}

int tag_is(const struct tag *t, const char *name)
{
    return t->name_len == strlen(name) && memcmp(t->name, name, t->name_len) == 0;
}

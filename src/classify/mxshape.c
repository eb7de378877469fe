/* mxshape: see mxshape.h. */
#include "mxshape.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* "." + s (lowercased, one trailing dot dropped, dots turned into dash when dash) + ".". */
static char *dotted(const char *s, int dash)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '.')
        n--;
    char *o = xmalloc(n + 3);
    o[0] = '.';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        o[i + 1] = dash && c == '.' ? '-' : c;
    }
    o[n + 1] = '.';
    o[n + 2] = '\0';
    return o;
}

char *mxshape(const char *mx_host, const char *domain)
{
    if (!mx_host)
        return NULL;
    char *host = dotted(mx_host, 0); /* ".mx.customer.example." */
    char *at = NULL, *hit = NULL;
    size_t hitlen = 0;
    if (domain && *domain && strcmp(domain, ".") != 0) {
        for (int dash = 0; dash < 2 && !at; dash++) {
            hit = dotted(domain, dash);
            at = strstr(host, hit); /* leftmost, on label boundaries (the dots) */
            hitlen = strlen(hit);
            if (!at) {
                free(hit);
                hit = NULL;
            }
        }
    }
    size_t n = strlen(host);
    char *out = xmalloc(n + sizeof(MXSHAPE_DOMAIN) + 1);
    if (at) {
        /* the labels before the hit, MXSHAPE_DOMAIN, the labels after; the padding dots off */
        size_t pre = (size_t)(at - host), post = n - (pre + hitlen);
        char *o = out;
        memcpy(o, host + 1, pre); /* the labels before, with their dot ("mx.") */
        o += pre;
        memcpy(o, MXSHAPE_DOMAIN, strlen(MXSHAPE_DOMAIN));
        o += strlen(MXSHAPE_DOMAIN);
        if (post) {
            *o++ = '.';
            memcpy(o, at + hitlen, post - 1);
            o += post - 1;
        }
        *o = '\0';
    } else {
        memcpy(out, host + 1, n - 2);
        out[n - 2] = '\0';
    }
    free(hit);
    free(host);
    return out;
}

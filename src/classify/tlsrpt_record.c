/* tlsrpt_record: the TLSRPT TXT record (see tlsrpt_record.h; RFC 8460 §3). */
#include "tlsrpt_record.h"

#include <string.h>
#include <strings.h>

#include "taglist.h"

static const char *const errors[] = {
    [TLSRPT_RECORD_OK] = NULL,
    [TLSRPT_RECORD_SYNTAX] = "syntax",
    [TLSRPT_RECORD_NO_RUA] = "no-rua",
    [TLSRPT_RECORD_DUPLICATE_RUA] = "duplicate-rua",
    [TLSRPT_RECORD_BAD_URI] = "bad-uri",
};

const char *tlsrpt_record_error_str(enum tlsrpt_record_error e)
{
    return errors[e];
}

static int starts(const char *u, size_t n, const char *scheme)
{
    size_t k = strlen(scheme);
    return n >= k && strncasecmp(u, scheme, k) == 0; /* schemes are case-insensitive (RFC 3986) */
}

/* One URI of rua, u[0..n) without WSP around it. */
static void one_uri(const char *u, size_t n, struct tlsrpt_record *out)
{
    for (size_t i = 0; i < n; i++)
        if (u[i] == ' ' || u[i] == '\t') {
            out->bad++;
            return;
        }
    if (starts(u, n, "mailto:")) {
        const char *a = u + 7;
        size_t an = n - 7;
        const char *at = memchr(a, '@', an);
        if (at && at > a && at < a + an - 1)
            out->mailto++;
        else
            out->bad++;
    } else if (starts(u, n, "https:")) {
        if (n > 8 && u[6] == '/' && u[7] == '/' && u[8] != '/')
            out->https++;
        else
            out->bad++;
    } else {
        out->bad++;
    }
}

static void rua(const char *v, size_t n, struct tlsrpt_record *out)
{
    size_t i = 0;
    while (i <= n) {
        const char *comma = memchr(v + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - v) : n;
        size_t a = i, b = end;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b > a)
            one_uri(v + a, b - a, out);
        else
            out->bad++; /* an empty URI between commas */
        i = end + 1;
    }
}

enum tlsrpt_record_error tlsrpt_record_parse(const char *s, size_t n, struct tlsrpt_record *out)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0;
    struct tag t;
    int nfields = 0, got_rua = 0, rc;
    /* rua's value holds "," and WSP between URIs: read it up to the next ';'; every other
     * field by the strict grammar. */
    while ((rc = taglist_next(s, n, &pos, &t,
                              nfields > 0 && n - pos > 4 && memcmp(s + pos, "rua=", 4) == 0)) ==
           1) {
        if (nfields++ == 0) {
            if (!tag_is(&t, "v") || t.value_len != 8 || memcmp(t.value, "TLSRPTv1", 8) != 0)
                return TLSRPT_RECORD_SYNTAX;
            continue;
        }
        if (!tag_is(&t, "rua"))
            continue; /* an extension */
        if (got_rua++)
            return TLSRPT_RECORD_DUPLICATE_RUA;
        rua(t.value, t.value_len, out);
    }
    if (rc < 0 || nfields == 0)
        return TLSRPT_RECORD_SYNTAX;
    if (!got_rua)
        return TLSRPT_RECORD_NO_RUA;
    return out->mailto + out->https ? TLSRPT_RECORD_OK : TLSRPT_RECORD_BAD_URI;
}

/* mtasts: the MTA-STS TXT record, policy body and MX patterns (see mtasts.h; RFC 8461). */
#include "mtasts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "match.h"
#include "taglist.h"

static const char *const txt_errors[] = {
    [MTASTS_TXT_OK] = NULL, [MTASTS_TXT_SYNTAX] = "syntax", [MTASTS_TXT_NO_ID] = "no-id",
    [MTASTS_TXT_BAD_ID] = "bad-id",
};

const char *mtasts_txt_error_str(enum mtasts_txt_error e)
{
    return txt_errors[e];
}

static const char *const modes[] = {
    [MTASTS_MODE_UNSET] = NULL, [MTASTS_MODE_NONE] = "none", [MTASTS_MODE_TESTING] = "testing",
    [MTASTS_MODE_ENFORCE] = "enforce",
};

const char *mtasts_mode_str(enum mtasts_mode m)
{
    return modes[m];
}

static const char *const policy_errors[] = {
    [MTASTS_POLICY_OK] = NULL,
    [MTASTS_POLICY_SYNTAX] = "syntax",
    [MTASTS_POLICY_TOO_LARGE] = "too-large",
    [MTASTS_POLICY_BAD_VERSION] = "bad-version",
    [MTASTS_POLICY_BAD_MODE] = "bad-mode",
    [MTASTS_POLICY_BAD_MAX_AGE] = "bad-max-age",
    [MTASTS_POLICY_BAD_MX] = "bad-mx",
    [MTASTS_POLICY_DUPLICATE] = "duplicate",
    [MTASTS_POLICY_NO_VERSION] = "no-version",
    [MTASTS_POLICY_NO_MODE] = "no-mode",
    [MTASTS_POLICY_NO_MAX_AGE] = "no-max-age",
    [MTASTS_POLICY_NO_MX] = "no-mx",
};

const char *mtasts_policy_error_str(enum mtasts_policy_error e)
{
    return policy_errors[e];
}

/* ---- the TXT record ---- */

enum mtasts_txt_error mtasts_txt_parse(const char *s, size_t n, char id[MTASTS_ID_MAX + 1])
{
    size_t pos = 0;
    struct tag t;
    int got_id = 0, nfields = 0, rc;
    id[0] = '\0';
    while ((rc = taglist_next(s, n, &pos, &t, 0)) == 1) {
        if (nfields++ == 0) {
            if (!tag_is(&t, "v") || t.value_len != 5 || memcmp(t.value, "STSv1", 5) != 0)
                return MTASTS_TXT_SYNTAX;
            continue;
        }
        if (!tag_is(&t, "id"))
            continue; /* an extension (§3.1: sts-extension) */
        if (got_id++ || t.value_len > MTASTS_ID_MAX)
            return MTASTS_TXT_BAD_ID;
        for (size_t i = 0; i < t.value_len; i++)
            if (!isalnum((unsigned char)t.value[i]))
                return MTASTS_TXT_BAD_ID;
        memcpy(id, t.value, t.value_len);
        id[t.value_len] = '\0';
    }
    if (rc < 0 || nfields == 0)
        return MTASTS_TXT_SYNTAX;
    return got_id ? MTASTS_TXT_OK : MTASTS_TXT_NO_ID;
}

/* ---- the policy body ---- */

void mtasts_reader_init(struct mtasts_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->pol.max_age = -1;
}

void mtasts_policy_clear(struct mtasts_policy *p)
{
    for (size_t i = 0; i < p->nmx; i++)
        free(p->mx[i]);
    free(p->mx);
    memset(p, 0, sizeof(*p));
    p->max_age = -1;
}

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* 1 when v[0..n) equals the word w exactly (the RFC's values are case-sensitive, %s). */
static int is_word(const char *v, size_t n, const char *w)
{
    return n == strlen(w) && memcmp(v, w, n) == 0;
}

/* A pattern: a domain name, or "*." and one (RFC 8461 §3.2 sts-policy-mx-value). */
static int mx_pattern_ok(const char *v, size_t n)
{
    if (n >= 2 && v[0] == '*' && v[1] == '.')
        v += 2, n -= 2;
    return n > 0 && match_host_valid(v, n);
}

static enum mtasts_policy_error field(struct mtasts_policy *p, const char *key, size_t klen,
                                      const char *v, size_t n)
{
    if (is_word(key, klen, "version")) {
        if (p->has_version)
            return MTASTS_POLICY_DUPLICATE;
        if (!is_word(v, n, "STSv1"))
            return MTASTS_POLICY_BAD_VERSION;
        p->has_version = 1;
    } else if (is_word(key, klen, "mode")) {
        if (p->mode != MTASTS_MODE_UNSET)
            return MTASTS_POLICY_DUPLICATE;
        for (int m = MTASTS_MODE_NONE; m <= MTASTS_MODE_ENFORCE; m++)
            if (is_word(v, n, modes[m]))
                p->mode = (enum mtasts_mode)m;
        if (p->mode == MTASTS_MODE_UNSET)
            return MTASTS_POLICY_BAD_MODE;
    } else if (is_word(key, klen, "max_age")) {
        if (p->max_age >= 0)
            return MTASTS_POLICY_DUPLICATE;
        if (n == 0 || n > 10)
            return MTASTS_POLICY_BAD_MAX_AGE;
        long long age = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9')
                return MTASTS_POLICY_BAD_MAX_AGE;
            age = age * 10 + (v[i] - '0');
        }
        if (age > MTASTS_MAX_AGE_MAX)
            return MTASTS_POLICY_BAD_MAX_AGE;
        p->max_age = (long)age;
    } else if (is_word(key, klen, "mx")) {
        if (!mx_pattern_ok(v, n))
            return MTASTS_POLICY_BAD_MX;
        char *pat = xmalloc(n + 1);
        for (size_t i = 0; i < n; i++)
            pat[i] = (char)tolower((unsigned char)v[i]);
        pat[n] = '\0';
        p->mx = xrealloc(p->mx, (p->nmx + 1) * sizeof(*p->mx));
        p->mx[p->nmx++] = pat;
    }
    return MTASTS_POLICY_OK; /* other keys: extensions, ignored */
}

/* One line, without its terminator. */
static enum mtasts_policy_error line(struct mtasts_policy *p, const char *s, size_t n)
{
    while (n > 0 && is_wsp(s[n - 1]))
        n--;
    if (n == 0)
        return MTASTS_POLICY_OK; /* a blank line: ignored (see mtasts.h) */
    size_t k = 0;
    if (!isalnum((unsigned char)s[0]))
        return MTASTS_POLICY_SYNTAX;
    for (k = 1; k < n && k < 32 &&
                (isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '-' || s[k] == '.');
         k++)
        ;
    if (k >= n || s[k] != ':')
        return MTASTS_POLICY_SYNTAX;
    size_t v = k + 1;
    while (v < n && is_wsp(s[v]))
        v++;
    for (size_t i = v; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && !is_wsp(s[i]))
            return MTASTS_POLICY_SYNTAX;
        else if (s[i] == 0x7f)
            return MTASTS_POLICY_SYNTAX;
    if (v == n)
        return MTASTS_POLICY_SYNTAX; /* a key with no value */
    return field(p, s, k, s + v, n - v);
}

static void fail(struct mtasts_reader *r, enum mtasts_policy_error e)
{
    if (r->err == MTASTS_POLICY_OK)
        r->err = e;
}

enum mtasts_policy_error mtasts_reader_feed(struct mtasts_reader *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n && r->err == MTASTS_POLICY_OK; i++) {
        if (++r->total > MTASTS_POLICY_MAX) {
            r->line++;
            fail(r, MTASTS_POLICY_TOO_LARGE);
            break;
        }
        char c = p[i];
        if (r->cr && c != '\n') {
            r->line++;
            fail(r, MTASTS_POLICY_SYNTAX); /* a bare CR ends no line (LF or CRLF only) */
            break;
        }
        r->cr = 0;
        if (c == '\r') {
            r->cr = 1;
        } else if (c == '\n') {
            r->line++;
            fail(r, line(&r->pol, r->buf, r->len));
            r->len = 0;
        } else if (r->len == sizeof(r->buf)) {
            r->line++;
            fail(r, MTASTS_POLICY_SYNTAX);
        } else {
            r->buf[r->len++] = c;
        }
    }
    return r->err;
}

enum mtasts_policy_error mtasts_reader_end(struct mtasts_reader *r, struct mtasts_policy *out)
{
    memset(out, 0, sizeof(*out));
    out->max_age = -1;
    if (r->err == MTASTS_POLICY_OK && r->cr) {
        r->line++;
        fail(r, MTASTS_POLICY_SYNTAX);
    }
    if (r->err == MTASTS_POLICY_OK && r->len) {
        r->line++;
        fail(r, line(&r->pol, r->buf, r->len));
        r->len = 0;
    }
    if (r->err == MTASTS_POLICY_OK) {
        r->line = 0;
        if (!r->pol.has_version)
            fail(r, MTASTS_POLICY_NO_VERSION);
        else if (r->pol.mode == MTASTS_MODE_UNSET)
            fail(r, MTASTS_POLICY_NO_MODE);
        else if (r->pol.max_age < 0)
            fail(r, MTASTS_POLICY_NO_MAX_AGE);
        else if (r->pol.mode != MTASTS_MODE_NONE && r->pol.nmx == 0)
            fail(r, MTASTS_POLICY_NO_MX);
    }
    if (r->err != MTASTS_POLICY_OK) {
        mtasts_policy_clear(&r->pol);
        return r->err;
    }
    *out = r->pol;
    memset(&r->pol, 0, sizeof(r->pol));
    r->pol.max_age = -1;
    return MTASTS_POLICY_OK;
}

/* ---- MX patterns ---- */

int mtasts_mx_covered(const char *pattern, const char *mx_host)
{
    size_t hn = strlen(mx_host), pn = strlen(pattern);
    if (hn && mx_host[hn - 1] == '.')
        hn--;
    if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* "*.REST" covers LABEL.REST: the host's first label, then exactly REST. */
        const char *dot = memchr(mx_host, '.', hn);
        if (!dot || dot == mx_host)
            return 0;
        size_t rest = hn - (size_t)(dot + 1 - mx_host);
        return rest == pn - 2 && rest > 0 && strncasecmp(dot + 1, pattern + 2, rest) == 0;
    }
    return hn == pn && hn > 0 && strncasecmp(mx_host, pattern, hn) == 0;
}

int mtasts_policy_covers(const struct mtasts_policy *p, const char *mx_host)
{
    for (size_t i = 0; i < p->nmx; i++)
        if (mtasts_mx_covered(p->mx[i], mx_host))
            return (int)i;
    return -1;
}

/* match: see match.h. RFC 6125 §6.4 (DNS-ID, wildcards §6.4.3, CN-ID §6.4.4), RFC 9525 §6.3
 * (wildcard: the complete leftmost label, one label only), RFC 5890 (LDH labels, A-labels),
 * RFC 1035 §2.3.4 (lengths). */
#include "match.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"

/* A UTF-8 reference longer than this cannot be a host name once converted (see input.c). */
#define REFERENCE_INPUT_MAX (4 * MATCH_NAME_MAX + 8)

const char *match_result_str(enum match_result r)
{
    switch (r) {
    case MATCH_NULL:
        return NULL;
    case MATCH_NONE:
        return "none";
    case MATCH_MULTILABEL:
        return "multilabel";
    case MATCH_WILDCARD:
        return "wildcard";
    case MATCH_EXACT:
        return "exact";
    }
    return NULL;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ASCII case-insensitive equality of n octets (no locale). */
static int ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* Length of s with ONE trailing dot dropped. */
static size_t len_no_dot(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

int match_host_valid(const char *name, size_t len)
{
    if (len == 0 || len > MATCH_NAME_MAX)
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && name[i] != '.') {
            if (!is_ldh((unsigned char)name[i]))
                return 0;
            continue;
        }
        size_t l = i - start;
        if (l == 0 || l > 63 || name[start] == '-' || name[i - 1] == '-')
            return 0;
        start = i + 1;
    }
    return 1;
}

/* 1 when s (a host name by the rules above) is an IP address as inet_pton() reads one: a
 * dotted quad or an IPv6 literal. Not inet_aton(), whose extra forms ("127.1", "0x7f.1",
 * "2130706433") match.h takes as ordinary names (issue 8). */
static int is_ip_address(const char *s)
{
    struct in_addr a4;
    struct in6_addr a6;
    return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

int match_public_suffix(const psl_ctx_t *psl, const char *name, size_t len)
{
    if (!match_host_valid(name, len))
        return 0;
    char buf[MATCH_NAME_MAX + 1];
    memcpy(buf, name, len);
    buf[len] = '\0';
    str_ascii_lower(buf);
    return psl_is_public_suffix(psl, buf) != 0;
}

static int has_non_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
}

/* U-labels -> A-labels: non-transitional first (IDNA2008: "ß" stays "ß"), transitional for
 * names it rejects, as input.c does for the domain list. Caller idn2_free()s *out. */
static int to_alabels(const char *in, char **out)
{
    if (idn2_to_ascii_8z(in, out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK)
        return 0;
    *out = NULL;
    if (idn2_to_ascii_8z(in, out, IDN2_TRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK)
        return 0;
    *out = NULL;
    return -1;
}

int match_reference_normalize(const char *reference, char *out)
{
    out[0] = '\0';
    if (!reference)
        return -1;
    size_t n = len_no_dot(reference);
    if (n == 0 || n > REFERENCE_INPUT_MAX)
        return -1;
    if (has_non_ascii(reference, n)) {
        char *copy = xstrndup(reference, n), *alabels = NULL;
        int rc = to_alabels(copy, &alabels);
        free(copy);
        if (rc < 0)
            return -1;
        size_t an = strlen(alabels);
        if (!match_host_valid(alabels, an)) {
            idn2_free(alabels);
            return -1;
        }
        memcpy(out, alabels, an + 1);
        idn2_free(alabels);
    } else {
        if (!match_host_valid(reference, n))
            return -1;
        memcpy(out, reference, n);
        out[n] = '\0';
    }
    str_ascii_lower(out);
    if (is_ip_address(out)) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* A presented name's octets: the text notation decoded into buf (room for MATCH_NAME_MAX + 2:
 * a host name and its trailing dot), one trailing dot dropped. Returns the length, or
 * (size_t)-1 when the name is too long to be a host name anyway. */
#define PRESENTED_MAX (MATCH_NAME_MAX + 2)
static size_t presented_octets(const char *name, char buf[PRESENTED_MAX])
{
    size_t n = text_decode(name, strlen(name), (unsigned char *)buf, PRESENTED_MAX);
    if (n == (size_t)-1)
        return n;
    return n > 0 && buf[n - 1] == '.' ? n - 1 : n;
}

/* The strict verdict of the presented octets p (pl, no trailing dot) against a normalised
 * reference r (rl octets). */
static enum match_result match_normalized(const psl_ctx_t *psl, const char *p, size_t pl,
                                          const char *r, size_t rl)
{
    if (pl >= 2 && p[0] == '*' && p[1] == '.') {
        const char *rest = p + 2;
        size_t restl = pl - 2;
        if (!match_host_valid(rest, restl))
            return MATCH_NONE;
        /* r = PREFIX "." REST with a non-empty PREFIX */
        if (rl < restl + 2 || r[rl - restl - 1] != '.' || !ieq(r + rl - restl, rest, restl))
            return MATCH_NONE;
        /* Checked last: the PSL lookup is the costly part, and only a wildcard that would
         * otherwise match (or nearly) needs it. */
        if (match_public_suffix(psl, rest, restl))
            return MATCH_NONE;
        size_t prefixl = rl - restl - 1;
        return memchr(r, '.', prefixl) ? MATCH_MULTILABEL : MATCH_WILDCARD;
    }
    if (!match_host_valid(p, pl))
        return MATCH_NONE;
    return pl == rl && ieq(p, r, rl) ? MATCH_EXACT : MATCH_NONE;
}

/* The verdict of one presented name (text notation) against a normalised reference. */
static enum match_result match_presented_one(const psl_ctx_t *psl, const char *name,
                                             const char *r, size_t rl)
{
    char p[PRESENTED_MAX];
    size_t pl = presented_octets(name, p);
    if (pl == (size_t)-1)
        return MATCH_NONE;
    return match_normalized(psl, p, pl, r, rl);
}

enum match_result match_name(const psl_ctx_t *psl, const char *presented, const char *reference)
{
    char r[MATCH_NAME_MAX + 1];
    if (!reference)
        return MATCH_NULL;
    if (!presented || match_reference_normalize(reference, r) < 0)
        return MATCH_NONE;
    return match_presented_one(psl, presented, r, strlen(r));
}

/* Equality of the octets of two names in the text notation (decoded), ASCII
 * case-insensitive, one trailing dot ignored on each. */
static int same_name(const char *a, const char *b)
{
    size_t an = strlen(a), bn = strlen(b), i = 0, j = 0;
    int ac = 0, bc = 0;
    /* Decode both in step; a final '.' octet (the trailing dot) is dropped on each side. */
    for (;;) {
        int aend = i >= an, bend = j >= bn;
        ac = aend ? -1 : text_next_octet(a, an, &i);
        bc = bend ? -1 : text_next_octet(b, bn, &j);
        if (ac == '.' && i >= an)
            ac = -1;
        if (bc == '.' && j >= bn)
            bc = -1;
        if (ac < 0 || bc < 0)
            return ac < 0 && bc < 0;
        if (lower((unsigned char)ac) != lower((unsigned char)bc))
            return 0;
    }
}

void match_presented_init(struct match_presented *p, const char *cn, char *const *san,
                          size_t nsan)
{
    p->san = nsan ? san : NULL;
    p->cn = cn;
    p->cn_in_san = 0;
    if (nsan > 0) {
        p->n = nsan;
        p->names_from = "san";
        for (size_t i = 0; cn && i < nsan && !p->cn_in_san; i++)
            p->cn_in_san = san[i] && same_name(cn, san[i]);
    } else if (cn) {
        p->n = 1;
        p->names_from = "cn";
    } else {
        p->n = 0;
        p->names_from = "san";
    }
}

void match_presented_from_cert(struct match_presented *p, const struct cert_info *ci)
{
    if (!ci || ci->error)
        match_presented_init(p, NULL, NULL, 0);
    else
        match_presented_init(p, ci->subject_cn, ci->san_dns, ci->nsan);
}

const char *match_presented_name(const struct match_presented *p, size_t i)
{
    if (i >= p->n)
        return NULL;
    return p->san ? p->san[i] : p->cn;
}

enum match_result match_reference(const psl_ctx_t *psl, const struct match_presented *p,
                                  const char *reference, const char **matched_by)
{
    char r[MATCH_NAME_MAX + 1];
    enum match_result best = reference ? MATCH_NONE : MATCH_NULL;
    const char *by = NULL;
    if (reference && match_reference_normalize(reference, r) == 0) {
        size_t rl = strlen(r);
        for (size_t i = 0; i < p->n && best != MATCH_EXACT; i++) {
            const char *name = match_presented_name(p, i);
            enum match_result m = name ? match_presented_one(psl, name, r, rl) : MATCH_NONE;
            if (m > best) {
                best = m;
                by = name;
            }
        }
    }
    if (matched_by)
        *matched_by = best > MATCH_NONE ? by : NULL;
    return best;
}

/* Glob match of pattern p (pl octets, '*' = any run of octets, possibly empty) against s,
 * ASCII case-insensitive. Iterative with one backtrack point: O(pl * sl). */
static int glob_ieq(const char *p, size_t pl, const char *s, size_t sl)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < sl) {
        if (pi < pl && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pl && lower((unsigned char)p[pi]) == lower((unsigned char)s[si])) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < pl && p[pi] == '*')
        pi++;
    return pi == pl;
}

/* The lax pattern rules of match.h: LDH, '.', '*' only; at least two labels, none empty;
 * no '*' in the last label. */
static int lax_pattern_valid(const char *p, size_t pl)
{
    if (pl == 0 || pl > MATCH_NAME_MAX)
        return 0;
    size_t start = 0, labels = 0;
    int star_in_label = 0;
    for (size_t i = 0; i <= pl; i++) {
        if (i < pl && p[i] != '.') {
            if (p[i] == '*')
                star_in_label = 1;
            else if (!is_ldh((unsigned char)p[i]))
                return 0;
            continue;
        }
        if (i == start)
            return 0;
        labels++;
        if (i == pl && star_in_label)
            return 0;
        star_in_label = 0;
        start = i + 1;
    }
    return labels >= 2;
}

int match_lax(const struct match_presented *p, const char *reference, const char **matched_by)
{
    char r[MATCH_NAME_MAX + 1];
    const char *by = NULL;
    if (reference && match_reference_normalize(reference, r) == 0) {
        size_t rl = strlen(r);
        for (size_t i = 0; i < p->n && !by; i++) {
            const char *name = match_presented_name(p, i);
            char o[PRESENTED_MAX];
            size_t pl = name ? presented_octets(name, o) : (size_t)-1;
            if (pl == (size_t)-1)
                continue;
            /* The strict exact match covers what the glob rules exclude (a one-label name);
             * the glob covers every strict wildcard, public suffix or not (no PSL here). */
            if ((match_host_valid(o, pl) && pl == rl && ieq(o, r, rl)) ||
                (lax_pattern_valid(o, pl) && glob_ieq(o, pl, r, rl)))
                by = name;
        }
    }
    if (matched_by)
        *matched_by = by;
    return by != NULL;
}

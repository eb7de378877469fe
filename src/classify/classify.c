/* classify: see classify.h. RFC 6125 §7.2 and the CA/Browser Forum Baseline Requirements
 * §3.2.2.6 (wildcards over public suffixes), the Public Suffix List (libpsl), RFC 8460 §4.3
 * (TLSRPT result types). */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probe/probe.h"
#include "trust.h"

psl_ctx_t *classify_psl_load(void)
{
    psl_ctx_t *psl = psl_latest(NULL);
    if (psl)
        return psl;
    /* psl_free() leaves the built-in list alone, so handing it out as owned is safe. */
    return (psl_ctx_t *)psl_builtin();
}

/* ---- wildcard class ---- */

const char *wildcard_class_str(enum wildcard_class c)
{
    switch (c) {
    case WILDCARD_NONE:
        return "none";
    case WILDCARD_LEFTMOST:
        return "leftmost";
    case WILDCARD_PARTIAL_LABEL:
        return "partial-label";
    case WILDCARD_NON_LEFTMOST:
        return "non-leftmost";
    case WILDCARD_MULTIPLE:
        return "multiple";
    case WILDCARD_PUBLIC_SUFFIX:
        return "public-suffix";
    case WILDCARD_BARE:
        return "bare";
    }
    return "?";
}

static size_t len_no_dot(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

enum wildcard_class classify_wildcard_name(const psl_ctx_t *psl, const char *name)
{
    if (!name)
        return WILDCARD_NONE;
    size_t n = len_no_dot(name), stars = 0;
    const char *dot = memchr(name, '.', n);
    size_t first_len = dot ? (size_t)(dot - name) : n;
    int star_outside_first = 0;
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '*') {
            stars++;
            star_outside_first |= i >= first_len;
        }
    }
    if (stars == 0)
        return WILDCARD_NONE;
    if (n == 1)
        return WILDCARD_BARE;
    if (stars == 1 && name[0] == '*' && first_len == 1 && match_public_suffix(psl, name + 2, n - 2))
        return WILDCARD_PUBLIC_SUFFIX;
    if (stars > 1)
        return WILDCARD_MULTIPLE;
    if (star_outside_first)
        return WILDCARD_NON_LEFTMOST;
    if (first_len != 1)
        return WILDCARD_PARTIAL_LABEL;
    return WILDCARD_LEFTMOST;
}

enum wildcard_class classify_wildcard_names(const psl_ctx_t *psl, const char *cn,
                                            char *const *san, size_t nsan)
{
    enum wildcard_class worst = classify_wildcard_name(psl, cn);
    for (size_t i = 0; i < nsan; i++) {
        enum wildcard_class c = classify_wildcard_name(psl, san[i]);
        if (c > worst)
            worst = c;
    }
    return worst;
}

enum wildcard_class classify_wildcard_cert(const psl_ctx_t *psl, const struct cert_info *ci)
{
    if (!ci || ci->error)
        return WILDCARD_NONE;
    return classify_wildcard_names(psl, ci->subject_cn, ci->san_dns, ci->nsan);
}

/* ---- provider ---- */

char *classify_provider(const psl_ctx_t *psl, const char *mx_host)
{
    char name[MATCH_NAME_MAX + 1];
    if (match_reference_normalize(mx_host, name) < 0)
        return NULL;
    const char *reg = psl_registrable_domain(psl, name);
    return reg ? xstrdup(reg) : NULL;
}

/* 1 when name[0..n) equals provider (pl octets) or ends with "." provider. */
static int within(const char *name, size_t n, const char *provider, size_t pl)
{
    if (n < pl)
        return 0;
    const char *tail = name + n - pl;
    for (size_t i = 0; i < pl; i++) {
        unsigned char a = (unsigned char)tail[i], b = (unsigned char)provider[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b + 32);
        if (a != b)
            return 0;
    }
    return n == pl || name[n - pl - 1] == '.';
}

int classify_cert_provider_match(const struct match_presented *p, const char *provider)
{
    if (!provider)
        return 0;
    size_t pl = len_no_dot(provider);
    if (!match_host_valid(provider, pl))
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const char *name = match_presented_name(p, i);
        if (!name)
            continue;
        size_t n = len_no_dot(name);
        /* The fixed part: the labels after the last label holding a '*'. */
        const char *last_star = NULL;
        for (size_t j = 0; j < n; j++)
            if (name[j] == '*')
                last_star = name + j;
        const char *fixed = name;
        if (last_star) {
            const char *dot = memchr(last_star, '.', n - (size_t)(last_star - name));
            if (!dot)
                continue;
            fixed = dot + 1;
        }
        size_t fl = n - (size_t)(fixed - name);
        if (match_host_valid(fixed, fl) && within(fixed, fl, provider, pl))
            return 1;
    }
    return 0;
}

/* ---- TLSRPT ---- */

/* The result types of RFC 8460 §4.3 that classify_tlsrpt gives, spelled once. */
enum tlsrpt_type {
    TLSRPT_STARTTLS_NOT_SUPPORTED,
    TLSRPT_VALIDATION_FAILURE,
    TLSRPT_CERTIFICATE_EXPIRED,
    TLSRPT_CERTIFICATE_NOT_TRUSTED,
    TLSRPT_CERTIFICATE_HOST_MISMATCH,
};
static const char *const tlsrpt_types[] = {
    [TLSRPT_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
    [TLSRPT_VALIDATION_FAILURE] = "validation-failure",
    [TLSRPT_CERTIFICATE_EXPIRED] = "certificate-expired",
    [TLSRPT_CERTIFICATE_NOT_TRUSTED] = "certificate-not-trusted",
    [TLSRPT_CERTIFICATE_HOST_MISMATCH] = "certificate-host-mismatch",
};

/* The trust reasons (trust.h) that name a TLSRPT type of their own. */

static int has_reason(const char *const *reasons, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (reasons[i] && strcmp(reasons[i], what) == 0)
            return 1;
    return 0;
}

const char *classify_tlsrpt(enum probe_status status, int client_limit,
                            const char *const *reasons, size_t nreasons, enum match_result mx_match)
{
    if (status == PROBE_NO_STARTTLS || status == PROBE_STARTTLS_REFUSED)
        return tlsrpt_types[TLSRPT_STARTTLS_NOT_SUPPORTED];
    if (status == PROBE_TLS_FAILED && client_limit)
        return NULL; /* the session failed on this client's own limit: no verdict on the server */
    if (status == PROBE_TLS_FAILED)
        return tlsrpt_types[TLSRPT_VALIDATION_FAILURE];
    /* cert-seen: the certificate is judged as for ok (the chain and names are there); that
     * the session would complete is not known, so a NULL then says only that no certificate
     * failure was found. */
    if (status != PROBE_OK && status != PROBE_CERT_SEEN)
        return NULL; /* connect-failed, timeout, smtp-error, blocked: no TLS session attempted */
    if (has_reason(reasons, nreasons, trust_reason_str(TRUST_REASON_EXPIRED)))
        return tlsrpt_types[TLSRPT_CERTIFICATE_EXPIRED];
    if (has_reason(reasons, nreasons, trust_reason_str(TRUST_REASON_SELF_SIGNED)) ||
        has_reason(reasons, nreasons, trust_reason_str(TRUST_REASON_UNKNOWN_CA)))
        return tlsrpt_types[TLSRPT_CERTIFICATE_NOT_TRUSTED];
    if (nreasons > 0)
        return tlsrpt_types[TLSRPT_VALIDATION_FAILURE];
    if (mx_match != MATCH_EXACT && mx_match != MATCH_WILDCARD)
        return tlsrpt_types[TLSRPT_CERTIFICATE_HOST_MISMATCH];
    return NULL;
}

/* ---- patterns ---- */

const char *const classify_pattern_words[PATTERN_COUNT] = {
    [PATTERN_MX_EXACT] = "mx-exact",
    [PATTERN_MX_WILDCARD] = "mx-wildcard",
    [PATTERN_MX_MULTILABEL] = "mx-multilabel",
    [PATTERN_DOMAIN] = "domain",
    [PATTERN_PROVIDER] = "provider",
    [PATTERN_PTR] = "ptr",
    [PATTERN_UNRELATED] = "unrelated",
    [PATTERN_NO_TLS] = "no-tls",
    [PATTERN_UNREACHABLE] = "unreachable",
    [PATTERN_NO_MAIL] = "no-mail",
    [PATTERN_BLOCKED] = "blocked",
};

const char *classify_pattern_str(enum classify_pattern p)
{
    return (unsigned)p < PATTERN_COUNT ? classify_pattern_words[p] : "?";
}

int classify_pattern_parse(const char *s)
{
    for (int i = 0; s && i < PATTERN_COUNT; i++)
        if (strcmp(classify_pattern_words[i], s) == 0)
            return i;
    return -1;
}

static int accepted(enum match_result m)
{
    return m == MATCH_EXACT || m == MATCH_WILDCARD;
}

struct classify_endpoint classify_endpoint_make(const psl_ctx_t *psl,
                                                const struct match_presented *p,
                                                enum probe_status status, const char *mx_host,
                                                const char *domain, const char *ptr)
{
    char *provider = classify_provider(psl, mx_host);
    struct classify_endpoint ep = {
        .status = status,
        .mx_match = match_reference(psl, p, mx_host, NULL),
        .domain_match = match_reference(psl, p, domain, NULL),
        .ptr_match = match_reference(psl, p, ptr, NULL),
        .provider_match = classify_cert_provider_match(p, provider),
    };
    free(provider);
    return ep;
}

enum classify_pattern classify_endpoint_pattern(const struct classify_endpoint *ep)
{
    if (ep->mx_match == MATCH_EXACT)
        return PATTERN_MX_EXACT;
    if (ep->mx_match == MATCH_WILDCARD)
        return PATTERN_MX_WILDCARD;
    if (ep->mx_match == MATCH_MULTILABEL)
        return PATTERN_MX_MULTILABEL;
    if (accepted(ep->domain_match))
        return PATTERN_DOMAIN;
    if (ep->provider_match)
        return PATTERN_PROVIDER;
    if (accepted(ep->ptr_match))
        return PATTERN_PTR;
    return PATTERN_UNRELATED;
}

int classify_has_cert_verdict(enum probe_status status)
{
    return status == PROBE_OK || status == PROBE_CERT_SEEN;
}

/* The endpoint answered SMTP (a greeting came) but no TLS session was made. */
static int answered_smtp(enum probe_status status)
{
    return status == PROBE_NO_STARTTLS || status == PROBE_STARTTLS_REFUSED ||
           status == PROBE_TLS_FAILED || status == PROBE_SMTP_ERROR;
}

struct classify_domain_result classify_domain(int no_mail,
                                              const struct classify_endpoint *eps, size_t n)
{
    struct classify_domain_result r = {.primary = -1, .pattern = PATTERN_UNREACHABLE,
                                       .consistent = 1};
    int any_smtp = 0;
    size_t blocked = 0;
    enum classify_pattern first = PATTERN_UNRELATED;
    for (size_t i = 0; i < n; i++) {
        if (!classify_has_cert_verdict(eps[i].status)) {
            any_smtp |= answered_smtp(eps[i].status);
            blocked += eps[i].status == PROBE_BLOCKED;
            continue;
        }
        enum classify_pattern p = classify_endpoint_pattern(&eps[i]);
        if (r.primary < 0) {
            r.primary = (long)i;
            first = p;
        } else if (p != first) {
            r.consistent = 0;
        }
    }
    if (r.primary >= 0)
        r.pattern = first;
    else if (no_mail)
        r.pattern = PATTERN_NO_MAIL;
    else if (n > 0 && blocked == n) /* the scanner's choice, not the domain's state */
        r.pattern = PATTERN_BLOCKED;
    else if (any_smtp)
        r.pattern = PATTERN_NO_TLS;
    return r;
}

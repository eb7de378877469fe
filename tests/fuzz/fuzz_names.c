/* libFuzzer harness for certificate names through matching and classification (src/classify/match.c,
 * src/classify/classify.c, src/core/text.c). The input is lines of raw octets (NUL included): a reference
 * name (any octets, as a greeting may give), an email domain, a PTR name, a subject CN, then SAN
 * dNSNames; the CN and SANs are turned into the text notation as cert.c stores names
 * (text_escape: only NUL, invalid UTF-8 and a backslash that would read as an escape become
 * "\xHH"). Invariants:
 *   - a presented name holding a backslash (an escaped octet, or a literal '\') never matches,
 *     strictly or laxly; nor does any name with a NUL, space or other non-LDH octet;
 *   - strict is a subset of lax: an exact, wildcard or multilabel strict verdict is a lax
 *     acceptance; and matched_by is a presented name whose own verdict is the result;
 *   - match_reference_normalize is idempotent and gives a lowercase host name or fails;
 *   - case does not change a verdict (ASCII upper-casing of names without a backslash);
 *   - a name of wildcard class public-suffix or bare never matches strictly; a certificate's
 *     class is at least each of its names';
 *   - classify_provider gives a host name the normalised reference ends with;
 *   - endpoint and domain classification give values in range, the domain's primary is an
 *     endpoint with status ok, TLSRPT verdicts come from the documented set;
 *   - text_visible of every name holds no control character.
 * Seeds: tests/fuzz/corpus/names/ (the world's certificate names against its MX hosts, the
 * x509-limbo cases' names, escaped NULs and control characters). */
#include "fuzz.h"

#include <ctype.h>

#include "classify/classify.h"
#include "classify/match.h"
#include "core/text.h"

#define MAX_FIELDS 12

static const psl_ctx_t *psl(void)
{
    static psl_ctx_t *p; /* loaded once for the process (a harness runs one input at a time) */
    if (!p)
        p = classify_psl_load();
    return p;
}

static int strict_match(enum match_result r)
{
    return r == MATCH_EXACT || r == MATCH_WILDCARD;
}

static char *upper(const char *s)
{
    char *u = strdup(s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

static void one_name(const char *name, const char *ref)
{
    enum match_result r = match_name(psl(), name, ref);
    REQUIRE(r >= MATCH_NULL && r <= MATCH_EXACT);
    REQUIRE((r == MATCH_NULL) == (ref == NULL));
    size_t len = strlen(name);
    int ldh = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '*'))
            ldh = 0;
    }
    if (!ldh)
        REQUIRE(r == MATCH_NONE || r == MATCH_NULL);
    /* lax of this one name alone */
    char *one[1] = {(char *)name};
    struct match_presented p1;
    match_presented_init(&p1, NULL, one, 1);
    int lax = ref ? match_lax(&p1, ref, NULL) : 0;
    if (!ldh)
        REQUIRE(!lax);
    if (r == MATCH_EXACT || r == MATCH_WILDCARD || r == MATCH_MULTILABEL)
        REQUIRE(lax);
    enum wildcard_class wc = classify_wildcard_name(psl(), name);
    REQUIRE(wc >= WILDCARD_NONE && wc <= WILDCARD_BARE && wildcard_class_str(wc));
    if (wc == WILDCARD_PUBLIC_SUFFIX || wc == WILDCARD_BARE)
        REQUIRE(!strict_match(r));
    if (wc == WILDCARD_NONE)
        REQUIRE(strchr(name, '*') == NULL);
    if (ref && !strchr(name, '\\') && !strchr(ref, '\\')) {
        char *un = upper(name), *ur = upper(ref);
        REQUIRE(match_name(psl(), un, ur) == r);
        free(un);
        free(ur);
    }
    char *v = text_visible(name, len);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        REQUIRE(*p >= 0x20 && *p != 0x7f && !(*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* The fields, split at LF; the presented names (3 and up) as cert.c writes them. */
    char *f[MAX_FIELDS];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= size && nf < MAX_FIELDS; i++) {
        if (i == size || data[i] == '\n') {
            f[nf] = nf >= 3 ? text_escape((const char *)data + start, i - start)
                            : fuzz_dup(data + start, i - start);
            nf++;
            start = i + 1;
        }
    }
    const char *ref = nf > 0 && *f[0] ? f[0] : NULL;
    const char *domain = nf > 1 && *f[1] ? f[1] : NULL;
    const char *ptr = nf > 2 && *f[2] ? f[2] : NULL;
    const char *cn = nf > 3 && *f[3] ? f[3] : NULL;
    char **san = nf > 4 ? f + 4 : NULL;
    size_t nsan = nf > 4 ? nf - 4 : 0;

    /* the reference: normalisation is idempotent and gives a host name */
    char norm[MATCH_NAME_MAX + 1], again[MATCH_NAME_MAX + 1];
    if (ref && match_reference_normalize(ref, norm) == 0) {
        size_t n = strlen(norm);
        REQUIRE(n >= 1 && n <= MATCH_NAME_MAX && match_host_valid(norm, n));
        for (size_t i = 0; i < n; i++)
            REQUIRE(!isupper((unsigned char)norm[i]));
        REQUIRE(match_reference_normalize(norm, again) == 0 && strcmp(norm, again) == 0);
        char *prov = classify_provider(psl(), ref);
        if (prov) {
            size_t pn = strlen(prov);
            REQUIRE(match_host_valid(prov, pn) && pn <= n);
            REQUIRE(strcmp(norm + n - pn, prov) == 0 && (pn == n || norm[n - pn - 1] == '.'));
            free(prov);
        }
    } else if (ref) {
        REQUIRE(norm[0] == '\0');
        REQUIRE(classify_provider(psl(), ref) == NULL);
    }

    /* each presented name on its own */
    if (cn)
        one_name(cn, ref);
    for (size_t i = 0; i < nsan; i++)
        one_name(san[i], ref);

    /* the certificate as a whole */
    struct match_presented p;
    match_presented_init(&p, cn, san, nsan);
    REQUIRE(p.n == (nsan ? nsan : cn ? 1 : 0));
    const char *by = NULL;
    enum match_result r = match_reference(psl(), &p, ref, &by);
    if (r == MATCH_NULL || r == MATCH_NONE) {
        REQUIRE(by == NULL);
    } else {
        int found = 0;
        for (size_t i = 0; i < p.n; i++)
            found |= match_presented_name(&p, i) == by;
        REQUIRE(found);
        REQUIRE(match_name(psl(), by, ref) == r);
        const char *lax_by = NULL;
        REQUIRE(match_lax(&p, ref, &lax_by) == 1 && lax_by != NULL);
    }
    enum wildcard_class wc = classify_wildcard_names(psl(), cn, san, nsan);
    for (size_t i = 0; i < nsan; i++)
        REQUIRE(wc >= classify_wildcard_name(psl(), san[i]));
    if (cn)
        REQUIRE(wc >= classify_wildcard_name(psl(), cn));

    /* one endpoint per status, seen from this domain */
    static const enum probe_status statuses[] = {
        PROBE_OK,      PROBE_NO_STARTTLS, PROBE_STARTTLS_REFUSED, PROBE_TLS_FAILED,
        PROBE_CONNECT_FAILED, PROBE_TIMEOUT, PROBE_SMTP_ERROR, PROBE_BLOCKED};
    struct classify_endpoint eps[8];
    for (size_t i = 0; i < 8; i++) {
        eps[i] = classify_endpoint_make(psl(), &p, statuses[i], ref, domain, ptr);
        REQUIRE(eps[i].mx_match == r);
        enum classify_pattern pat = classify_endpoint_pattern(&eps[i]);
        REQUIRE(pat >= PATTERN_MX_EXACT && pat <= PATTERN_UNRELATED && classify_pattern_str(pat));
        static const char *const reasons[] = {"expired", "unknown-ca", "weird"};
        const char *t = classify_tlsrpt(statuses[i], data[0] & 4, reasons, data[0] % 4, r);
        if (t)
            REQUIRE(strcmp(t, "starttls-not-supported") == 0 ||
                    strcmp(t, "validation-failure") == 0 ||
                    strcmp(t, "certificate-expired") == 0 ||
                    strcmp(t, "certificate-not-trusted") == 0 ||
                    strcmp(t, "certificate-host-mismatch") == 0);
    }
    size_t first = size ? data[size - 1] % 8 : 0;
    struct classify_domain_result d = classify_domain(0, eps + first, 8 - first);
    REQUIRE(d.primary >= -1 && d.primary < (long)(8 - first));
    if (d.primary >= 0)
        REQUIRE(eps[first + (size_t)d.primary].status == PROBE_OK);
    REQUIRE(classify_pattern_str(d.pattern) != NULL);
    d = classify_domain(1, NULL, 0);
    REQUIRE(d.primary == -1 && d.pattern == PATTERN_NO_MAIL);

    for (size_t i = 0; i < nf; i++)
        free(f[i]);
    return 0;
}

/* classify: what a survey says about one certificate, endpoint and domain, from the strict name
 * verdicts of match.h and the Public Suffix List. Pure functions: no I/O, no globals; the PSL
 * is loaded once by the caller (classify_psl_load) and passed in.
 *
 * Names are compared ASCII case-insensitively with one trailing dot ignored, and must be host
 * names as match.h defines them wherever a host name is needed. Certificate names come as
 * text in the notation of text.h; the rules here look only for '*', '.' and host names, which
 * the notation writes as themselves, so a name holding "\xHH" (a NUL, invalid UTF-8) or any
 * other non-LDH character is never a host name, as its decoded octets would not be.
 */
#ifndef MXS_CLASSIFY_H
#define MXS_CLASSIFY_H
#include <stddef.h>

#include <libpsl.h>

#include "match.h"
#include "probe/result.h"

/* Loads the newest PSL available: psl_latest(NULL) (Debian's
 * /usr/share/publicsuffix/public_suffix_list.dafsa or libpsl's built-in list, whichever is
 * newer), falling back to psl_builtin(). Never NULL in practice (NULL only when libpsl has
 * neither). The caller owns the result and frees it once with psl_free() when done (a no-op
 * for the built-in list, so always safe). Loading reads a file: do it once, not per name. */
psl_ctx_t *classify_psl_load(void);

/* ---- wildcard class of a certificate ----
 * Of one name (one trailing dot dropped first), the first that holds:
 *   bare           the name is "*";
 *   public-suffix  "*." directly over a public suffix: the rest is a host name that
 *                  match_public_suffix() accepts (psl_is_public_suffix(): ICANN and private
 *                  sections, and the PSL's default "*" rule, so an unlisted TLD such as
 *                  "example" counts): "*.com", "*.co.uk", "*.example", "*.s3.amazonaws.com".
 *                  The same predicate makes match.h refuse such a wildcard, so every name of
 *                  this class is one that never matches strictly;
 *   multiple       more than one '*' ("*.*.x.example");
 *   non-leftmost   a '*' outside the leftmost label ("mx.*.x.example");
 *   partial-label  the leftmost label holds '*' and other characters ("f*.x", "*x.y");
 *   leftmost       "*.x.y" (also when the rest is not a host name: the class describes the
 *                  wildcard's shape);
 *   none           no '*'.
 * Of a certificate: the most severe class among its presented names AND its subject CN
 * (even a CN that is not presented because SAN dNSNames exist). Ordered by severity. */
enum wildcard_class {
    WILDCARD_NONE,
    WILDCARD_LEFTMOST,
    WILDCARD_PARTIAL_LABEL,
    WILDCARD_NON_LEFTMOST,
    WILDCARD_MULTIPLE,
    WILDCARD_PUBLIC_SUFFIX,
    WILDCARD_BARE,
};
/* "none", "leftmost", "partial-label", "non-leftmost", "multiple", "public-suffix", "bare". */
const char *wildcard_class_str(enum wildcard_class c);
enum wildcard_class classify_wildcard_name(const psl_ctx_t *psl, const char *name);
/* cn may be NULL; san may be NULL when nsan is 0. */
enum wildcard_class classify_wildcard_names(const psl_ctx_t *psl, const char *cn,
                                            char *const *san, size_t nsan);
/* The same for a parsed certificate (one with `error` set: WILDCARD_NONE). */
enum wildcard_class classify_wildcard_cert(const psl_ctx_t *psl, const struct cert_info *ci);

/* ---- provider ----
 * The registrable domain (psl_registrable_domain: public suffix + one label) of an MX host
 * name, normalised first as a reference name (match_reference_normalize: lowercase A-labels,
 * no trailing dot): "mx.example.co.uk" -> "example.co.uk",
 * "customer.example.s6a1.psmtp.example" -> "psmtp.example". NULL when there is none: the host
 * is itself a public suffix ("co.uk", "example"), or is not a valid host name, or is an IP
 * address. Newly allocated; caller frees. */
char *classify_provider(const psl_ctx_t *psl, const char *mx_host);

/* 1 when some presented name lies within provider: its fixed part equals provider or ends
 * with "." provider. The fixed part of a name without '*' is the name; of a wildcard name, the
 * labels after the last label holding a '*' ("*.psmtp.example" -> "psmtp.example", as does
 * "f*.psmtp.example"). The fixed part must be a host name (an escaped NUL never counts; a bare
 * "*" has none). 0 when provider is NULL or not a host name. */
int classify_cert_provider_match(const struct match_presented *p, const char *provider);

/* ---- TLSRPT result type (RFC 8460 §4.3) of one endpoint ----
 * status: the probe status (probe/result.h); client_limit: a tls-failed session ended on this
 * client's own limit (probe_result.tls_client_limit); reasons: the chain's trust problems (strings from
 * "expired", "not-yet-valid", "self-signed", "unknown-ca", "bad-signature", "bad-key-usage",
 * "weak-key", "other"; nreasons 0 = a valid chain); mx_match: the strict match of the
 * certificate against the MX host name. Rules, first that holds:
 *   no-starttls, starttls-refused       -> "starttls-not-supported"
 *   tls-failed with client_limit        -> NULL (the session ended on this client's own
 *                                          limit: the server is not judged; a chain over 16 KB)
 *   tls-failed                          -> "validation-failure"
 *   connect-failed, timeout, smtp-error, blocked -> NULL (no TLS session was attempted)
 *   ok, a reason "expired"              -> "certificate-expired"
 *   ok, a reason "self-signed" or "unknown-ca" -> "certificate-not-trusted"
 *   ok, any other reason (not-yet-valid, bad-signature, bad-key-usage, weak-key, other, or a
 *       string not listed here)         -> "validation-failure"
 *   ok, mx_match not exact or wildcard  -> "certificate-host-mismatch"
 *   ok                                  -> NULL (the session would pass)
 * cert-seen (certificate mode: the chain was received, the handshake stopped there by design)
 * takes the four "ok" rules above, its certificate being there to judge; its NULL says only
 * that no certificate failure was found, not that a session would complete. 
 * Returns a static string or NULL. */
const char *classify_tlsrpt(enum probe_status status, int client_limit,
                            const char *const *reasons, size_t nreasons, enum match_result mx_match);

/* ---- the naming pattern of an endpoint and of a domain ----
 * In the order of docs/schema.md (domains.jsonl `pattern`), which is also the order of the
 * columns and charts that show them (summary.json, providers.csv, trend.csv, report.html). */
enum classify_pattern {
    PATTERN_MX_EXACT,      /* the certificate names the MX host exactly */
    PATTERN_MX_WILDCARD,   /* ... through a one-label wildcard */
    PATTERN_MX_MULTILABEL, /* ... only if '*' could stand for several labels */
    PATTERN_DOMAIN,        /* it matches the email domain (exact or wildcard) */
    PATTERN_PROVIDER,      /* it names something within the MX host's registrable domain */
    PATTERN_PTR,           /* it matches the address's PTR name (exact or wildcard) */
    PATTERN_UNRELATED,     /* none of these */
    /* domain-only values, when no endpoint completed TLS: */
    PATTERN_NO_TLS,        /* some endpoint answered SMTP but no TLS session was made */
    PATTERN_UNREACHABLE,   /* no endpoints, or all connect-failed / timeout */
    PATTERN_NO_MAIL,       /* the domain accepts no mail: null-mx, nxdomain, invalid */
    PATTERN_BLOCKED,       /* every endpoint's address is on the blocklist: nothing was probed */
    PATTERN_COUNT
};
/* The one spelling of each pattern, indexed by the enum: "mx-exact", "mx-wildcard",
 * "mx-multilabel", "domain", "provider", "ptr", "unrelated", "no-tls", "unreachable",
 * "no-mail", "blocked". Every file that writes or reads a pattern takes it from here. */
extern const char *const classify_pattern_words[PATTERN_COUNT];
/* classify_pattern_words[p]; "?" for a value out of range. */
const char *classify_pattern_str(enum classify_pattern p);
/* The pattern spelled s, or -1 (s NULL or no pattern). */
int classify_pattern_parse(const char *s);

/* What classify_domain needs of one endpoint. Borrowed. */
struct classify_endpoint {
    enum probe_status status;     /* the probe's verdict (probe/result.h) */
    enum match_result mx_match;   /* strict match vs the MX host name */
    enum match_result domain_match; /* ... vs the email domain */
    enum match_result ptr_match;  /* ... vs the PTR name (MATCH_NULL when none) */
    int provider_match;           /* classify_cert_provider_match() */
};

/* The classify_endpoint of one endpoint as seen from one domain, computed with the scan's
 * strict rules: mx_match, domain_match and ptr_match are match_reference(psl, p, mx_host /
 * domain / ptr) (MATCH_NULL for a NULL name), provider_match is classify_cert_provider_match(p,
 * classify_provider(psl, mx_host)). p: the certificate's presented names (an endpoint without
 * a certificate presents none). */
struct classify_endpoint classify_endpoint_make(const psl_ctx_t *psl,
                                                const struct match_presented *p,
                                                enum probe_status status, const char *mx_host,
                                                const char *domain, const char *ptr);

/* The pattern of one endpoint from its matches, the first that holds: mx-exact, mx-wildcard,
 * mx-multilabel (mx_match), domain (domain_match exact or wildcard), provider, ptr (ptr_match
 * exact or wildcard), unrelated. Looks at the matches only: meaningful for an endpoint whose
 * status is ok or cert-seen (classify_domain only asks about those). */
enum classify_pattern classify_endpoint_pattern(const struct classify_endpoint *ep);

/* The status gives a certificate to classify a domain by: ok (a session was made) or
 * cert-seen (certificate mode: the chain was received; names and trust are measured, whether a
 * session would complete is not). Such an endpoint can be a domain's primary. */
int classify_has_cert_verdict(enum probe_status status);

struct classify_domain_result {
    long primary;                  /* index of the primary endpoint: the first (most preferred)
                                    * whose status is ok or cert-seen (classify_has_cert_verdict:
                                    * one mode gives only ok, the other only cert-seen); -1 when
                                    * none */
    enum classify_pattern pattern; /* the primary's pattern; without one: no-mail (no_mail), else blocked (there are
                                    * endpoints, all of status blocked), else no-tls (some
                                    * endpoint status no-starttls, starttls-refused, tls-failed
                                    * or smtp-error), else unreachable */
    int consistent;                /* every endpoint with status ok or cert-seen has the same
                                    * pattern (1 when fewer than two) */
};

/* no_mail: the domain accepts no mail (a null MX, NXDOMAIN, or an input line that is no host
 * name: the caller's resolve and input statuses say which). eps: the
 * domain's endpoints in preference order (lowest MX preference first, then the address order
 * within the MX entry); eps may be NULL when n is 0. */
struct classify_domain_result classify_domain(int no_mail,
                                              const struct classify_endpoint *eps, size_t n);

#endif

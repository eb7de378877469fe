/* match: would a sending MTA that checks names accept this certificate for this name?
 * Pure functions (no I/O) implementing service-identity checking for DNS names as RFC 6125
 * §6.4 and RFC 9525 §6.3 define it, strictly, plus a separate "lax" verdict. The Public Suffix
 * List is passed in (classify_psl_load()), never loaded here.
 *
 * Presented identifiers (RFC 6125 §6.4.4, RFC 9525 §6.1): the certificate's SAN dNSNames; the
 * subject CN only when the certificate has no SAN dNSName at all. A CN beside SAN dNSNames is
 * never matched. Names arrive as cert.h stores them, as text in the notation of text.h ("\xHH"
 * for an octet that is not valid UTF-8, or NUL); every rule below works on the DECODED octets
 * (text_decode), so a name holding a NUL, a space, a backslash, a control character or any
 * non-ASCII octet is not a host name and never matches.
 *
 * Host name (both sides): after dropping ONE trailing dot, 1..253 octets of labels separated by
 * '.', each label 1..63 octets of ASCII letters, digits and '-', not starting or ending with
 * '-' (the RFC 5890 LDH label; no '_', no spaces, no '*', no '\'). An "xn--" label is compared
 * as text. Comparison is ASCII case-insensitive. All-numeric labels are allowed
 * ("2130706433", "127.1" and "0xC0A80101" are host names by this rule).
 *
 * Reference identifier (the name we check against): from DNS (lowercase A-labels) or from a
 * server's greeting (any bytes). It is normalised by match_reference_normalize(): one trailing
 * dot dropped; a name with non-ASCII octets converted to A-labels with libidn2 (UTS #46
 * non-transitional, then transitional); lowercased; it must then be a host name as above and
 * must not be an IP address: RFC 6125 §6.2.1 / RFC 9525 §6.2.2 put IP addresses in iPAddress
 * SANs, which are not checked here, so "192.168.1.1" never matches a dNSName, not even a
 * presented "192.168.1.1". A reference is an IP address only when inet_pton() parses it
 * (AF_INET: exactly four decimal parts, no leading zeros; AF_INET6). The older inet_aton()
 * forms are NOT addresses here but ordinary names ("0xC0A80101", "127.1", "2130706433"): a
 * verifier given such a name looks it up as a name, and "0xC0A80101" matches a presented
 * "0xC0A80101" exactly. A reference that fails normalisation matches nothing (MATCH_NONE).
 *
 * Public suffix (match_public_suffix): a host name that the PSL lists as a public suffix,
 * psl_is_public_suffix(): its ICANN and private sections ("com", "co.uk", "github.io",
 * "s3.amazonaws.com") and its default "*" rule, so an unlisted TLD ("example", "localhost")
 * counts. The one predicate both this file and classify.h's `public-suffix` wildcard class
 * use, so the two cannot disagree.
 *
 * Strict results, best first:
 *   MATCH_EXACT      a presented host name equal to the reference;
 *   MATCH_WILDCARD   a presented "*.REST" (the whole leftmost label is '*', REST a host name,
 *                    so no other '*') where the reference is LABEL.REST: '*' stands for
 *                    exactly one non-empty label. "*.example.com" never matches "example.com".
 *                    Partial-label ("f*.x.example", "*x.y"), non-leftmost ("mx.*.x.example"),
 *                    multiple ("*.*.x.example") and bare ("*") wildcards never match. A
 *                    wildcard directly over a public suffix ("*.com", "*.co.uk",
 *                    "*.github.io", "*.example") never matches: RFC 6125 §7.2 and RFC 9525
 *                    §7.1 warn against them, the CA/Browser Forum BR §3.2.2.6 forbids issuing
 *                    them, and verifiers refuse them to various depths (OpenSSL any "*.TLD",
 *                    Chrome any ICANN suffix, x509-limbo's webpki cases); this rule takes the
 *                    whole PSL, private section included. "*.com" against "a.com" is
 *                    MATCH_NONE, while classify.h still calls the wildcard `public-suffix`;
 *   MATCH_MULTILABEL no exact or wildcard match, but a presented "*.REST" would match if '*'
 *                    could stand for two or more labels ("*.psmtp.example" against
 *                    "customer.example.s6a1.psmtp.example"): what RFC 6125 forbids and
 *                    shared-MX providers rely on. Never from a wildcard over a public suffix
 *                    ("*.com" against "a.b.com" is MATCH_NONE);
 *   MATCH_NONE       anything else;
 *   MATCH_NULL       there was no reference name to check (a NULL reference).
 *
 * psl: the list to use. A NULL psl counts every name as a public suffix (libpsl's answer
 * without a list), so no wildcard matches: failing closed.
 */
#ifndef MXS_MATCH_H
#define MXS_MATCH_H
#include <stddef.h>

#include <libpsl.h>

#include "probe/cert.h"

/* Longest host name in text form, without the trailing dot. */
#define MATCH_NAME_MAX 253

/* Ordered: a larger value is a better match. */
enum match_result {
    MATCH_NULL,       /* reference absent */
    MATCH_NONE,
    MATCH_MULTILABEL,
    MATCH_WILDCARD,
    MATCH_EXACT,
};
/* NULL for MATCH_NULL (JSON null), else "none", "multilabel", "wildcard", "exact". */
const char *match_result_str(enum match_result r);

/* The presented identifiers of one certificate. Borrows the certificate's strings: valid as
 * long as they are. Read the names with match_presented_name(). */
struct match_presented {
    char *const *san;       /* the SAN dNSNames (when names_from is "san") */
    const char *cn;         /* the subject CN (the one presented name when names_from is "cn") */
    size_t n;               /* number of presented names: nsan, 1 (the CN) or 0 */
    const char *names_from; /* "san", or "cn" when there is no SAN dNSName but a CN; an empty
                             * list (no SAN dNSName, no CN) says "san" */
    int cn_in_san;          /* 1 when there is a CN and it equals one of the SAN dNSNames
                             * (ASCII case-insensitive, one trailing dot ignored on either
                             * side; compared as the certificate's octets, the text notation
                             * decoded, valid host name or not) */
};

/* Fills p from a CN (NULL when none) and the SAN dNSNames (san may be NULL when nsan is 0). */
void match_presented_init(struct match_presented *p, const char *cn, char *const *san,
                          size_t nsan);
/* The same from a parsed certificate (one with `error` set presents nothing). */
void match_presented_from_cert(struct match_presented *p, const struct cert_info *ci);
/* The i-th presented name (i < p->n). */
const char *match_presented_name(const struct match_presented *p, size_t i);

/* Normalises a reference name as described above into out (MATCH_NAME_MAX + 1 octets):
 * lowercase A-labels, no trailing dot. Returns 0, or -1 (out = "") when reference is NULL, is
 * not a host name, cannot be converted by libidn2, or is an IP address. */
int match_reference_normalize(const char *reference, char *out);

/* 1 when the octets name[0..len) are a host name as defined above (no trailing dot allowed
 * here; an octet NUL is just a non-LDH octet). */
int match_host_valid(const char *name, size_t len);

/* 1 when the octets name[0..len) are a host name (as above, no trailing dot) that the PSL
 * lists as a public suffix, compared in lower case; see "Public suffix" above. */
int match_public_suffix(const psl_ctx_t *psl, const char *name, size_t len);

/* Strict verdict of one presented name (text notation) against one reference name (normalised
 * inside). MATCH_NULL when reference is NULL; MATCH_NONE when presented is NULL. */
enum match_result match_name(const psl_ctx_t *psl, const char *presented,
                             const char *reference);

/* Strict verdict of a certificate against one reference name: the best result over all
 * presented names. *matched_by (when matched_by is non-NULL) gets the first presented name
 * that gave that result (a pointer into the certificate's strings), NULL for MATCH_NONE and
 * MATCH_NULL. */
enum match_result match_reference(const psl_ctx_t *psl, const struct match_presented *p,
                                  const char *reference, const char **matched_by);

/* Lax verdict: 1 when a lax matcher would accept some presented name for reference, 0 when
 * not (and when reference is NULL or not a valid reference). A lax matcher accepts every
 * strict exact or wildcard match and also treats each '*' of a presented name as a glob
 * standing for any run of characters, dots included: partial-label ("f*.x.example" matches
 * "f.x.example" and "foo.x.example"), multi-label ("*.x.example" matches "a.b.x.example"),
 * non-leftmost and multiple wildcards. It still requires the presented name to be made of
 * LDH characters, '.' and '*' only (decoded octets: so never a NUL), with at least two
 * labels, none empty, and no '*' in the last label (so a bare "*" or "example.*" never
 * matches), and it still presents the CN only when there is no SAN dNSName. It consults no
 * Public Suffix List: "*.com" matches "a.com" (and, as a glob, "a.b.com"). Lax matchers
 * differ here (OpenSSL's X509_check_host refuses "*.com" but not "*.co.uk"; Chrome refuses
 * ICANN suffixes only; glob matchers such as Python's old ssl.match_hostname refuse none);
 * this verdict is the permissive end, an upper bound of what some client accepts, so it takes
 * no PSL. *matched_by (when non-NULL) gets the first presented name it accepts, NULL when
 * none. */
int match_lax(const struct match_presented *p, const char *reference, const char **matched_by);

#endif

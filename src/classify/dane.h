/* dane: would a DANE-enforcing SMTP client (RFC 7672, with RFC 7671's operational rules) accept
 * the chain a server presented, given the MX host's TLSA records? A pure function over bytes
 * (no DNS, no I/O): the resolve stage says whether the TLSA RRset is usable at all (DNSSEC
 * secure, RFC 7672 §2.2) and hands over the records; this file matches them.
 *
 * Per record (RFC 6698 §2.1): certificate usage, selector, matching type, association data.
 * Usable for SMTP (RFC 7672 §3.1): usage DANE-TA(2) or DANE-EE(3); selector Cert(0) or
 * SPKI(1); matching type Full(0), SHA2-256(1) or SHA2-512(2). Usages PKIX-TA(0) and PKIX-EE(1)
 * are not to be used with SMTP (§3.1.3) and count as unusable, as do unknown values and a
 * record whose data has the wrong length for its matching type (32 / 64 octets; Full: any
 * non-empty).
 *
 * DANE-EE(3) (§3.1.1): the leaf certificate (selector 0: its DER; 1: its SubjectPublicKeyInfo
 * DER) matches the record. Names, dates and the rest of the chain are ignored.
 * DANE-TA(2) (§3.1.2): a certificate the server sent above the leaf matches the record, the
 * leaf chains to it (signatures, validity dates, basic constraints, as mbedTLS verifies with
 * that certificate as the only trust anchor), and the leaf's names match one of the reference
 * names strictly (§3.2.2, §3.2.3: exact or a one-label leftmost wildcard; the CN only when
 * there is no SAN dNSName; match.h). The trust anchor must be in the chain the server sent:
 * RFC 7671 §5.2.2 asks servers to include it (a "2 1 x" record whose key is not in the chain
 * cannot be used here; a client with the key alone might; said in docs/schema.md).
 *
 * Verdicts (dane_verdict_str):
 *   none      no TLSA record given (no records, or the RRset was not usable: the caller's call)
 *   unusable  records, none of them usable for SMTP (§3.1.3: the client then does mandatory
 *             unauthenticated TLS, neither pass nor fail)
 *   pass      a usable record matched as above
 *   fail      usable records, none matched (or no certificate was presented)
 *
 * Ownership: a dane_tlsa borrows its data; dane_check copies nothing out but indices. */
#ifndef MXS_DANE_H
#define MXS_DANE_H
#include <stddef.h>

#include <libpsl.h>

#include "probe/cert.h"

enum dane_usage { DANE_PKIX_TA = 0, DANE_PKIX_EE = 1, DANE_TA = 2, DANE_EE = 3 };
enum dane_selector { DANE_SEL_CERT = 0, DANE_SEL_SPKI = 1 };
enum dane_mtype { DANE_MT_FULL = 0, DANE_MT_SHA256 = 1, DANE_MT_SHA512 = 2 };

struct dane_tlsa {
    unsigned usage, selector, mtype; /* as on the wire (0..255) */
    const unsigned char *data;
    size_t len;
};

enum dane_verdict { DANE_NONE, DANE_UNUSABLE, DANE_PASS, DANE_FAIL };
const char *dane_verdict_str(enum dane_verdict v);

/* What a record is for SMTP: usable, or why not (dane_record_status_str: "usable",
 * "pkix-usage", "unknown-usage", "unknown-selector", "unknown-matching-type", "bad-length"). */
enum dane_record_status {
    DANE_REC_USABLE,
    DANE_REC_PKIX_USAGE,
    DANE_REC_UNKNOWN_USAGE,
    DANE_REC_UNKNOWN_SELECTOR,
    DANE_REC_UNKNOWN_MTYPE,
    DANE_REC_BAD_LENGTH,
};
const char *dane_record_status_str(enum dane_record_status s);
enum dane_record_status dane_record_status(const struct dane_tlsa *r);

/* Parses a TLSA RDATA (RFC 6698 §2.1: usage, selector, matching type, then the data; at least
 * 3 octets; the data may be empty, which no record of a usable matching type allows) into r,
 * borrowing rdata. Returns 0, or -1 when it is shorter than 3 octets. */
int dane_tlsa_parse(const unsigned char *rdata, size_t len, struct dane_tlsa *r);

struct dane_result {
    enum dane_verdict verdict;
    int matched;       /* index into recs of the record that passed, or -1 */
    int matched_depth; /* 0: the leaf (DANE-EE); 1..: the chain position of the DANE-TA
                          anchor; -1 */
    int ta_name_ok;    /* DANE-TA: the leaf's names matched a reference name (else 0) */
};

/* Checks chain (as sent, leaf first; certificates that failed to parse never match) against
 * recs for the reference names refs[0..nrefs) (the MX host and, per §3.2.2, the TLSA base
 * domain when a CNAME was followed; each normalised by match.h). psl for wildcard rules (NULL
 * fails closed). DANE-TA's dates are checked at the current time (mbedTLS's clock). */
void dane_check(const struct dane_tlsa *recs, size_t nrecs, struct cert_info *const *chain,
                size_t chain_len, const psl_ctx_t *psl, const char *const *refs, size_t nrefs,
                struct dane_result *out);

#endif

/* trust: chain verification, apart from names. mbedTLS verifies the chain a server sent (the
 * leaf, with the intermediates it sent as candidate parents) against the trust anchors
 * (--ca-file, a PEM bundle or one DER certificate, and/or --ca-path, a folder of such files;
 * default Debian's /etc/ssl/certs/ca-certificates.crt), with mbedTLS's default profile (SHA-2
 * signatures, RSA >= 2048 bits, the usual curves). Name checking is NOT part of trust: that is
 * match.c's job.
 *
 * Loading says in words what is wrong with a source it cannot use (mbedTLS's own messages,
 * "PK - Memory allocation failed" for a directory, say nothing useful): the OS error for a
 * file that cannot be opened or read, "is a directory; use --ca-path" (and the converse),
 * "holds no certificate", or how many certificates failed to parse when none did. A bundle in
 * which only some certificates parse is accepted (Debian's carries a few mbedTLS does not
 * support). A certificate found twice (the hashed links of /etc/ssl/certs, the bundle in the
 * same folder) is one anchor.
 *
 * Reasons, each at most once, in this order:
 *   expired        a certificate of the chain is past its notAfter
 *   not-yet-valid  a certificate of the chain is before its notBefore
 *   self-signed    the leaf is self-signed and not itself a trust anchor
 *   unknown-ca     no path to a trust anchor (issuer unknown, or chain incomplete)
 *   bad-signature  a parent with the issuer's name was found but a signature does not verify
 *   bad-key-usage  keyUsage / extendedKeyUsage / nsCertType forbid this use
 *   weak-key       a key below the profile (RSA < 2048 bits, unsupported curve)
 *   other          anything else mbedTLS reports (weak signature hash, unparsable chain, ...)
 *
 * Ownership: trust_ctx_new pairs with trust_ctx_free; a context is read-only once made but for
 * its chain cache (chaincache.h, which has its own lock), and may be shared by every loop of a
 * run. */
#ifndef MXS_TRUST_H
#define MXS_TRUST_H
#include <stddef.h>

#include <time.h>

#include "probe/cert.h"
#include "trust_result.h"

#define TRUST_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

struct trust_ctx;

/* Loads the anchors of ca_file (a PEM bundle or one DER certificate) and of every regular
 * file in the folder ca_path (hashed OpenSSL-style links or plain PEM files; entries starting
 * with '.' and subfolders are skipped; files holding no certificate are ignored). Either may
 * be NULL, not both. NULL with a message in err when a source cannot be used. */
struct trust_ctx *trust_ctx_new(const char *ca_file, const char *ca_path, char *err,
                                size_t errlen);
void trust_ctx_free(struct trust_ctx *t);
/* How many distinct trust anchors were loaded. */
int trust_ctx_count(const struct trust_ctx *t);

/* Why a chain is not valid (hosts.jsonl trust.reasons), in the order trust_verify lists them. */
enum trust_reason {
    TRUST_REASON_EXPIRED,       /* a certificate of the chain has expired */
    TRUST_REASON_NOT_YET_VALID, /* ... is not valid yet */
    TRUST_REASON_SELF_SIGNED,   /* the leaf signs itself and is no trust anchor */
    TRUST_REASON_UNKNOWN_CA,    /* no path to a trust anchor */
    TRUST_REASON_BAD_SIGNATURE, /* a parent with the issuer's name does not verify the signature */
    TRUST_REASON_BAD_KEY_USAGE, /* a key used outside its (extended) key usage */
    TRUST_REASON_WEAK_KEY,      /* a key below the profile (RSA under 2048 bits) */
    TRUST_REASON_OTHER,         /* anything else: weak hash, unparsable leaf, ... */
    TRUST_REASON_COUNT
};
/* The one spelling of each reason: "expired", "not-yet-valid", "self-signed", "unknown-ca",
 * "bad-signature", "bad-key-usage", "weak-key", "other"; "?" out of range. */
const char *trust_reason_str(enum trust_reason r);

/* Verifies chain[0] (the leaf) with chain[1..n) as candidate intermediates, from the DER the
 * probe kept (cert_info.der: no PEM, nothing parsed twice), at the current time. A chain whose
 * leaf could not be parsed is invalid with reason "other". Each signature is checked once, by
 * mbedTLS's path building; only when mbedTLS found no parent for the leaf and the leaf is not
 * self-signed are candidates with the issuer's name tried, to tell bad-signature from
 * unknown-ca. Uncached: see trust_verify_cached. */
void trust_verify(const struct trust_ctx *t, struct cert_info *const *chain, size_t n,
                  struct trust_result *out);

/* trust_verify through the chain cache (chaincache.h; NULL: the context's own, made by
 * trust_ctx_new and shared, behind its lock, by every thread that uses the context): a chain
 * already verified on the same UTC day is answered from the cache; else it is verified and the
 * verdict stored, unless a certificate of the chain or an anchor starts or ends its validity on
 * that day (its verdict could change before the day is over). now: the validation time, which
 * must be the clock's (mbedTLS 2.28 checks validity against the clock; now chooses the day of
 * the key). The verdict always equals trust_verify's. */
struct chain_cache;
void trust_verify_cached(const struct trust_ctx *t, struct chain_cache *cache,
                         struct cert_info *const *chain, size_t n, time_t now,
                         struct trust_result *out);
/* The name of the trust anchor a valid chain ends at (trust_result.root): its subject's last
 * CN, else its last O (issuer.h's label), in the text notation; NULL for 0, out of range, or an
 * anchor without either. Owned by the context. */
const char *trust_root_name(const struct trust_ctx *t, int root);

/* The context's own chain cache (for its counts, chain_cache_stats). */
struct chain_cache *trust_ctx_cache(const struct trust_ctx *t);

/* Pure: reasons from mbedTLS flags (see above). self_signed: the leaf is self-signed;
 * bad_signature: a candidate parent carries the leaf issuer's name but none of them verifies
 * the leaf's signature. */
void trust_reasons_from_flags(unsigned flags, int self_signed, int bad_signature,
                              struct trust_result *out);

#endif

/* cert: one X.509 certificate (DER) -> the plain fields a survey records. Pure: no I/O, no
 * verification against trust anchors (that is done later, elsewhere).
 *
 * Names taken from the certificate (subject CN, SAN dNSNames) are attacker-controlled bytes.
 * They are stored escaped so that they are always printable ASCII C strings and can never be
 * silently cut or turned into a different valid name: every octet outside 0x21..0x7E except
 * SP, and every backslash, is written as "\xHH" (two lower-case hex digits). A name holding a
 * NUL, a control character, non-ASCII or a backslash therefore keeps all its bytes and contains
 * '\', which no valid host name does, so it can never match one. SP is kept as is in the CN
 * (CNs of CAs are often phrases) and escaped in SAN dNSNames (where it is never valid).
 */
#ifndef MXS_CERT_H
#define MXS_CERT_H
#include <stddef.h>

struct cert_info {
    char *subject_cn;   /* last CN of the subject (RFC 6125 6.4.4: the most specific), NULL if
                         * none; escaped as above */
    char **san_dns;     /* SAN dNSNames in certificate order, escaped (no SP kept) */
    size_t nsan;
    char *subject;      /* one-line DN as mbedtls_x509_dn_gets prints it ("C=US, O=x, CN=y",
                         * certificate order; non-printable octets shown as '?') */
    char *issuer;       /* same form */
    char not_before[21], not_after[21]; /* ISO 8601 UTC, "2026-01-02T03:04:05Z" */
    char sha256[65];    /* lower-case hex SHA-256 of the DER */
    char *key_type;     /* "RSA", "EC", ... (mbedtls_pk_get_name), NULL if unknown */
    int key_bits;
    char *sig_alg;      /* "RSA-SHA256", "ECDSA-SHA384", "RSASSA-PSS-SHA256", ... */
    int self_signed;    /* issuer DN == subject DN and the signature verifies with its own key */
    char *pem;          /* "-----BEGIN CERTIFICATE-----\n...-----END CERTIFICATE-----\n" */
    char *error;        /* NULL when parsed; else why mbedTLS could not parse it, and only
                         * sha256 and pem are filled */
};

/* Parses der (len octets). Always returns a record (caller frees with cert_info_free): when
 * mbedTLS rejects the certificate, `error` is set and only sha256 and pem are filled. */
struct cert_info *cert_info_from_der(const unsigned char *der, size_t len);
/* Frees info and everything it owns; NULL is fine. */
void cert_info_free(struct cert_info *info);
/* Escapes len octets of s as described at the top of this file (keep_space: leave SP as is).
 * Newly allocated; caller frees. */
char *cert_escape_name(const unsigned char *s, size_t len, int keep_space);

#endif

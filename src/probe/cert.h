/* cert: one X.509 certificate (DER) -> the plain fields a survey records. Pure: no I/O, no
 * verification against trust anchors (that is done later, elsewhere).
 *
 * Names taken from the certificate (subject CN, SAN dNSNames, and the subject and issuer DNs)
 * are attacker-controlled octets. They are stored as text in the notation of text.h: valid
 * UTF-8 characters as themselves (a space stays a space, control characters stay), and only
 * octets that are not valid UTF-8, and NUL, as "\xHH" (a literal backslash becomes "\x5c" only
 * where it would otherwise read as such an escape). So a name is always a C string and valid
 * UTF-8, can never be silently cut, and decodes (text_decode) back to the certificate's exact
 * octets. match.h works on the decoded octets: a name holding a NUL, a space, a backslash or
 * non-ASCII is not a host name and never matches one.
 */
#ifndef MXS_CERT_H
#define MXS_CERT_H
#include <stddef.h>

#include <mbedtls/x509.h>

struct cert_info {
    char *subject_cn;   /* last CN of the subject (RFC 6125 6.4.4: the most specific), NULL if
                         * none; text as above */
    char **san_dns;     /* SAN dNSNames in certificate order, text as above */
    size_t nsan;
    char *subject;      /* one-line DN in mbedtls_x509_dn_gets's layout ("C=US, O=x, CN=y",
                         * certificate order, RFC 1779 backslashes before , = + < > # ; " and
                         * backslash in values), the values' own octets, text as above */
    char *issuer;       /* same form */
    char *issuer_o, *issuer_cn; /* the issuer's last O and last CN, NULL if none; text as above
                                 * (hosts.jsonl `issuer`, made by classify/issuer.c) */
    char not_before[21], not_after[21]; /* ISO 8601 UTC, "2026-01-02T03:04:05Z" */
    char sha256[65];    /* lower-case hex SHA-256 of the DER */
    char *key_type;     /* "RSA", "EC", ... (mbedtls_pk_get_name), NULL if unknown */
    int key_bits;
    char *sig_alg;      /* "RSA-SHA256", "ECDSA-SHA384", "RSASSA-PSS-SHA256", ... */
    int self_signed;    /* issuer DN == subject DN and the signature verifies with its own key */
    unsigned char *der; /* the certificate as the server sent it (der_len octets): what trust.c
                         * verifies and cert_info_pem writes out; kept, never parsed again here */
    size_t der_len;
    char *error;        /* NULL when parsed; else why mbedTLS could not parse it, and only
                         * sha256 and der are filled */
    int refs;           /* holders besides the first (cert_info_ref): an inferred record shares
                         * its address's chain instead of parsing it again; atomic, since the
                         * holders may be on two threads. Nothing else changes after parsing. */
};

/* The last attribute oid (oidlen octets, e.g. MBEDTLS_OID_AT_CN) of the name dn, the most
 * specific (RFC 6125 6.4.4), in the text notation of text.h; NULL when dn has none. */
char *cert_dn_last(const mbedtls_x509_name *dn, const char *oid, size_t oidlen);

/* Parses der (len octets, copied). Always returns a record (caller frees with cert_info_free):
 * when mbedTLS rejects the certificate, `error` is set and only sha256 and der are filled. */
struct cert_info *cert_info_from_der(const unsigned char *der, size_t len);
/* The certificate in PEM, "-----BEGIN CERTIFICATE-----\n...-----END CERTIFICATE-----\n" (64
 * base64 characters a line), made from der: for outputs only (the chain files). Newly
 * allocated; caller frees. */
char *cert_info_pem(const struct cert_info *info);
/* One more holder of info (read-only from now on); returns info. */
struct cert_info *cert_info_ref(struct cert_info *info);
/* Drops a holder: the last one frees info and everything it owns; NULL is fine. */
void cert_info_free(struct cert_info *info);

#endif

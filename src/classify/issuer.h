/* issuer: who issued an endpoint's leaf certificate, for the question "do all CAs do it?"
 * (hosts.jsonl `issuer`, summary.json `issuers`, report.html's issuer table).
 *
 * From the leaf's DER, which the probe kept (cert_info.der): the issuer DN's organisation (the
 * last O) and common name (the last CN), each in the text notation of core/text.h (they are
 * the server's octets: a certificate can name its issuer anything); whether the leaf is
 * self-signed (cert_info.self_signed: issuer DN == subject DN and the signature verifies with
 * its own key); and, when the chain verified, the trust anchor it chains to (trust.c names it
 * with issuer_dn_label: trust_root_name).
 *
 * Ownership: an issuer_info owns o and cn (issuer_info_clear); root is borrowed from the trust
 * context, which outlives every record. */
#ifndef MXS_ISSUER_H
#define MXS_ISSUER_H
#include <mbedtls/x509.h>

#include "probe/cert.h"

struct issuer_info {
    int known;        /* the leaf parsed: the other fields mean something */
    char *o, *cn;     /* the issuer DN's last O and last CN (text notation); NULL when absent */
    const char *root; /* the anchor a verified chain ends at; NULL when not verified */
    int self_signed;
};

/* How a CA is named in a table: its last CN, else its last O, else NULL. Newly allocated. */
char *issuer_dn_label(const mbedtls_x509_name *dn);

/* The issuer of leaf (NULL, or unparsable: known 0 and nothing else). root: the name of the
 * anchor the verified chain ends at (trust_root_name), or NULL. Copies the names cert.c read
 * (cert_info issuer_o, issuer_cn): the DER is not parsed again. */
void issuer_from_leaf(const struct cert_info *leaf, const char *root, struct issuer_info *out);
void issuer_info_clear(struct issuer_info *i);

#endif

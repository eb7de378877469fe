/* issuer: see issuer.h. */
#include "issuer.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "core/text.h"

char *issuer_dn_attr(const mbedtls_x509_name *dn, const char *oid, size_t oidlen)
{
    const mbedtls_x509_name *last = NULL;
    for (; dn; dn = dn->next)
        if (dn->oid.p && dn->oid.len == oidlen && memcmp(dn->oid.p, oid, oidlen) == 0)
            last = dn; /* the last is the most specific, as cert.c takes the subject CN */
    return last ? text_escape((const char *)last->val.p, last->val.len) : NULL;
}

char *issuer_dn_label(const mbedtls_x509_name *dn)
{
    char *s = issuer_dn_attr(dn, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
    return s ? s : issuer_dn_attr(dn, MBEDTLS_OID_AT_ORGANIZATION,
                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION));
}

void issuer_from_leaf(const struct cert_info *leaf, const char *root, struct issuer_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!leaf || leaf->error)
        return;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    /* cert.c parsed the same octets, so this cannot fail unless memory does. */
    if (mbedtls_x509_crt_parse_der(&crt, leaf->der, leaf->der_len) == 0) {
        out->known = 1;
        out->o = issuer_dn_attr(&crt.issuer, MBEDTLS_OID_AT_ORGANIZATION,
                                MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION));
        out->cn = issuer_dn_attr(&crt.issuer, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
        out->root = root;
        out->self_signed = leaf->self_signed;
    }
    mbedtls_x509_crt_free(&crt);
}

void issuer_info_clear(struct issuer_info *i)
{
    free(i->o);
    free(i->cn);
    memset(i, 0, sizeof(*i));
}

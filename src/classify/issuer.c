/* issuer: see issuer.h. */
#include "issuer.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>

#include "core/util.h"

char *issuer_dn_label(const mbedtls_x509_name *dn)
{
    char *s = cert_dn_last(dn, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
    return s ? s : cert_dn_last(dn, MBEDTLS_OID_AT_ORGANIZATION,
                                MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION));
}

void issuer_from_leaf(const struct cert_info *leaf, const char *root, struct issuer_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!leaf || leaf->error)
        return;
    /* cert.c read the issuer's names when it parsed the leaf: nothing is parsed again. */
    out->known = 1;
    out->o = leaf->issuer_o ? xstrdup(leaf->issuer_o) : NULL;
    out->cn = leaf->issuer_cn ? xstrdup(leaf->issuer_cn) : NULL;
    out->root = root;
    out->self_signed = leaf->self_signed;
}

void issuer_info_clear(struct issuer_info *i)
{
    free(i->o);
    free(i->cn);
    memset(i, 0, sizeof(*i));
}

/* cert: see cert.h. mbedTLS 2.28 parses; this file only copies fields out into plain strings. */
#include "cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "core/text.h"
#include "core/util.h"

static void format_time(char out[21], const mbedtls_x509_time *t)
{
    /* Fields come from a parsed certificate, but clamp anyway so the output always fits. */
    unsigned year = (unsigned)t->year % 10000, mon = (unsigned)t->mon % 100;
    unsigned day = (unsigned)t->day % 100, hour = (unsigned)t->hour % 100;
    unsigned min = (unsigned)t->min % 100, sec = (unsigned)t->sec % 100;
    snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", year, mon, day, hour, min, sec);
}

static void sha256_hex(char out[65], const unsigned char *der, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char h[32];
    mbedtls_sha256_ret(der, len, h, 0);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[64] = '\0';
}

static char *der_to_pem(const unsigned char *der, size_t len)
{
    static const char header[] = "-----BEGIN CERTIFICATE-----\n";
    static const char footer[] = "-----END CERTIFICATE-----\n";
    /* base64 (4 per 3 octets) + a newline per 64 characters + header and footer */
    size_t cap = (len + 2) / 3 * 4 + len / 48 + 2 + strlen(header) + strlen(footer) + 1;
    unsigned char *buf = xmalloc(cap);
    size_t olen = 0;
    if (mbedtls_pem_write_buffer(header, footer, der, len, buf, cap, &olen) != 0) {
        free(buf);
        return xstrdup("");
    }
    return (char *)buf;
}

/* The one-line DN as mbedtls_x509_dn_gets (2.28) prints it: "C=US, O=x, CN=y" in certificate
 * order, " + " between the attributes of one multi-valued RDN, "??" for an attribute type it
 * has no short name for, a backslash before each of , = + < > # ; " and backslash in a value
 * (RFC 1779); but with each value's own octets where mbedTLS writes '?' for every octet
 * outside printable ASCII, and no limit on a value's length (mbedTLS gives up above 255
 * octets). Then the whole line in the text notation (text.h), like every other name. */
static char *dn_string(const mbedtls_x509_name *dn)
{
    size_t cap = 1;
    for (const mbedtls_x509_name *n = dn; n; n = n->next)
        cap += 3 + 16 + 2 * n->val.len; /* separator, short name and '=', escaped value */
    char *raw = xmalloc(cap);
    size_t o = 0;
    int merge = 0;
    for (const mbedtls_x509_name *n = dn; n; n = n->next) {
        if (!n->oid.p)
            continue;
        if (n != dn) {
            const char *sep = merge ? " + " : ", ";
            memcpy(raw + o, sep, strlen(sep));
            o += strlen(sep);
        }
        const char *short_name = NULL;
        if (mbedtls_oid_get_attr_short_name(&n->oid, &short_name) != 0 || !short_name ||
            strlen(short_name) > 15)
            short_name = "??";
        size_t sl = strlen(short_name);
        memcpy(raw + o, short_name, sl);
        o += sl;
        raw[o++] = '=';
        for (size_t i = 0; i < n->val.len; i++) {
            unsigned char c = n->val.p[i];
            if (c && strchr(",=+<>#;\"\\", c))
                raw[o++] = '\\';
            raw[o++] = (char)c;
        }
        merge = n->next_merged;
    }
    char *text = text_escape(raw, o);
    free(raw);
    return text;
}

char *cert_dn_last(const mbedtls_x509_name *dn, const char *oid, size_t oidlen)
{
    const mbedtls_x509_name *last = NULL;
    for (; dn; dn = dn->next)
        if (dn->oid.p && dn->oid.len == oidlen && memcmp(dn->oid.p, oid, oidlen) == 0)
            last = dn;
    return last ? text_escape((const char *)last->val.p, last->val.len) : NULL;
}

#define DN_CN MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN)
#define DN_O MBEDTLS_OID_AT_ORGANIZATION, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION)

static void collect_san_dns(struct cert_info *info, const mbedtls_x509_crt *crt)
{
    const unsigned char dns_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME;
    size_t n = 0;
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next)
        n += s->buf.p && s->buf.tag == dns_tag;
    info->san_dns = xcalloc(n ? n : 1, sizeof(*info->san_dns));
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next)
        if (s->buf.p && s->buf.tag == dns_tag)
            info->san_dns[info->nsan++] = text_escape((const char *)s->buf.p, s->buf.len);
}

static char *sig_alg_name(const mbedtls_x509_crt *crt)
{
    const char *pk;
    switch (crt->sig_pk) {
    case MBEDTLS_PK_RSA: pk = "RSA"; break;
    case MBEDTLS_PK_ECDSA: pk = "ECDSA"; break;
    case MBEDTLS_PK_RSASSA_PSS: pk = "RSASSA-PSS"; break;
    default: pk = "UNKNOWN"; break;
    }
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt->sig_md);
    char buf[64];
    snprintf(buf, sizeof(buf), "%s-%s", pk, md ? mbedtls_md_get_name(md) : "UNKNOWN");
    return xstrdup(buf);
}

/* Self-signed: the same DN on both sides (octet-equal DER) and a signature that verifies with
 * the certificate's own public key. A CA-issued certificate whose issuer happens to carry the
 * subject's DN does not pass the second test. */
static int is_self_signed(mbedtls_x509_crt *crt)
{
    if (crt->issuer_raw.len != crt->subject_raw.len ||
        memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->issuer_raw.len) != 0)
        return 0;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || mbedtls_md(md, crt->tbs.p, crt->tbs.len, hash) != 0)
        return 0;
    return mbedtls_pk_verify_ext(crt->sig_pk, crt->sig_opts, &crt->pk, crt->sig_md, hash,
                                 mbedtls_md_get_size(md), crt->sig.p, crt->sig.len) == 0;
}

struct cert_info *cert_info_from_der(const unsigned char *der, size_t len)
{
    struct cert_info *info = xcalloc(1, sizeof(*info));
    sha256_hex(info->sha256, der, len);
    info->der = xmalloc(len ? len : 1);
    if (len)
        memcpy(info->der, der, len);
    info->der_len = len;

    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int ret = mbedtls_x509_crt_parse_der(&crt, der, len);
    if (ret != 0) {
        char msg[200];
        mbedtls_strerror(ret, msg, sizeof(msg));
        info->error = xstrdup(msg);
        goto out;
    }
    info->subject_cn = cert_dn_last(&crt.subject, DN_CN);
    info->issuer_o = cert_dn_last(&crt.issuer, DN_O);
    info->issuer_cn = cert_dn_last(&crt.issuer, DN_CN);
    collect_san_dns(info, &crt);
    info->subject = dn_string(&crt.subject);
    info->issuer = dn_string(&crt.issuer);
    format_time(info->not_before, &crt.valid_from);
    format_time(info->not_after, &crt.valid_to);
    const char *kt = mbedtls_pk_get_name(&crt.pk);
    info->key_type = kt && strcmp(kt, "invalid PK") != 0 ? xstrdup(kt) : NULL;
    info->key_bits = (int)mbedtls_pk_get_bitlen(&crt.pk);
    info->sig_alg = sig_alg_name(&crt);
    info->self_signed = is_self_signed(&crt);
out:
    mbedtls_x509_crt_free(&crt);
    return info;
}

char *cert_info_pem(const struct cert_info *info)
{
    return der_to_pem(info->der, info->der_len);
}

struct cert_info *cert_info_ref(struct cert_info *info)
{
    __atomic_add_fetch(&info->refs, 1, __ATOMIC_RELAXED);
    return info;
}

void cert_info_free(struct cert_info *info)
{
    if (!info || __atomic_fetch_sub(&info->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    free(info->subject_cn);
    for (size_t i = 0; i < info->nsan; i++)
        free(info->san_dns[i]);
    free(info->san_dns);
    free(info->subject);
    free(info->issuer);
    free(info->issuer_o);
    free(info->issuer_cn);
    free(info->key_type);
    free(info->sig_alg);
    free(info->der);
    free(info->error);
    free(info);
}

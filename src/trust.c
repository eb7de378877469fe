/* trust: see trust.h. */
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crt.h>

#include "util.h"

struct trust_ctx {
    mbedtls_x509_crt ca;
    int count;
};

struct trust_ctx *trust_ctx_new(const char *ca_file, char *err, size_t errlen)
{
    struct trust_ctx *t = xcalloc(1, sizeof(*t));
    mbedtls_x509_crt_init(&t->ca);
    int ret = mbedtls_x509_crt_parse_file(&t->ca, ca_file);
    /* A positive return counts certificates that failed to parse: bundles carry a few that
     * mbedTLS does not support; the rest are still anchors. */
    if (ret < 0 || t->ca.version == 0) {
        char msg[128];
        mbedtls_strerror(ret, msg, sizeof(msg));
        snprintf(err, errlen, "cannot load CA file %s: %s", ca_file, ret < 0 ? msg : "no certificate in it");
        trust_ctx_free(t);
        return NULL;
    }
    for (const mbedtls_x509_crt *c = &t->ca; c && c->version; c = c->next)
        t->count++;
    return t;
}

void trust_ctx_free(struct trust_ctx *t)
{
    if (!t)
        return;
    mbedtls_x509_crt_free(&t->ca);
    free(t);
}

int trust_ctx_count(const struct trust_ctx *t)
{
    return t->count;
}

static void add(struct trust_result *r, const char *reason)
{
    for (int i = 0; i < r->nreasons; i++)
        if (strcmp(r->reasons[i], reason) == 0)
            return;
    if (r->nreasons < TRUST_MAX_REASONS)
        r->reasons[r->nreasons++] = reason;
}

void trust_reasons_from_flags(unsigned flags, int self_signed, int bad_signature,
                              struct trust_result *out)
{
    memset(out, 0, sizeof(*out));
    out->flags = flags;
    unsigned left = flags;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        add(out, "expired");
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        add(out, "not-yet-valid");
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        add(out, self_signed ? "self-signed" : bad_signature ? "bad-signature" : "unknown-ca");
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
        add(out, "bad-key-usage");
    if (flags & (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK))
        add(out, "weak-key");
    left &= ~(unsigned)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                        MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_KEY_USAGE |
                        MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_NS_CERT_TYPE |
                        MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK |
                        MBEDTLS_X509_BADCERT_CN_MISMATCH);
    /* Expired/future flags on CRLs, weak hashes, skipped verification, ... */
    if (left)
        add(out, "other");
    out->valid = out->nreasons == 0;
}

/* Is a certificate with the issuer's name among the candidate parents (sent by the server,
 * or anchors) whose key does not verify the signature? That is a bad signature, not an
 * unknown CA. Returns 1 when such a parent exists and none with that name verifies. */
static int signature_bad(const mbedtls_x509_crt *leaf, const mbedtls_x509_crt *ca)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(leaf->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || mbedtls_md(md, leaf->tbs.p, leaf->tbs.len, hash) != 0)
        return 0;
    int named = 0;
    const mbedtls_x509_crt *lists[2] = {leaf->next, ca};
    for (int l = 0; l < 2; l++)
        for (const mbedtls_x509_crt *c = lists[l]; c && c->version; c = c->next) {
            if (c->subject_raw.len != leaf->issuer_raw.len ||
                memcmp(c->subject_raw.p, leaf->issuer_raw.p, leaf->issuer_raw.len) != 0)
                continue;
            named = 1;
            if (mbedtls_pk_verify_ext(leaf->sig_pk, leaf->sig_opts, (mbedtls_pk_context *)&c->pk,
                                      leaf->sig_md, hash, mbedtls_md_get_size(md), leaf->sig.p,
                                      leaf->sig.len) == 0)
                return 0;
        }
    return named;
}

void trust_verify(const struct trust_ctx *t, struct cert_info *const *chain, size_t n,
                  struct trust_result *out)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int parsed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *pem = chain[i]->pem;
        /* Only the leaf must parse; an unparsable intermediate is just not a candidate. */
        if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, strlen(pem) + 1) == 0)
            parsed++;
        else if (i == 0)
            break;
    }
    if (parsed == 0) {
        trust_reasons_from_flags(MBEDTLS_X509_BADCERT_OTHER, 0, 0, out);
        mbedtls_x509_crt_free(&crt);
        return;
    }
    uint32_t flags = 0;
    /* mbedtls_x509_crt_verify takes a non-const CA chain but does not modify it. */
    mbedtls_x509_crt_verify_with_profile(&crt, (mbedtls_x509_crt *)&t->ca, NULL,
                                         &mbedtls_x509_crt_profile_default, NULL, &flags, NULL, NULL);
    trust_reasons_from_flags(flags, chain[0]->self_signed, signature_bad(&crt, &t->ca), out);
    mbedtls_x509_crt_free(&crt);
}

/* dane: TLSA records against a presented chain (see dane.h for the rules and the RFCs). */
#include "dane.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>

#include "match.h"

static const char *const verdict_words[] = {
    [DANE_NONE] = "none", [DANE_UNUSABLE] = "unusable", [DANE_PASS] = "pass",
    [DANE_FAIL] = "fail",
};

const char *dane_verdict_str(enum dane_verdict v)
{
    return verdict_words[v];
}

static const char *const record_words[] = {
    [DANE_REC_USABLE] = "usable",
    [DANE_REC_PKIX_USAGE] = "pkix-usage",
    [DANE_REC_UNKNOWN_USAGE] = "unknown-usage",
    [DANE_REC_UNKNOWN_SELECTOR] = "unknown-selector",
    [DANE_REC_UNKNOWN_MTYPE] = "unknown-matching-type",
    [DANE_REC_BAD_LENGTH] = "bad-length",
};

const char *dane_record_status_str(enum dane_record_status s)
{
    return record_words[s];
}

enum dane_record_status dane_record_status(const struct dane_tlsa *r)
{
    if (r->usage == DANE_PKIX_TA || r->usage == DANE_PKIX_EE)
        return DANE_REC_PKIX_USAGE;
    if (r->usage != DANE_TA && r->usage != DANE_EE)
        return DANE_REC_UNKNOWN_USAGE;
    if (r->selector != DANE_SEL_CERT && r->selector != DANE_SEL_SPKI)
        return DANE_REC_UNKNOWN_SELECTOR;
    switch (r->mtype) {
    case DANE_MT_FULL:
        return r->len ? DANE_REC_USABLE : DANE_REC_BAD_LENGTH;
    case DANE_MT_SHA256:
        return r->len == 32 ? DANE_REC_USABLE : DANE_REC_BAD_LENGTH;
    case DANE_MT_SHA512:
        return r->len == 64 ? DANE_REC_USABLE : DANE_REC_BAD_LENGTH;
    default:
        return DANE_REC_UNKNOWN_MTYPE;
    }
}

int dane_tlsa_parse(const unsigned char *rdata, size_t len, struct dane_tlsa *r)
{
    /* RFC 6698 §2.1: three one-octet fields, then the association data (which §2.1.4 lets be
     * of any length; an empty one matches nothing and is called bad-length above). */
    if (len < 3)
        return -1;
    r->usage = rdata[0];
    r->selector = rdata[1];
    r->mtype = rdata[2];
    r->data = rdata + 3;
    r->len = len - 3;
    return 0;
}

/* One parsed certificate of the chain, or NULL when mbedTLS cannot read it. */
struct parsed {
    mbedtls_x509_crt crt;
    int ok;
};

/* 1 when the selected part of c (its DER or its SPKI) matches r (a usable record). */
static int record_matches(const struct dane_tlsa *r, const mbedtls_x509_crt *c)
{
    const unsigned char *p = r->selector == DANE_SEL_CERT ? c->raw.p : c->pk_raw.p;
    size_t n = r->selector == DANE_SEL_CERT ? c->raw.len : c->pk_raw.len;
    unsigned char h[64];
    switch (r->mtype) {
    case DANE_MT_FULL:
        return n == r->len && memcmp(p, r->data, n) == 0;
    case DANE_MT_SHA256:
        if (mbedtls_sha256_ret(p, n, h, 0) != 0)
            return 0;
        return memcmp(h, r->data, 32) == 0;
    case DANE_MT_SHA512:
        if (mbedtls_sha512_ret(p, n, h, 0) != 0)
            return 0;
        return memcmp(h, r->data, 64) == 0;
    default:
        return 0;
    }
}

/* The leaf's names against the reference names, strictly (§3.2.3). */
static int leaf_names_ok(const struct cert_info *leaf, const psl_ctx_t *psl,
                         const char *const *refs, size_t nrefs)
{
    struct match_presented p;
    match_presented_from_cert(&p, leaf);
    for (size_t i = 0; i < nrefs; i++) {
        enum match_result m = match_reference(psl, &p, refs[i], NULL);
        if (m == MATCH_EXACT || m == MATCH_WILDCARD)
            return 1;
    }
    return 0;
}

/* DANE-TA: the leaf chains to ta, which is chain[depth], given the certificates between them
 * as candidate parents. mbedTLS takes any certificate in the trust list as an anchor, so the
 * TA need not be self-signed (RFC 7671 §5.2.2: it usually is an intermediate). */
static int chains_to(struct parsed *pc, size_t depth)
{
    mbedtls_x509_crt path, ta;
    mbedtls_x509_crt_init(&path);
    mbedtls_x509_crt_init(&ta);
    int ok = mbedtls_x509_crt_parse_der(&ta, pc[depth].crt.raw.p, pc[depth].crt.raw.len) == 0;
    for (size_t i = 0; ok && i < depth; i++)
        ok = pc[i].ok &&
             mbedtls_x509_crt_parse_der(&path, pc[i].crt.raw.p, pc[i].crt.raw.len) == 0;
    uint32_t flags = 0;
    if (ok)
        ok = mbedtls_x509_crt_verify(&path, &ta, NULL, NULL, &flags, NULL, NULL) == 0 && !flags;
    mbedtls_x509_crt_free(&path);
    mbedtls_x509_crt_free(&ta);
    return ok;
}

void dane_check(const struct dane_tlsa *recs, size_t nrecs, struct cert_info *const *chain,
                size_t chain_len, const psl_ctx_t *psl, const char *const *refs, size_t nrefs,
                struct dane_result *out)
{
    *out = (struct dane_result){.verdict = DANE_NONE, .matched = -1, .matched_depth = -1};
    if (!nrecs)
        return;
    size_t usable = 0;
    for (size_t i = 0; i < nrecs; i++)
        usable += dane_record_status(&recs[i]) == DANE_REC_USABLE;
    if (!usable) {
        out->verdict = DANE_UNUSABLE;
        return;
    }
    out->verdict = DANE_FAIL;
    if (!chain_len)
        return;
    struct parsed *pc = calloc(chain_len, sizeof(*pc));
    if (!pc)
        return; /* fails closed */
    for (size_t d = 0; d < chain_len; d++) {
        mbedtls_x509_crt_init(&pc[d].crt);
        pc[d].ok = !chain[d]->error &&
                   mbedtls_x509_crt_parse_der(&pc[d].crt, chain[d]->der, chain[d]->der_len) == 0;
    }
    int names = -1; /* computed once, when a DANE-TA record first needs it */
    /* DANE-EE first: it needs nothing but the leaf, and a pass by either usage is a pass. */
    for (int pass = 0; pass < 2 && out->verdict != DANE_PASS; pass++) {
        unsigned want = pass == 0 ? DANE_EE : DANE_TA;
        for (size_t i = 0; i < nrecs && out->verdict != DANE_PASS; i++) {
            const struct dane_tlsa *r = &recs[i];
            if (r->usage != want || dane_record_status(r) != DANE_REC_USABLE)
                continue;
            if (want == DANE_EE) {
                if (pc[0].ok && record_matches(r, &pc[0].crt)) {
                    out->verdict = DANE_PASS;
                    out->matched = (int)i;
                    out->matched_depth = 0;
                }
                continue;
            }
            for (size_t d = 1; d < chain_len; d++) {
                if (!pc[d].ok || !record_matches(r, &pc[d].crt) || !chains_to(pc, d))
                    continue;
                if (names < 0)
                    names = pc[0].ok && leaf_names_ok(chain[0], psl, refs, nrefs);
                out->ta_name_ok = names;
                if (names) {
                    out->verdict = DANE_PASS;
                    out->matched = (int)i;
                    out->matched_depth = (int)d;
                }
                break;
            }
        }
    }
    for (size_t d = 0; d < chain_len; d++)
        mbedtls_x509_crt_free(&pc[d].crt);
    free(pc);
}

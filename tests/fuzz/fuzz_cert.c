/* libFuzzer harness for certificates (src/probe/cert.c, src/classify/trust.c, src/classify/match.c, src/classify/classify.c):
 * arbitrary octets as a DER certificate through cert_info_from_der, the presented names,
 * the wildcard class and chain verification, as a probe does with what a server sends.
 * Checks cert.h's contract: always a record with sha256 and PEM; with `error` set nothing else;
 * otherwise every name and DN is valid UTF-8 without NUL (the text notation) that decodes
 * (text_unescape) and escapes back to itself, dates in ISO 8601 form, a key size >= 0; the
 * presented names follow the SAN/CN rule; a name holding an escaped octet never matches; trust
 * verification of the certificate alone and as its own intermediate gives a verdict with
 * reasons exactly when invalid. Seeds: tests/fuzz/corpus/cert/ (the world's certificates, DER,
 * and x509-limbo's real ones from tests/vectors/). */
#include "fuzz.h"

#include "classify/classify.h"
#include "classify/match.h"
#include "core/text.h"
#include "classify/trust.h"

static const psl_ctx_t *psl(void)
{
    static psl_ctx_t *p; /* once per process */
    if (!p)
        p = classify_psl_load();
    return p;
}

static const struct trust_ctx *anchors(void)
{
    static struct trust_ctx *t; /* once per process; the system bundle, or none */
    static int tried;
    if (!tried) {
        char err[256];
        tried = 1;
        t = trust_ctx_new(TRUST_DEFAULT_CA_FILE, NULL, err, sizeof(err));
    }
    return t;
}

static void check_text(const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t l = text_utf8_char((const unsigned char *)s + i, n - i, NULL);
        REQUIRE(l > 0);
        i += l;
    }
    size_t dlen;
    unsigned char *d = text_unescape(s, n, &dlen);
    char *back = text_escape((const char *)d, dlen);
    REQUIRE(strcmp(back, s) == 0);
    free(back);
    free(d);
}

static void check_time(const char *t)
{
    REQUIRE(strlen(t) == 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
            t[16] == ':' && t[19] == 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cert_info *ci = cert_info_from_der(data, size);
    REQUIRE(ci && strlen(ci->sha256) == 64 && ci->der_len == size && (!size || memcmp(ci->der, data, size) == 0));
    char *pem = cert_info_pem(ci);
    REQUIRE(pem);
    if (ci->error) {
        REQUIRE(*ci->error);
        REQUIRE(!ci->subject_cn && ci->nsan == 0 && !ci->subject && !ci->issuer);
    } else {
        check_text(ci->subject_cn);
        for (size_t i = 0; i < ci->nsan; i++)
            check_text(ci->san_dns[i]);
        check_text(ci->subject);
        check_text(ci->issuer);
        check_time(ci->not_before);
        check_time(ci->not_after);
        REQUIRE(ci->key_bits >= 0);
        REQUIRE(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    }
    struct match_presented p;
    match_presented_from_cert(&p, ci);
    REQUIRE(p.n == (ci->error ? 0 : ci->nsan ? ci->nsan : ci->subject_cn ? 1 : 0));
    for (size_t i = 0; i < p.n; i++) {
        const char *name = match_presented_name(&p, i);
        if (strchr(name, '\\'))
            REQUIRE(match_name(psl(), name, "mx.example.com") == MATCH_NONE);
        /* every name matches itself when it is a host name, and a strict match is lax */
        char norm[MATCH_NAME_MAX + 1];
        int ascii = 1;
        for (const unsigned char *c = (const unsigned char *)name; *c; c++)
            ascii &= *c < 0x80;
        if (ascii && match_reference_normalize(name, norm) == 0 && !strchr(name, '*')) {
            enum match_result r = match_reference(psl(), &p, norm, NULL);
            REQUIRE(r == MATCH_EXACT);
            REQUIRE(match_lax(&p, norm, NULL) == 1);
        }
    }
    enum wildcard_class wc = classify_wildcard_cert(psl(), ci);
    REQUIRE(wildcard_class_str(wc) != NULL);
    if (ci->error)
        REQUIRE(wc == WILDCARD_NONE);

    const struct trust_ctx *t = anchors();
    if (t) {
        struct cert_info *chain[2] = {ci, ci};
        for (size_t n = 1; n <= 2; n++) {
            struct trust_result tr;
            trust_verify(t, chain, n, &tr);
            REQUIRE(tr.nreasons >= 0 && tr.nreasons <= TRUST_MAX_REASONS);
            REQUIRE(tr.valid == (tr.nreasons == 0));
            for (int i = 0; i < tr.nreasons; i++)
                REQUIRE(tr.reasons[i] && *tr.reasons[i]);
        }
    }
    free(pem);
    cert_info_free(ci);
    return 0;
}

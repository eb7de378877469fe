/* libFuzzer harness for DANE TLSA matching (src/classify/dane.c). The input: one octet n, then
 * n octets of TLSA RDATA (RFC 6698 §2.1), then a certificate's DER (the leaf, and again as a
 * one-certificate "chain" above it, so DANE-TA paths are walked too). Invariants:
 *   - the verdict is one of the four; unusable exactly when the record is not usable for SMTP,
 *     none never (one record is given);
 *   - a pass names the record (matched 0) at a depth the chain has, and a DANE-EE pass at 0;
 *   - when mbedTLS parses the certificate and the DER is exactly one SEQUENCE (mbedTLS ignores
 *     octets after it; a record is over the certificate's own octets), the record
 *     "3 0 0 <its DER>" passes (DANE-EE, full match), and with a changed octet it fails.
 * Seeds: tests/fuzz/corpus/dane/ (records over the unit tests' dane-*.pem). */
#include "fuzz.h"

#include "classify/dane.h"

/* The length of the DER SEQUENCE at p (header included), or 0 when it is not one. */
static size_t der_seq_len(const uint8_t *p, size_t n)
{
    if (n < 2 || p[0] != 0x30)
        return 0;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1];
    size_t k = p[1] & 0x7f, len = 0;
    if (k == 0 || k > 3 || n < 2 + k)
        return 0;
    for (size_t i = 0; i < k; i++)
        len = len << 8 | p[2 + i];
    return 2 + k + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t rn = data[0];
    if (size < 1 + rn)
        return 0;
    struct dane_tlsa rec;
    int have = dane_tlsa_parse(data + 1, rn, &rec) == 0;
    const uint8_t *der = data + 1 + rn;
    size_t dn = size - 1 - rn;
    struct cert_info *leaf = cert_info_from_der(der, dn);
    struct cert_info *chain[2] = {leaf, leaf};
    struct dane_result r;
    const char *refs[] = {"mx.dane.example"};
    if (have) {
        dane_check(&rec, 1, chain, 2, NULL, refs, 1, &r);
        REQUIRE(r.verdict >= DANE_NONE && r.verdict <= DANE_FAIL && r.verdict != DANE_NONE);
        REQUIRE((r.verdict == DANE_UNUSABLE) == (dane_record_status(&rec) != DANE_REC_USABLE));
        if (r.verdict == DANE_PASS) {
            REQUIRE(r.matched == 0 && r.matched_depth >= 0 && r.matched_depth < 2);
            REQUIRE(rec.usage != DANE_EE || r.matched_depth == 0);
        } else {
            REQUIRE(r.matched == -1);
        }
    }
    if (!leaf->error && der_seq_len(der, dn) == dn) {
        struct dane_tlsa full = {DANE_EE, DANE_SEL_CERT, DANE_MT_FULL, leaf->der, leaf->der_len};
        dane_check(&full, 1, chain, 1, NULL, refs, 0, &r);
        REQUIRE(r.verdict == DANE_PASS);
        unsigned char *bad = (unsigned char *)fuzz_dup(leaf->der, leaf->der_len);
        bad[leaf->der_len / 2] ^= 0x01;
        full.data = bad;
        dane_check(&full, 1, chain, 1, NULL, refs, 0, &r);
        REQUIRE(r.verdict == DANE_FAIL);
        free(bad);
    }
    cert_info_free(leaf);
    return 0;
}

/* Unit tests for src/classify/dane.c: TLSA records against the chain of tests/unit/data/dane-*.pem
 * (gen-certs.sh dane), whose association data openssl computed into dane-tlsa.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testfs.h"
#include "classify/classify.h"
#include "classify/dane.h"
#include "core/util.h"

#define DATA "tests/unit/data/"

/* The association data of dane-tlsa.txt for file (dane-root, dane-int, dane-leaf), selector
 * sel and matching type mt (1: SHA-256, 2: SHA-512) into out; returns its length. */
static size_t tlsa_data(const char *file, int sel, int mt, unsigned char *out)
{
    char *txt = tfs_read("tests/unit/data", "dane-tlsa.txt");
    size_t n = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64], h256[129], h512[129];
        int s;
        if (sscanf(line, "%63s %d %128s %128s", name, &s, h256, h512) != 4 || s != sel ||
            strcmp(name, file) != 0)
            continue;
        const char *hex = mt == 1 ? h256 : h512;
        for (n = 0; hex[2 * n]; n++)
            sscanf(hex + 2 * n, "%2hhx", &out[n]);
    }
    free(txt);
    CHECK(n == 32 || n == 64);
    return n;
}

struct fixture {
    struct cert_info *chain[3];
    size_t n;
    psl_ctx_t *psl;
};

static void load(struct fixture *f, const char *leaf)
{
    f->chain[0] = tfs_load_cert(leaf);
    f->chain[1] = tfs_load_cert(DATA "dane-int.pem");
    f->chain[2] = tfs_load_cert(DATA "dane-root.pem");
    f->n = 3;
    f->psl = classify_psl_load();
}

static void unload(struct fixture *f)
{
    for (size_t i = 0; i < 3; i++)
        cert_info_free(f->chain[i]);
    psl_free(f->psl);
}

/* The verdict of one record (usage, selector, mtype, data) for the fixture and one name. */
static struct dane_result one(struct fixture *f, unsigned usage, unsigned sel, unsigned mt,
                              const unsigned char *data, size_t len, const char *ref)
{
    struct dane_tlsa r = {usage, sel, mt, data, len};
    const char *refs[] = {ref};
    struct dane_result res;
    dane_check(&r, 1, f->chain, f->n, f->psl, refs, ref ? 1 : 0, &res);
    return res;
}

TEST(dane_ee_ignores_names_and_dates)
{
    struct fixture f;
    load(&f, DATA "dane-leaf-expired.pem"); /* same key as dane-leaf.pem, expired */
    unsigned char d[64];
    size_t n = tlsa_data("dane-leaf", 1, 1, d); /* 3 1 1: the leaf's SPKI */
    struct dane_result r = one(&f, 3, 1, 1, d, n, "other.example");
    CHECK_STR(dane_verdict_str(r.verdict), "pass");
    CHECK_INT(r.matched, 0);
    CHECK_INT(r.matched_depth, 0);
    n = tlsa_data("dane-leaf", 1, 2, d); /* 3 1 2 */
    CHECK_STR(dane_verdict_str(one(&f, 3, 1, 2, d, n, NULL).verdict), "pass");
    /* 3 0 1 names the certificate itself: the expired one is another certificate. */
    n = tlsa_data("dane-leaf", 0, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 3, 0, 1, d, n, NULL).verdict), "fail");
    /* The intermediate's key in a DANE-EE record does not match the leaf. */
    n = tlsa_data("dane-int", 1, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 3, 1, 1, d, n, NULL).verdict), "fail");
    /* Full (matching type 0): the SPKI's own octets. */
    cert_info_free(f.chain[0]);
    f.chain[0] = tfs_load_cert(DATA "dane-leaf.pem");
    n = tlsa_data("dane-leaf", 0, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 3, 0, 1, d, n, NULL).verdict), "pass");
    const struct cert_info *leaf = f.chain[0];
    CHECK_STR(dane_verdict_str(one(&f, 3, 0, 0, leaf->der, leaf->der_len, NULL).verdict),
              "pass");
    unsigned char *bad = xmalloc(leaf->der_len);
    memcpy(bad, leaf->der, leaf->der_len);
    bad[leaf->der_len - 1] ^= 1;
    CHECK_STR(dane_verdict_str(one(&f, 3, 0, 0, bad, leaf->der_len, NULL).verdict), "fail");
    free(bad);
    unload(&f);
}

TEST(dane_ta_needs_chain_and_names)
{
    struct fixture f;
    load(&f, DATA "dane-leaf.pem");
    unsigned char d[64];
    size_t n = tlsa_data("dane-int", 1, 1, d); /* 2 1 1 on the intermediate */
    struct dane_result r = one(&f, 2, 1, 1, d, n, "mx.dane.example");
    CHECK_STR(dane_verdict_str(r.verdict), "pass");
    CHECK_INT(r.matched_depth, 1);
    CHECK_INT(r.ta_name_ok, 1);
    /* One-label wildcard: *.w.dane.example covers a.w.dane.example, not a.b.w.dane.example. */
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, "a.w.dane.example").verdict), "pass");
    r = one(&f, 2, 1, 1, d, n, "a.b.w.dane.example");
    CHECK_STR(dane_verdict_str(r.verdict), "fail");
    CHECK_INT(r.ta_name_ok, 0);
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, NULL).verdict), "fail");
    /* 2 0 1 on the root, two levels up. */
    n = tlsa_data("dane-root", 0, 1, d);
    r = one(&f, 2, 0, 1, d, n, "mx.dane.example");
    CHECK_STR(dane_verdict_str(r.verdict), "pass");
    CHECK_INT(r.matched_depth, 2);
    /* A DANE-TA record never matches the leaf itself. */
    n = tlsa_data("dane-leaf", 1, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, "mx.dane.example").verdict), "fail");
    /* The anchor must be in the chain sent: without the intermediate, 2 1 1 on it fails. */
    f.n = 1;
    n = tlsa_data("dane-int", 1, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, "mx.dane.example").verdict), "fail");
    f.n = 3;
    unload(&f);

    /* Dates count for DANE-TA (the expired leaf), and signatures: a leaf a stranger signed
     * under the intermediate's name does not chain to the intermediate. */
    load(&f, DATA "dane-leaf-expired.pem");
    n = tlsa_data("dane-int", 1, 1, d);
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, "mx.dane.example").verdict), "fail");
    unload(&f);
    load(&f, DATA "dane-leaf-stranger.pem");
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 1, d, n, "mx.dane.example").verdict), "fail");
    n = tlsa_data("dane-root", 1, 2, d);
    CHECK_STR(dane_verdict_str(one(&f, 2, 1, 2, d, n, "mx.dane.example").verdict), "fail");
    unload(&f);
}

TEST(dane_unusable_and_none)
{
    struct fixture f;
    load(&f, DATA "dane-leaf.pem");
    unsigned char d[64];
    size_t n = tlsa_data("dane-leaf", 1, 1, d);
    /* PKIX usages are not for SMTP (RFC 7672 §3.1.3), even when they would match. */
    CHECK_STR(dane_verdict_str(one(&f, 1, 1, 1, d, n, "mx.dane.example").verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 0, 1, 1, d, n, "mx.dane.example").verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 4, 1, 1, d, n, NULL).verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 3, 2, 1, d, n, NULL).verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 3, 1, 3, d, n, NULL).verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 3, 1, 1, d, 31, NULL).verdict), "unusable");
    CHECK_STR(dane_verdict_str(one(&f, 3, 1, 2, d, 32, NULL).verdict), "unusable");
    struct dane_tlsa r = {3, 1, 1, d, 31};
    CHECK_STR(dane_record_status_str(dane_record_status(&r)), "bad-length");
    r.usage = 1;
    CHECK_STR(dane_record_status_str(dane_record_status(&r)), "pkix-usage");
    r = (struct dane_tlsa){3, 1, 9, d, 32};
    CHECK_STR(dane_record_status_str(dane_record_status(&r)), "unknown-matching-type");
    /* A usable record among unusable ones decides; order does not matter. */
    struct dane_tlsa recs[3] = {{1, 1, 1, d, n}, {3, 1, 1, d, n}, {3, 9, 1, d, n}};
    struct dane_result res;
    dane_check(recs, 3, f.chain, f.n, f.psl, NULL, 0, &res);
    CHECK_STR(dane_verdict_str(res.verdict), "pass");
    CHECK_INT(res.matched, 1);
    /* No records: none. No certificate at all with usable records: fail. */
    dane_check(recs, 0, f.chain, f.n, f.psl, NULL, 0, &res);
    CHECK_STR(dane_verdict_str(res.verdict), "none");
    CHECK_INT(res.matched, -1);
    dane_check(recs, 3, f.chain, 0, f.psl, NULL, 0, &res);
    CHECK_STR(dane_verdict_str(res.verdict), "fail");
    unload(&f);
}

TEST(dane_tlsa_rdata)
{
    const unsigned char wire[] = {3, 1, 1, 0xaa, 0xbb};
    struct dane_tlsa r;
    CHECK_INT(dane_tlsa_parse(wire, sizeof(wire), &r), 0);
    CHECK_INT(r.usage, 3);
    CHECK_INT(r.selector, 1);
    CHECK_INT(r.mtype, 1);
    CHECK_INT(r.len, 2);
    CHECK(r.data == wire + 3);
    CHECK_INT(dane_tlsa_parse(wire, 3, &r), 0);
    CHECK_INT(r.len, 0);
    CHECK_STR(dane_record_status_str(dane_record_status(&r)), "bad-length");
    CHECK_INT(dane_tlsa_parse(wire, 2, &r), -1);
    CHECK_INT(dane_tlsa_parse(wire, 0, &r), -1);
}

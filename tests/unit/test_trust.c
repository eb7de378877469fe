/* trust: reasons from mbedTLS's flags, and real verification of the generated certificates in
 * tests/unit/data/ (ca.pem is the anchor; cn-only.pem is issued by it). */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "testfs.h"
#include "classify/chaincache.h"
#include "classify/trust.h"
#include "core/util.h"

#define DATA "tests/unit/data/"

static int has(const struct trust_result *r, const char *reason)
{
    for (int i = 0; i < r->nreasons; i++)
        if (strcmp(r->reasons[i], reason) == 0)
            return 1;
    return 0;
}

TEST(trust_reasons_from_flags)
{
    struct trust_result r;
    trust_reasons_from_flags(0, 0, 0, &r);
    CHECK(r.valid);
    CHECK_INT(r.nreasons, 0);
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0, 0, &r);
    CHECK(!r.valid);
    CHECK_INT(r.nreasons, 2);
    CHECK_STR(r.reasons[0], "expired");
    CHECK_STR(r.reasons[1], "unknown-ca");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_NOT_TRUSTED, 1, 0, &r);
    CHECK_STR(r.reasons[0], "self-signed");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0, 1, &r);
    CHECK_STR(r.reasons[0], "bad-signature");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_FUTURE, 0, 0, &r);
    CHECK_STR(r.reasons[0], "not-yet-valid");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, 0, 0, &r);
    CHECK_INT(r.nreasons, 1);
    CHECK_STR(r.reasons[0], "bad-key-usage");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_BAD_KEY, 0, 0, &r);
    CHECK_STR(r.reasons[0], "weak-key");
    trust_reasons_from_flags(MBEDTLS_X509_BADCERT_BAD_MD, 0, 0, &r);
    CHECK_STR(r.reasons[0], "other");
    CHECK(!r.valid);
}

/* Reads the first certificate of a PEM file as DER. */
static unsigned char *der_of(const char *path, size_t *len)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    unsigned char *der = NULL;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0) {
        der = malloc(crt.raw.len);
        memcpy(der, crt.raw.p, crt.raw.len);
        *len = crt.raw.len;
    }
    mbedtls_x509_crt_free(&crt);
    return der;
}

static void verify_file(const struct trust_ctx *t, const char *path, int corrupt, struct trust_result *r)
{
    size_t len = 0;
    unsigned char *der = der_of(path, &len);
    CHECK(der != NULL);
    if (!der)
        return;
    if (corrupt)
        der[len - 3] ^= 0x5a; /* inside the signature value: the structure still parses */
    struct cert_info *ci = cert_info_from_der(der, len);
    trust_verify(t, &ci, 1, r);
    cert_info_free(ci);
    free(der);
}

TEST(trust_verify_generated)
{
    char err[256] = "";
    struct trust_ctx *t = trust_ctx_new(DATA "ca.pem", NULL, err, sizeof(err));
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_INT(trust_ctx_count(t), 1);
    struct trust_result r;
    verify_file(t, DATA "cn-only.pem", 0, &r);
    CHECK(r.valid);
    verify_file(t, DATA "cn-only.pem", 1, &r);
    CHECK(!r.valid && has(&r, "bad-signature") && !has(&r, "unknown-ca"));
    verify_file(t, DATA "selfsigned-rsa2048.pem", 0, &r);
    CHECK(!r.valid && has(&r, "self-signed"));
    CHECK_INT(r.nreasons, 1);
    verify_file(t, DATA "rsa1024-sha1.pem", 0, &r);
    CHECK(has(&r, "self-signed") && has(&r, "weak-key"));
    verify_file(t, DATA "twin-issuer.pem", 0, &r); /* names itself as issuer, signed elsewhere */
    CHECK(!r.valid && !has(&r, "self-signed"));
    trust_ctx_free(t);

}

/* The text of a file of tests/unit/data/ (caller frees). */
static char *data_text(const char *name)
{
    return tfs_read("tests/unit/data", name);
}

/* trust_ctx_new(file, path): NULL with err holding want, or (want NULL) the anchors counted. */
static int load(const char *file, const char *path, const char *want)
{
    char err[1024] = "";
    struct trust_ctx *t = trust_ctx_new(file, path, err, sizeof(err));
    if (want) {
        CHECK(t == NULL);
        tfs_check_err(err, want);
    } else if (!t) {
        fprintf(stderr, "  unexpected: %s\n", err);
        CHECK(t != NULL);
    }
    int n = t ? trust_ctx_count(t) : -1;
    trust_ctx_free(t);
    return n;
}

/* What is wrong with a CA source is said in words (mbedTLS says "PK - Memory allocation failed"
 * for a folder and "PK - Read/write of file failed" for a missing file). */
TEST(trust_load_errors)
{
    char *dir = tfs_mkdtemp("mxs-trust");
    if (!dir)
        return;
    char path[600], msg[1400];
    CHECK_INT(load("/nonexistent/ca.pem", NULL, "cannot read CA file /nonexistent/ca.pem: No such file or directory"), -1);
    snprintf(msg, sizeof(msg), "CA file %s is a directory; use --ca-path %s", dir, dir);
    CHECK_INT(load(dir, NULL, msg), -1);
    CHECK_INT(load("/dev/null", NULL, "CA file /dev/null is not a regular file"), -1);
    tfs_write(dir, "empty.pem", "");
    snprintf(path, sizeof(path), "%s/empty.pem", dir);
    snprintf(msg, sizeof(msg), "CA file %s holds no certificate", path);
    CHECK_INT(load(path, NULL, msg), -1);
    tfs_write(dir, "key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    snprintf(path, sizeof(path), "%s/key.pem", dir);
    CHECK_INT(load(path, NULL, "holds no certificate"), -1);
    /* Certificates that do not parse: how many, and mbedTLS's first reason. */
    static const char bad[] = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
    char two[256];
    snprintf(two, sizeof(two), "%s%s", bad, bad);
    tfs_write(dir, "bad2.pem", two);
    snprintf(path, sizeof(path), "%s/bad2.pem", dir);
    snprintf(msg, sizeof(msg), "CA file %s: none of its 2 certificates could be parsed (first error: ", path);
    CHECK_INT(load(path, NULL, msg), -1);
    tfs_write(dir, "bad1.pem", bad);
    snprintf(path, sizeof(path), "%s/bad1.pem", dir);
    snprintf(msg, sizeof(msg), "CA file %s: its certificate could not be parsed (", path);
    CHECK_INT(load(path, NULL, msg), -1);
    /* One good among bad ones: the good one is an anchor (bundles carry a few mbedTLS lacks). */
    char *ca = data_text("ca.pem");
    CHECK(ca != NULL);
    if (ca) {
        size_t n = strlen(ca) + sizeof(two);
        char *mix = malloc(n);
        snprintf(mix, n, "%s%s", two, ca);
        tfs_write(dir, "mix.pem", mix);
        free(mix);
        snprintf(path, sizeof(path), "%s/mix.pem", dir);
        CHECK_INT(load(path, NULL, NULL), 1);
    }
    /* --ca-path: a file, a missing folder, a folder without certificates. */
    snprintf(msg, sizeof(msg), "CA path %s is not a directory; use --ca-file %s", path, path);
    CHECK_INT(load(NULL, path, msg), -1);
    CHECK_INT(load(NULL, "/nonexistent/certs", "cannot read CA path /nonexistent/certs: No such file or directory"), -1);
    char *sub = tfs_mkdtemp("mxs-trust-none");
    if (sub) {
        tfs_write(sub, "README", "not a certificate\n");
        snprintf(msg, sizeof(msg), "CA path %s holds no certificate (1 files", sub);
        CHECK_INT(load(NULL, sub, msg), -1);
        tfs_write(sub, "x.pem", bad);
        snprintf(msg, sizeof(msg), "CA path %s: its certificate could not be parsed", sub);
        CHECK_INT(load(NULL, sub, msg), -1);
        tfs_rmtree(sub);
        free(sub);
    }
    CHECK_INT(load(NULL, NULL, "no trust anchors given"), -1);
    free(ca);
    tfs_rmtree(dir);
    free(dir);
}

/* A folder of PEM files, plain or hashed (links named <hash>.0, as c_rehash makes them), with
 * a bundle of the same certificates beside them: each certificate is one anchor. */
TEST(trust_load_path)
{
    char *dir = tfs_mkdtemp("mxs-trust-path");
    if (!dir)
        return;
    char *ca = data_text("ca.pem"), *self = data_text("selfsigned-rsa2048.pem");
    CHECK(ca && self);
    if (ca && self) {
        tfs_write(dir, "ca.pem", ca);
        tfs_write(dir, "self.pem", self);
        tfs_write(dir, "notes.txt", "a file that is not a certificate is skipped\n");
        size_t n = strlen(ca) + strlen(self) + 1;
        char *bundle = malloc(n);
        snprintf(bundle, n, "%s%s", ca, self);
        tfs_write(dir, "bundle.crt", bundle);
        free(bundle);
        char link[600], sub[600];
        snprintf(link, sizeof(link), "%s/0a1b2c3d.0", dir);
        CHECK(symlink("ca.pem", link) == 0);
        snprintf(sub, sizeof(sub), "%s/java", dir); /* /etc/ssl/certs has one: skipped */
        CHECK(mkdir(sub, 0755) == 0);
        CHECK_INT(load(NULL, dir, NULL), 2);
        /* Combined with --ca-file: the same certificate once. */
        char file[600];
        snprintf(file, sizeof(file), "%s/ca.pem", dir);
        CHECK_INT(load(file, dir, NULL), 2);
        /* A DER certificate file. */
        size_t len = 0;
        unsigned char *der = der_of(DATA "cn-only.pem", &len);
        FILE *f = tfs_fopen(dir, "leaf.der", "wb");
        CHECK(der && f);
        if (der && f)
            fwrite(der, 1, len, f);
        if (f)
            fclose(f);
        free(der);
        snprintf(file, sizeof(file), "%s/leaf.der", dir);
        CHECK_INT(load(file, NULL, NULL), 1);
        CHECK_INT(load(NULL, dir, NULL), 3);
    }
    free(ca);
    free(self);
    tfs_rmtree(dir);
    free(dir);
    /* The system's hashed folder holds every anchor of the system's bundle twice (NAME.pem and
     * HASH.0 links) and may hold a few local certificates besides (ssl-cert's snakeoil): each
     * anchor counts once, so the folder gives at least the bundle and far fewer than twice. */
    struct stat st;
    if (stat("/etc/ssl/certs/ca-certificates.crt", &st) == 0) {
        int bundle = load("/etc/ssl/certs/ca-certificates.crt", NULL, NULL);
        int path = load(NULL, "/etc/ssl/certs", NULL);
        CHECK(bundle > 50);
        CHECK(path >= bundle && path < bundle + 10);
    }
}

/* ---- the chain cache (chaincache.h, trust_verify_cached) ---- */

/* A chain of the given files of tests/unit/data (the first certificate of each, as DER);
 * corrupt: flip an octet of the first one's signature. */
static size_t chain_of(struct cert_info **chain, const char *const *files, size_t n, int corrupt)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        unsigned char *der = der_of(files[i], &len);
        CHECK(der != NULL);
        if (!der)
            return i;
        if (corrupt && i == 0)
            der[len - 3] ^= 0x5a;
        chain[i] = cert_info_from_der(der, len);
        free(der);
    }
    return n;
}

static void chain_free(struct cert_info **chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cert_info_free(chain[i]);
}

static int same_verdict(const struct trust_result *a, const struct trust_result *b)
{
    if (a->valid != b->valid || a->nreasons != b->nreasons || a->flags != b->flags)
        return 0;
    for (int i = 0; i < a->nreasons; i++)
        if (strcmp(a->reasons[i], b->reasons[i]) != 0)
            return 0;
    return 1;
}

static struct trust_ctx *unit_ca(void)
{
    char err[256] = "";
    struct trust_ctx *t = trust_ctx_new(DATA "ca.pem", NULL, err, sizeof(err));
    if (!t)
        fprintf(stderr, "  %s\n", err);
    return t;
}

#define DAY 86400
/* A validation time on a day no certificate of tests/unit/data starts or ends on: today. */
#define NOW ((time_t)time(NULL))

TEST(trust_cache_hit_same_verdict)
{
    struct trust_ctx *t = unit_ca();
    CHECK(t != NULL);
    if (!t)
        return;
    struct chain_cache *c = chain_cache_new(0);
    struct cert_info *chain[2];
    size_t n = chain_of(chain, (const char *const[]){DATA "cn-only.pem"}, 1, 0);
    struct trust_result plain, first, second;
    struct chain_cache_stats st;
    trust_verify(t, chain, n, &plain);
    trust_verify_cached(t, c, chain, n, NOW, &first);
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 1);
    CHECK_INT(st.hits, 0);
    CHECK_INT(st.entries, 1);
    trust_verify_cached(t, c, chain, n, NOW, &second); /* the same chain: a hit */
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 1);
    CHECK_INT(st.hits, 1);
    CHECK(plain.valid && same_verdict(&plain, &first) && same_verdict(&first, &second));
    /* the same certificate parsed anew (another probe's copy) is the same chain */
    struct cert_info *again[1];
    chain_of(again, (const char *const[]){DATA "cn-only.pem"}, 1, 0);
    trust_verify_cached(t, c, again, 1, NOW, &second);
    chain_cache_stats(c, &st);
    CHECK_INT(st.hits, 2);
    CHECK(same_verdict(&plain, &second));
    chain_free(again, 1);
    /* the context's own cache counts too (NULL: trust_ctx_cache) */
    trust_verify_cached(t, NULL, chain, n, NOW, &first);
    trust_verify_cached(t, NULL, chain, n, NOW, &second);
    chain_cache_stats(trust_ctx_cache(t), &st);
    CHECK_INT(st.verifications, 1);
    CHECK_INT(st.hits, 1);
    chain_free(chain, n);
    chain_cache_free(c);
    trust_ctx_free(t);
}

TEST(trust_cache_misses)
{
    struct trust_ctx *t = unit_ca();
    CHECK(t != NULL);
    if (!t)
        return;
    struct chain_cache *c = chain_cache_new(0);
    struct cert_info *a[2], *b[1];
    size_t na = chain_of(a, (const char *const[]){DATA "cn-only.pem", DATA "ca.pem"}, 2, 0);
    size_t nb = chain_of(b, (const char *const[]){DATA "selfsigned-rsa2048.pem"}, 1, 0);
    struct trust_result r1, r2;
    struct chain_cache_stats st;
    trust_verify_cached(t, c, a, na, NOW, &r1);
    trust_verify_cached(t, c, a, na, NOW + DAY, &r2); /* another day: verified again */
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 2);
    CHECK_INT(st.hits, 0);
    CHECK(same_verdict(&r1, &r2));
    trust_verify_cached(t, c, b, nb, NOW, &r2); /* another chain */
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 3);
    CHECK(!r2.valid && has(&r2, "self-signed"));
    /* the same certificates in another order are another chain */
    struct cert_info *rev[2] = {a[1], a[0]};
    trust_verify_cached(t, c, rev, 2, NOW, &r2);
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 4);
    CHECK_INT(st.hits, 0);
    /* ... and the leaf alone too */
    trust_verify_cached(t, c, a, 1, NOW, &r2);
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 5);
    CHECK_INT(st.hits, 0);
    trust_verify_cached(t, c, a, na, NOW + DAY, &r2); /* that day's entry is there */
    chain_cache_stats(c, &st);
    CHECK_INT(st.hits, 1);
    chain_free(a, na);
    chain_free(b, nb);
    chain_cache_free(c);
    trust_ctx_free(t);
}

/* A verdict that could change during its day is not kept: the leaf's notAfter day. */
TEST(trust_cache_boundary_day_not_kept)
{
    struct trust_ctx *t = unit_ca();
    CHECK(t != NULL);
    if (!t)
        return;
    struct chain_cache *c = chain_cache_new(0);
    struct cert_info *a[1];
    chain_of(a, (const char *const[]){DATA "cn-only.pem"}, 1, 0);
    struct tm tm = {0};
    CHECK(sscanf(a[0]->not_after, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t end = timegm(&tm);
    struct trust_result r;
    trust_verify_cached(t, c, a, 1, end, &r);
    trust_verify_cached(t, c, a, 1, end, &r);
    struct chain_cache_stats st;
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 2);
    CHECK_INT(st.hits, 0);
    CHECK_INT(st.entries, 0);
    trust_verify_cached(t, c, a, 1, end - DAY, &r); /* the day before: kept */
    trust_verify_cached(t, c, a, 1, end - DAY, &r);
    chain_cache_stats(c, &st);
    CHECK_INT(st.hits, 1);
    chain_free(a, 1);
    chain_cache_free(c);
    trust_ctx_free(t);
}

TEST(trust_cache_bounded)
{
    struct trust_ctx *t = unit_ca();
    CHECK(t != NULL);
    if (!t)
        return;
    struct chain_cache *c = chain_cache_new(2);
    struct cert_info *x[3];
    size_t n = chain_of(x, (const char *const[]){DATA "cn-only.pem", DATA "ec-p256.pem",
                                                 DATA "selfsigned-rsa2048.pem"}, 3, 0);
    CHECK_INT(n, 3);
    struct trust_result r;
    struct chain_cache_stats st;
    for (size_t i = 0; i < n; i++)
        trust_verify_cached(t, c, &x[i], 1, NOW, &r);
    chain_cache_stats(c, &st);
    CHECK_INT(st.entries, 2);
    CHECK_INT(st.evictions, 1);
    trust_verify_cached(t, c, &x[2], 1, NOW, &r); /* the newest two stay */
    trust_verify_cached(t, c, &x[1], 1, NOW, &r);
    chain_cache_stats(c, &st);
    CHECK_INT(st.hits, 2);
    trust_verify_cached(t, c, &x[0], 1, NOW, &r); /* the least recently used went */
    chain_cache_stats(c, &st);
    CHECK_INT(st.verifications, 4);
    CHECK_INT(st.entries, 2);
    chain_free(x, n);
    chain_cache_free(c);
    trust_ctx_free(t);
}

/* Every verdict the cache gives, missed or hit, is the uncached verdict: valid, bad signature,
 * self-signed, weak key, a twin issuer name, leaf + root, the wrong order, a leaf twice, an
 * unparsable leaf. */
TEST(trust_cache_equals_uncached)
{
    struct trust_ctx *t = unit_ca();
    CHECK(t != NULL);
    if (!t)
        return;
    struct chain_cache *c = chain_cache_new(0);
    static const struct {
        const char *files[3];
        size_t n;
        int corrupt;
    } cases[] = {
        {{DATA "cn-only.pem"}, 1, 0},
        {{DATA "cn-only.pem"}, 1, 1},
        {{DATA "cn-only.pem", DATA "ca.pem"}, 2, 0},
        {{DATA "ca.pem", DATA "cn-only.pem"}, 2, 0},
        {{DATA "cn-only.pem", DATA "cn-only.pem"}, 2, 0},
        {{DATA "cn-only.pem", DATA "selfsigned-rsa2048.pem", DATA "ca.pem"}, 3, 0},
        {{DATA "selfsigned-rsa2048.pem"}, 1, 0},
        {{DATA "selfsigned-rsa2048.pem"}, 1, 1},
        {{DATA "rsa1024-sha1.pem"}, 1, 0},
        {{DATA "twin-issuer.pem"}, 1, 0},
        {{DATA "twin-issuer.pem", DATA "ca.pem"}, 2, 0},
        {{DATA "ec-p256.pem"}, 1, 0},
        {{DATA "hostile-names.pem"}, 1, 0},
        {{DATA "nul-san.pem"}, 1, 0},
        {{DATA "ca.pem"}, 1, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct cert_info *chain[3];
        size_t n = chain_of(chain, cases[i].files, cases[i].n, cases[i].corrupt);
        struct trust_result plain, miss, hit;
        trust_verify(t, chain, n, &plain);
        trust_verify_cached(t, c, chain, n, NOW, &miss);
        trust_verify_cached(t, c, chain, n, NOW, &hit);
        if (!same_verdict(&plain, &miss) || !same_verdict(&plain, &hit)) {
            fprintf(stderr, "  case %zu (%s, %zu): verdicts differ\n", i, cases[i].files[0], n);
            CHECK(0);
        }
        chain_free(chain, n);
    }
    /* an unparsable leaf ("other"), cached like any other */
    static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    struct cert_info *bad = cert_info_from_der(junk, sizeof(junk));
    struct trust_result plain, miss, hit;
    trust_verify(t, &bad, 1, &plain);
    trust_verify_cached(t, c, &bad, 1, NOW, &miss);
    trust_verify_cached(t, c, &bad, 1, NOW, &hit);
    CHECK(!plain.valid && has(&plain, "other") && same_verdict(&plain, &miss) &&
          same_verdict(&plain, &hit));
    cert_info_free(bad);
    struct chain_cache_stats st;
    chain_cache_stats(c, &st);
    CHECK_INT(st.hits, (unsigned long)ARRAY_LEN(cases) + 1);
    chain_free(NULL, 0);
    chain_cache_free(c);
    trust_ctx_free(t);
}

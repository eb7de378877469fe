/* trust: reasons from mbedTLS's flags, and real verification of the generated certificates in
 * tests/unit/data/ (ca.pem is the anchor; cn-only.pem is issued by it). */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "testfs.h"
#include "classify/trust.h"

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

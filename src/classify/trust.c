/* trust: see trust.h. */
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "chaincache.h"
#include "issuer.h"
#include "core/hmap.h"
#include "core/util.h"

struct trust_ctx {
    mbedtls_x509_crt ca;
    int count;
    /* The UTC days on which an anchor's validity starts or ends: a verdict reached on such a
     * day may change before it is over, so it is not cached (trust_verify_cached). */
    long long *anchor_days;
    size_t nanchor_days;
    struct chain_cache *cache; /* the context's own (trust_ctx_cache), with its own lock */
    char **anchor_names;       /* per anchor of ca, in list order: trust_root_name */
    int nanchors;
};

/* A CA file larger than this is not a bundle (Debian's is about 200 KB). */
#define CA_FILE_MAX (64L << 20)

/* What one source (a file, or every file of a folder) held. */
struct load {
    struct trust_ctx *t;
    struct hmap seen;  /* SHA-256 of each anchor's DER (hex) -> 1 */
    int certs;         /* certificates found (PEM blocks, or one DER certificate) */
    int failed;        /* of which did not parse */
    int first_error;   /* mbedTLS's error for the first that did not parse */
};

/* The whole of a regular file, NUL-terminated, into *buf (caller frees). Returns 0, -errno
 * (-EISDIR for a folder, -EFBIG beyond CA_FILE_MAX), or -EINVAL when it is not a regular
 * file (a FIFO would block; a device is not a bundle). */
static int read_whole(const char *path, unsigned char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    else if (st.st_size > CA_FILE_MAX)
        e = EFBIG;
    if (e) {
        close(fd);
        return -e;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *b = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while being read */
            if (cap > (size_t)CA_FILE_MAX) {
                e = EFBIG;
                break;
            }
            cap *= 2;
            b = xrealloc(b, cap);
        }
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (e) {
        free(b);
        return -e;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

/* Adds c to the anchors unless the same certificate is there already. */
static void add_anchor(struct load *l, const mbedtls_x509_crt *c)
{
    unsigned char sum[32];
    char hex[65];
    mbedtls_sha256_ret(c->raw.p, c->raw.len, sum, 0);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    if (hmap_get(&l->seen, hex))
        return;
    if (mbedtls_x509_crt_parse_der(&l->t->ca, c->raw.p, c->raw.len) == 0) {
        hmap_put(&l->seen, hex, (void *)1);
        l->t->count++;
    }
}

/* The certificates of one file's contents: every PEM "CERTIFICATE" block, or, without any,
 * the whole as one DER certificate when it starts like one (a SEQUENCE). Returns how many
 * were found, parsed or not. */
static int add_buffer(struct load *l, const unsigned char *buf, size_t len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    int found = 0, ret;
    for (const char *p = (const char *)buf; (p = strstr(p, begin)); p += sizeof(begin) - 1)
        found++;
    mbedtls_x509_crt tmp;
    mbedtls_x509_crt_init(&tmp);
    if (found) {
        /* mbedTLS takes PEM with its NUL counted; a positive return is the number of blocks
         * that did not parse while others did. */
        ret = mbedtls_x509_crt_parse(&tmp, buf, len + 1);
    } else if (len > 1 && buf[0] == 0x30) {
        found = 1;
        ret = mbedtls_x509_crt_parse_der(&tmp, buf, len);
    } else {
        return 0;
    }
    if (ret < 0 && !l->first_error)
        l->first_error = ret;
    for (const mbedtls_x509_crt *c = &tmp; c && c->version; c = c->next)
        add_anchor(l, c);
    mbedtls_x509_crt_free(&tmp);
    l->certs += found;
    l->failed += ret < 0 ? found : ret > found ? found : ret;
    return found;
}

/* "WHAT: none of its 3 certificates could be parsed (first error: ...)". */
static void none_parsed(const struct load *l, const char *what, char *err, size_t errlen)
{
    char msg[128] = "?";
    if (l->first_error)
        mbedtls_strerror(l->first_error, msg, sizeof(msg));
    if (l->certs == 1)
        snprintf(err, errlen, "%s: its certificate could not be parsed (%s)", what, msg);
    else
        snprintf(err, errlen, "%s: none of its %d certificates could be parsed (first error: %s)",
                 what, l->certs, msg);
}

static int load_file(struct load *l, const char *path, char *err, size_t errlen)
{
    unsigned char *buf;
    size_t len;
    int rc = read_whole(path, &buf, &len);
    if (rc == -EISDIR) {
        snprintf(err, errlen, "CA file %s is a directory; use --ca-path %s", path, path);
        return -1;
    }
    if (rc == -EINVAL) {
        snprintf(err, errlen, "CA file %s is not a regular file", path);
        return -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot read CA file %s: %s", path, strerror(-rc));
        return -1;
    }
    int before = l->t->count;
    int found = add_buffer(l, buf, len);
    free(buf);
    if (!found) {
        snprintf(err, errlen, "CA file %s holds no certificate (no PEM \"BEGIN CERTIFICATE\" "
                              "block, nor a DER certificate)", path);
        return -1;
    }
    if (l->t->count == before) {
        char what[4200];
        snprintf(what, sizeof(what), "CA file %s", path);
        none_parsed(l, what, err, errlen);
        return -1;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(struct load *l, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "cannot read CA path %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "CA path %s is not a directory; use --ca-file %s", dir, dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read CA path %s: %s", dir, strerror(errno));
        return -1;
    }
    /* In name order, so that the anchors (and which copy of a duplicate is kept) do not
     * depend on the order the file system lists them in. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    int files = 0, unreadable = 0, first_errno = 0;
    int before = l->t->count, certs_before = l->certs;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        free(names[i]);
        unsigned char *buf;
        size_t len;
        int rc = read_whole(path, &buf, &len); /* follows the hashed links */
        if (rc == -EISDIR || rc == -EINVAL)
            continue; /* a subfolder (java/ in /etc/ssl/certs) or a special file */
        files++;
        if (rc < 0) {
            unreadable++;
            if (!first_errno)
                first_errno = -rc;
            continue;
        }
        add_buffer(l, buf, len);
        free(buf);
    }
    free(names);
    if (l->t->count > before)
        return 0;
    if (l->certs > certs_before) {
        char what[4200];
        snprintf(what, sizeof(what), "CA path %s", dir);
        none_parsed(l, what, err, errlen);
    } else if (unreadable) {
        snprintf(err, errlen, "CA path %s: no certificate could be read (%d of its %d files "
                              "unreadable: %s)", dir, unreadable, files, strerror(first_errno));
    } else {
        snprintf(err, errlen, "CA path %s holds no certificate (%d files, none with a PEM "
                              "\"BEGIN CERTIFICATE\" block or a DER certificate)", dir, files);
    }
    return -1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* The UTC day of an X.509 time (mbedTLS keeps it broken down, in UTC). */
static long long x509_day(const mbedtls_x509_time *t)
{
    unsigned m = t->mon >= 1 && t->mon <= 12 ? (unsigned)t->mon : 1;
    unsigned d = t->day >= 1 && t->day <= 31 ? (unsigned)t->day : 1;
    return days_from_civil(t->year, m, d);
}

struct trust_ctx *trust_ctx_new(const char *ca_file, const char *ca_path, char *err,
                                size_t errlen)
{
    struct trust_ctx *t = xcalloc(1, sizeof(*t));
    mbedtls_x509_crt_init(&t->ca);
    struct load l = {.t = t};
    hmap_init(&l.seen);
    int rc = 0;
    if (!ca_file && !ca_path) {
        snprintf(err, errlen, "no trust anchors given");
        rc = -1;
    }
    if (rc == 0 && ca_file)
        rc = load_file(&l, ca_file, err, errlen);
    if (rc == 0 && ca_path) {
        l.certs = l.failed = l.first_error = 0;
        rc = load_path(&l, ca_path, err, errlen);
    }
    hmap_free(&l.seen, NULL);
    if (rc < 0) {
        trust_ctx_free(t);
        return NULL;
    }
    t->anchor_days = xcalloc((size_t)t->count * 2 + 1, sizeof(*t->anchor_days));
    for (const mbedtls_x509_crt *c = &t->ca; c && c->version; c = c->next) {
        t->anchor_days[t->nanchor_days++] = x509_day(&c->valid_from);
        t->anchor_days[t->nanchor_days++] = x509_day(&c->valid_to);
    }
    for (const mbedtls_x509_crt *c = &t->ca; c && c->version; c = c->next)
        t->nanchors++;
    t->anchor_names = xcalloc((size_t)t->nanchors + 1, sizeof(*t->anchor_names));
    int i = 0;
    for (const mbedtls_x509_crt *c = &t->ca; c && c->version; c = c->next)
        t->anchor_names[i++] = issuer_dn_label(&c->subject);
    t->cache = chain_cache_new(0);
    return t;
}

void trust_ctx_free(struct trust_ctx *t)
{
    if (!t)
        return;
    mbedtls_x509_crt_free(&t->ca);
    free(t->anchor_days);
    for (int i = 0; i < t->nanchors; i++)
        free(t->anchor_names[i]);
    free(t->anchor_names);
    chain_cache_free(t->cache);
    free(t);
}

struct chain_cache *trust_ctx_cache(const struct trust_ctx *t)
{
    return t->cache;
}

const char *trust_root_name(const struct trust_ctx *t, int root)
{
    return root >= 1 && root <= t->nanchors ? t->anchor_names[root - 1] : NULL;
}

/* The index + 1 of the anchor top is (the top of a verified path: an anchor of t->ca, or a
 * certificate the server sent that equals one); 0 when none is. */
static int anchor_index(const struct trust_ctx *t, const mbedtls_x509_crt *top)
{
    int i = 1;
    for (const mbedtls_x509_crt *c = &t->ca; top && c && c->version; c = c->next, i++)
        if (c == top || (c->raw.len == top->raw.len && memcmp(c->raw.p, top->raw.p, c->raw.len) == 0))
            return i;
    return 0;
}

int trust_ctx_count(const struct trust_ctx *t)
{
    return t->count;
}

static const char *const reason_words[TRUST_REASON_COUNT] = {
    [TRUST_REASON_EXPIRED] = "expired",
    [TRUST_REASON_NOT_YET_VALID] = "not-yet-valid",
    [TRUST_REASON_SELF_SIGNED] = "self-signed",
    [TRUST_REASON_UNKNOWN_CA] = "unknown-ca",
    [TRUST_REASON_BAD_SIGNATURE] = "bad-signature",
    [TRUST_REASON_BAD_KEY_USAGE] = "bad-key-usage",
    [TRUST_REASON_WEAK_KEY] = "weak-key",
    [TRUST_REASON_OTHER] = "other",
};

const char *trust_reason_str(enum trust_reason r)
{
    return (unsigned)r < TRUST_REASON_COUNT ? reason_words[r] : "?";
}

static void add(struct trust_result *r, enum trust_reason why)
{
    const char *reason = trust_reason_str(why);
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
        add(out, TRUST_REASON_EXPIRED);
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        add(out, TRUST_REASON_NOT_YET_VALID);
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        add(out, self_signed     ? TRUST_REASON_SELF_SIGNED
                 : bad_signature ? TRUST_REASON_BAD_SIGNATURE
                                 : TRUST_REASON_UNKNOWN_CA);
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
        add(out, TRUST_REASON_BAD_KEY_USAGE);
    if (flags & (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK))
        add(out, TRUST_REASON_WEAK_KEY);
    left &= ~(unsigned)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                        MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_KEY_USAGE |
                        MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_NS_CERT_TYPE |
                        MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_PK |
                        MBEDTLS_X509_BADCERT_CN_MISMATCH);
    /* Expired/future flags on CRLs, weak hashes, skipped verification, ... */
    if (left)
        add(out, TRUST_REASON_OTHER);
    out->valid = out->nreasons == 0;
}

/* Is a certificate with the issuer's name among the candidate parents (sent by the server,
 * or anchors) whose key does not verify the signature? That is a bad signature, not an
 * unknown CA. Returns 1 when such a parent exists and none with that name verifies. Only asked
 * when mbedTLS's path building took no parent for the leaf, or one whose signature failed
 * (trust_verify's callers' verdict depends on it only then): the hash is made, and a signature
 * checked, only once a candidate with the name is found. */
static int signature_bad(const mbedtls_x509_crt *leaf, const mbedtls_x509_crt *ca)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(leaf->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    int named = 0, hashed = 0;
    const mbedtls_x509_crt *lists[2] = {leaf->next, ca};
    for (int l = 0; l < 2; l++)
        for (const mbedtls_x509_crt *c = lists[l]; c && c->version; c = c->next) {
            if (c->subject_raw.len != leaf->issuer_raw.len ||
                memcmp(c->subject_raw.p, leaf->issuer_raw.p, leaf->issuer_raw.len) != 0)
                continue;
            if (!hashed) {
                if (!md || mbedtls_md(md, leaf->tbs.p, leaf->tbs.len, hash) != 0)
                    return 0;
                hashed = 1;
            }
            named = 1;
            if (mbedtls_pk_verify_ext(leaf->sig_pk, leaf->sig_opts, (mbedtls_pk_context *)&c->pk,
                                      leaf->sig_md, hash, mbedtls_md_get_size(md), leaf->sig.p,
                                      leaf->sig.len) == 0)
                return 0;
        }
    return named;
}

/* What mbedTLS's verify callback saw of the path it built: called once per certificate of the
 * path, from the top down to the leaf (depth 0). */
struct path_seen {
    int depth_max;       /* the path's length - 1: 0 when no parent was found for the leaf */
    uint32_t leaf_flags; /* the leaf's own flags: NOT_TRUSTED there with a parent means the
                          * parent's signature on the leaf failed */
    const mbedtls_x509_crt *top; /* the path's top: the anchor, when the path verified */
};

static int on_path(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct path_seen *p = arg;
    if (depth >= p->depth_max) {
        p->depth_max = depth;
        p->top = crt;
    }
    if (depth == 0)
        p->leaf_flags = *flags;
    return 0;
}

/* 1 when day is none of days[0..n). */
static int day_clear(const long long *days, size_t n, long long day)
{
    for (size_t i = 0; i < n; i++)
        if (days[i] == day)
            return 0;
    return 1;
}

/* trust_verify; with day >= 0, *stable says whether the verdict holds for that whole UTC day
 * (no certificate of the chain, parsed, nor any anchor starts or ends its validity on it). */
static void verify(const struct trust_ctx *t, struct cert_info *const *chain, size_t n,
                   long long day, struct trust_result *out, int *stable)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int parsed = 0;
    for (size_t i = 0; i < n; i++) {
        /* The DER the server sent, as the probe kept it. Only the leaf must parse; an
         * unparsable intermediate is just not a candidate. */
        if (mbedtls_x509_crt_parse_der(&crt, chain[i]->der, chain[i]->der_len) == 0)
            parsed++;
        else if (i == 0)
            break;
    }
    if (stable)
        *stable = 1;
    if (parsed == 0) {
        trust_reasons_from_flags(MBEDTLS_X509_BADCERT_OTHER, 0, 0, out);
        mbedtls_x509_crt_free(&crt);
        return;
    }
    uint32_t flags = 0;
    struct path_seen path = {0};
    /* mbedtls_x509_crt_verify takes a non-const CA chain but does not modify it. */
    mbedtls_x509_crt_verify_with_profile(&crt, (mbedtls_x509_crt *)&t->ca, NULL,
                                         &mbedtls_x509_crt_profile_default, NULL, &flags,
                                         on_path, &path);
    /* mbedTLS has checked every signature on the path it built. The leaf's is looked at again
     * only when it decides between bad-signature and unknown-ca: not trusted, not self-signed,
     * and no parent whose signature on the leaf verified (if mbedTLS found one, a candidate
     * with the issuer's name verifies, which is all signature_bad asks). */
    int parent_ok = path.depth_max >= 1 && !(path.leaf_flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    int bad_sig = (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) && !chain[0]->self_signed &&
                  !parent_ok && signature_bad(&crt, &t->ca);
    trust_reasons_from_flags(flags, chain[0]->self_signed, bad_sig, out);
    if (out->valid) /* the callback saw the top first; it is still in crt or t->ca here */
        out->root = anchor_index(t, path.top);
    if (stable && day >= 0) {
        *stable = day_clear(t->anchor_days, t->nanchor_days, day);
        for (const mbedtls_x509_crt *c = &crt; *stable && c && c->version; c = c->next)
            *stable = x509_day(&c->valid_from) != day && x509_day(&c->valid_to) != day;
    }
    mbedtls_x509_crt_free(&crt);
}

void trust_verify(const struct trust_ctx *t, struct cert_info *const *chain, size_t n,
                  struct trust_result *out)
{
    verify(t, chain, n, -1, out, NULL);
}

void trust_verify_cached(const struct trust_ctx *t, struct chain_cache *cache,
                         struct cert_info *const *chain, size_t n, time_t now,
                         struct trust_result *out)
{
    if (!cache)
        cache = t->cache;
    long long day = (long long)(now >= 0 ? now / 86400 : (now - 86399) / 86400);
    struct chain_key k;
    chain_cache_key(chain, n, day, &k);
    if (chain_cache_get(cache, &k, out))
        return;
    int stable = 0;
    verify(t, chain, n, day, out, &stable);
    chain_cache_put(cache, &k, out, stable);
}

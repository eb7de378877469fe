/* Unit tests for src/probe/tlshello.c: the offer tables against a real OpenSSL 3 ClientHello, the
 * built ClientHello parsed back field by field, the ServerHello reader on real server answers
 * (tests/unit/data/tlshello/, recorded by capture.sh there) fed whole, one octet at a time and
 * in odd splits, on crafted messages for every error class, and the names. */
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "probe/tlshello.h"

#define DATA "tests/unit/data/tlshello/"
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s.bin", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        return 0;
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* ---- an independent ClientHello parser: every length must add up exactly ---------------- */

struct ch {
    unsigned rec_version, legacy;
    const uint8_t *random, *sid;
    size_t sid_len;
    uint16_t suites[128];
    size_t nsuites;
    const uint8_t *comp;
    size_t ncomp;
    struct {
        unsigned type;
        const uint8_t *data;
        size_t len;
    } ext[32];
    size_t next;
};

static const char *parse_ch(const uint8_t *b, size_t len, struct ch *c)
{
    memset(c, 0, sizeof(*c));
    if (len < 9 || b[0] != 22 || b[1] != 3)
        return "record header";
    c->rec_version = g16(b + 1);
    if (g16(b + 3) != len - 5)
        return "record length";
    if (b[5] != 1 || ((size_t)b[6] << 16 | g16(b + 7)) != len - 9)
        return "handshake header";
    const uint8_t *p = b + 9, *end = b + len;
    if (end - p < 35)
        return "short";
    c->legacy = g16(p);
    c->random = p + 2;
    c->sid_len = p[34];
    c->sid = p + 35;
    p += 35 + c->sid_len;
    if (end - p < 2 || g16(p) % 2 || g16(p) / 2 > LEN(c->suites) || end - p < 2 + g16(p))
        return "suites";
    c->nsuites = g16(p) / 2;
    for (size_t i = 0; i < c->nsuites; i++)
        c->suites[i] = (uint16_t)g16(p + 2 + 2 * i);
    p += 2 + g16(p);
    if (end - p < 1 || end - p < 1 + p[0])
        return "compression";
    c->ncomp = p[0];
    c->comp = p + 1;
    p += 1 + c->ncomp;
    if (end - p < 2 || g16(p) != (size_t)(end - p - 2))
        return "extensions length";
    p += 2;
    while (p < end) {
        if (end - p < 4 || end - p < 4 + g16(p + 2) || c->next == LEN(c->ext))
            return "extension";
        c->ext[c->next].type = g16(p);
        c->ext[c->next].len = g16(p + 2);
        c->ext[c->next].data = p + 4;
        c->next++;
        p += 4 + g16(p + 2);
    }
    return NULL;
}

static int find_ext(const struct ch *c, unsigned type)
{
    for (size_t i = 0; i < c->next; i++)
        if (c->ext[i].type == type)
            return (int)i;
    return -1;
}

/* A list of 16-bit values behind a `prefix`-octet length equal to want[0..n). */
static int list16_is(const uint8_t *p, size_t len, size_t prefix, const uint16_t *want, size_t n)
{
    size_t l = prefix == 1 ? p[0] : g16(p);
    if (len != prefix + l || l != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (g16(p + prefix + 2 * i) != want[i])
            return 0;
    return 1;
}

/* ---- the offer -------------------------------------------------------------------------- */

TEST(tlshello_tables_are_openssl_3)
{
    /* What `openssl s_client` (OpenSSL 3.0, no configuration) sent: the model, checked
     * field by field against our tables, so "modelled on OpenSSL 3" stays true. */
    uint8_t b[2048];
    size_t n = load("openssl-client-hello", b, sizeof(b));
    struct ch c;
    const char *why = parse_ch(b, n, &c);
    CHECK_STR(why, NULL);
    if (why)
        return;
    CHECK_INT(c.rec_version, 0x0301);
    CHECK_INT(c.nsuites, TLS_SUITES13_COUNT + TLS_SUITES12_COUNT + 1);
    for (size_t i = 0; i < TLS_SUITES13_COUNT; i++)
        CHECK_INT(c.suites[i], tls_suites13[i]);
    for (size_t i = 0; i < TLS_SUITES12_COUNT; i++)
        CHECK_INT(c.suites[TLS_SUITES13_COUNT + i], tls_suites12[i]);
    CHECK_INT(c.suites[c.nsuites - 1], 0x00ff);
    int g = find_ext(&c, 0x000a), s = find_ext(&c, 0x000d), v = find_ext(&c, 0x002b);
    CHECK(g >= 0 && list16_is(c.ext[g].data, c.ext[g].len, 2, tls_groups, TLS_GROUPS_COUNT));
    CHECK(s >= 0 && list16_is(c.ext[s].data, c.ext[s].len, 2, tls_sigalgs, TLS_SIGALGS_COUNT));
    CHECK(v >= 0 && list16_is(c.ext[v].data, c.ext[v].len, 1, tls_versions, TLS_VERSIONS_COUNT));

    /* Our ClientHello: the same extensions in the same order, with the same contents except
     * the key share, and the same suites plus the reach suites before the SCSV. */
    uint8_t rnd[32] = {1}, sid[32] = {2}, share[32] = {3}, mine[TLSHELLO_BUILD_MAX];
    size_t m = tlshello_build(mine, sizeof(mine), "mx.tlshello.test", rnd, sid, share);
    struct ch o;
    CHECK_STR(parse_ch(mine, m, &o), NULL);
    CHECK_INT(o.next, c.next);
    for (size_t i = 0; i < c.next && i < o.next; i++) {
        CHECK_INT(o.ext[i].type, c.ext[i].type);
        if (c.ext[i].type != 0x0033)
            CHECK(o.ext[i].len == c.ext[i].len &&
                  memcmp(o.ext[i].data, c.ext[i].data, c.ext[i].len) == 0);
    }
    CHECK_INT(o.nsuites, c.nsuites + TLS_SUITES_REACH_COUNT);
    CHECK(memcmp(o.suites, c.suites, 2 * (c.nsuites - 1)) == 0);
    CHECK(o.sid_len == 32 && c.sid_len == 32);
    CHECK(o.ncomp == 1 && c.ncomp == 1 && o.comp[0] == 0 && c.comp[0] == 0);

    /* No suite twice; every suite we offer has its IANA name from our own table. */
    uint16_t all[TLS_SUITES13_COUNT + TLS_SUITES12_COUNT + TLS_SUITES_REACH_COUNT];
    size_t k = 0;
    for (size_t i = 0; i < TLS_SUITES13_COUNT; i++)
        all[k++] = tls_suites13[i];
    for (size_t i = 0; i < TLS_SUITES12_COUNT; i++)
        all[k++] = tls_suites12[i];
    for (size_t i = 0; i < TLS_SUITES_REACH_COUNT; i++)
        all[k++] = tls_suites_reach[i];
    for (size_t i = 0; i < k; i++) {
        char name[TLS_CIPHER_NAME_LEN];
        tls_cipher_name(all[i], name, sizeof(name));
        CHECK(strncmp(name, "TLS_", 4) == 0);
        for (size_t j = i + 1; j < k; j++)
            CHECK(all[i] != all[j]);
    }
    CHECK_INT(tls_suites13[0], 0x1302);
    CHECK_INT(tls_suites12[0], 0xc02c); /* ECDHE-ECDSA-AES256-GCM before ECDHE-RSA-... */
    CHECK_INT(tls_suites12[1], 0xc030);
    CHECK_INT(tls_groups[0], TLS_GROUP_X25519);
}

/* ---- the builder ------------------------------------------------------------------------ */

static const uint16_t ext_order[] = {0x0000, 0x000b, 0x000a, 0x0023, 0x0016,
                                     0x0017, 0x000d, 0x002b, 0x002d, 0x0033};

/* Builds with this SNI and checks every field; want_sni: the name expected in server_name,
 * NULL when the extension must be absent. */
static void check_built(const char *sni, const char *want_sni)
{
    uint8_t rnd[32], sid[32], share[32], b[TLSHELLO_BUILD_MAX];
    for (int i = 0; i < 32; i++) {
        rnd[i] = (uint8_t)(0x10 + i);
        sid[i] = (uint8_t)(0x80 + i);
        share[i] = (uint8_t)(0xe0 ^ i);
    }
    size_t n = tlshello_build(b, sizeof(b), sni, rnd, sid, share);
    struct ch c;
    const char *why = parse_ch(b, n, &c);
    CHECK_STR(why, NULL);
    if (why)
        return;
    CHECK_INT(c.rec_version, 0x0301);
    CHECK_INT(c.legacy, 0x0303);
    CHECK(memcmp(c.random, rnd, 32) == 0);
    CHECK_INT(c.sid_len, 32);
    CHECK(memcmp(c.sid, sid, 32) == 0);
    size_t k = 0;
    for (size_t i = 0; i < TLS_SUITES13_COUNT; i++)
        CHECK_INT(c.suites[k++], tls_suites13[i]);
    for (size_t i = 0; i < TLS_SUITES12_COUNT; i++)
        CHECK_INT(c.suites[k++], tls_suites12[i]);
    for (size_t i = 0; i < TLS_SUITES_REACH_COUNT; i++)
        CHECK_INT(c.suites[k++], tls_suites_reach[i]);
    CHECK_INT(c.suites[k++], 0x00ff);
    CHECK_INT(c.nsuites, k);
    CHECK(c.ncomp == 1 && c.comp[0] == 0);

    size_t first = want_sni ? 0 : 1;
    CHECK_INT(c.next, LEN(ext_order) - first);
    for (size_t i = 0; i < c.next && i + first < LEN(ext_order); i++)
        CHECK_INT(c.ext[i].type, ext_order[i + first]);
    int e = find_ext(&c, 0x0000);
    CHECK_INT(e >= 0, want_sni != NULL);
    if (e >= 0 && want_sni) {
        const uint8_t *d = c.ext[e].data;
        size_t wl = strlen(want_sni);
        CHECK_INT(c.ext[e].len, 5 + wl);
        CHECK_INT(g16(d), 3 + wl);
        CHECK_INT(d[2], 0);
        CHECK_INT(g16(d + 3), wl);
        CHECK(memcmp(d + 5, want_sni, wl) == 0);
    }
    e = find_ext(&c, 0x000b);
    CHECK(e >= 0 && c.ext[e].len == 4 && memcmp(c.ext[e].data, "\x03\x00\x01\x02", 4) == 0);
    e = find_ext(&c, 0x000a);
    CHECK(e >= 0 && list16_is(c.ext[e].data, c.ext[e].len, 2, tls_groups, TLS_GROUPS_COUNT));
    static const unsigned empty[] = {0x0023, 0x0016, 0x0017};
    for (size_t i = 0; i < LEN(empty); i++) {
        e = find_ext(&c, empty[i]);
        CHECK(e >= 0 && c.ext[e].len == 0);
    }
    e = find_ext(&c, 0x000d);
    CHECK(e >= 0 && list16_is(c.ext[e].data, c.ext[e].len, 2, tls_sigalgs, TLS_SIGALGS_COUNT));
    static const uint16_t versions[] = {0x0304, 0x0303, 0x0302, 0x0301};
    e = find_ext(&c, 0x002b);
    CHECK(e >= 0 && list16_is(c.ext[e].data, c.ext[e].len, 1, versions, 4));
    e = find_ext(&c, 0x002d);
    CHECK(e >= 0 && c.ext[e].len == 2 && c.ext[e].data[0] == 1 && c.ext[e].data[1] == 1);
    e = find_ext(&c, 0x0033);
    CHECK(e >= 0 && c.ext[e].len == 2 + 2 + 2 + 32);
    if (e >= 0 && c.ext[e].len == 38) {
        const uint8_t *d = c.ext[e].data;
        CHECK(g16(d) == 36 && g16(d + 2) == 0x001d && g16(d + 4) == 32);
        CHECK(memcmp(d + 6, share, 32) == 0);
    }
}

TEST(tlshello_build_layout)
{
    check_built("mx.example.com", "mx.example.com");
    check_built("mx.example.com.", "mx.example.com"); /* one trailing dot dropped */
    check_built("MX.Example.COM", "MX.Example.COM");  /* sent as given */
    char n255[256], n256[257];
    memset(n255, 'a', 255);
    n255[255] = '\0';
    memset(n256, 'a', 256);
    n256[256] = '\0';
    check_built(n255, n255);
    check_built(n256, NULL);
    char dotted[257];
    memcpy(dotted, n255, 255);
    memcpy(dotted + 255, ".", 2);
    check_built(dotted, n255); /* 255 octets once the dot is gone */
    static const char *none[] = {"", ".", "192.0.2.1", "2001:db8::1", "::1", "[192.0.2.1]",
                                 "[IPv6:::1]", "a b.example", "tab\t.example", "\xc3\xa9.example",
                                 "del\x7f.example"};
    check_built(NULL, NULL);
    for (size_t i = 0; i < LEN(none); i++)
        check_built(none[i], NULL);
}

TEST(tlshello_build_buffer_and_determinism)
{
    uint8_t rnd[32], sid[32], share[32], a[TLSHELLO_BUILD_MAX], b[TLSHELLO_BUILD_MAX];
    memset(rnd, 0x11, 32);
    memset(sid, 0x22, 32);
    memset(share, 0x33, 32);
    char longest[256];
    memset(longest, 'x', 255);
    longest[255] = '\0';
    size_t n = tlshello_build(a, sizeof(a), longest, rnd, sid, share);
    CHECK(n > 0 && n <= TLSHELLO_BUILD_MAX);
    /* Every smaller buffer fails cleanly and writes nothing past its end. */
    for (size_t cap = 0; cap < n; cap++) {
        memset(b, 0xa5, sizeof(b));
        CHECK_INT(tlshello_build(b, cap, longest, rnd, sid, share), 0);
        for (size_t i = cap; i < sizeof(b); i++)
            if (b[i] != 0xa5) {
                CHECK(!"wrote past cap");
                break;
            }
    }
    CHECK_INT(tlshello_build(b, n, longest, rnd, sid, share), n);
    CHECK(memcmp(a, b, n) == 0);
    /* Only the caller's octets change with the caller's octets. */
    share[31] ^= 0xff;
    size_t m = tlshello_build(b, sizeof(b), longest, rnd, sid, share);
    CHECK_INT(m, n);
    size_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += a[i] != b[i];
    CHECK_INT(diff, 1);
    CHECK_INT(a[n - 1] ^ b[n - 1], 0xff); /* the share is the last thing in the record */
    size_t short_n = tlshello_build(b, sizeof(b), "mx.example", rnd, sid, share);
    CHECK_INT(n - short_n, 255 - 10);
}

/* ---- the reader: real answers ----------------------------------------------------------- */

struct verdict {
    enum tlshello_status status;
    const char *error;
    struct tlshello_result res;
    size_t consumed;
};

/* Feeds b in chunks of `step` octets (0: all at once), as a caller would, until a verdict. */
static struct verdict feed(const uint8_t *b, size_t len, size_t step)
{
    struct tlshello_reader *r = malloc(sizeof(*r));
    struct verdict v = {0};
    tlshello_reader_init(r);
    size_t at = 0;
    while (at < len && r->status == TLSHELLO_NEED_MORE) {
        size_t n = step && len - at > step ? step : len - at, used = 99999;
        tlshello_reader_feed(r, b + at, n, &used);
        CHECK(used <= n);
        if (r->status == TLSHELLO_NEED_MORE)
            CHECK_INT(used, n);
        at += used;
    }
    if (r->status != TLSHELLO_NEED_MORE) { /* a verdict is final and consumes nothing more */
        size_t used = 99999;
        CHECK_INT(tlshello_reader_feed(r, b, len, &used), r->status);
        CHECK_INT(used, 0);
    }
    v.status = r->status;
    v.error = r->error;
    v.res = r->result;
    v.consumed = at;
    free(r);
    return v;
}

/* Field by field: a struct copy need not copy padding, so memcmp would compare garbage. */
static int same_result(const struct tlshello_result *a, const struct tlshello_result *b)
{
    return a->kind == b->kind && a->version == b->version &&
           a->legacy_version == b->legacy_version && a->cipher == b->cipher &&
           a->compression == b->compression && a->group == b->group &&
           a->alert_level == b->alert_level && a->alert_desc == b->alert_desc &&
           a->warnings == b->warnings && a->last_warning == b->last_warning;
}

static int same(const struct verdict *a, const struct verdict *b)
{
    return a->status == b->status && a->consumed == b->consumed &&
           (a->status != TLSHELLO_ERROR || strcmp(a->error, b->error) == 0) &&
           (a->status != TLSHELLO_DONE || same_result(&a->res, &b->res));
}

/* Whole, one octet at a time, and in splits of 2, 7 and 13: the same verdict every time; a
 * DONE verdict is never reached by any shorter prefix. Returns the whole-input verdict. */
static struct verdict feed_all_ways(const uint8_t *b, size_t len)
{
    static const size_t steps[] = {1, 2, 7, 13, 3, 64};
    struct verdict whole = feed(b, len, 0);
    for (size_t i = 0; i < LEN(steps); i++) {
        struct verdict v = feed(b, len, steps[i]);
        if (!same(&whole, &v)) {
            fprintf(stderr, "  split %zu differs\n", steps[i]);
            CHECK(0);
        }
    }
    if (whole.status == TLSHELLO_DONE)
        for (size_t k = 0; k < whole.consumed; k++) {
            struct verdict v = feed(b, k, 0);
            if (v.status != TLSHELLO_NEED_MORE || v.consumed != k) {
                fprintf(stderr, "  prefix %zu of %zu: status %d\n", k, whole.consumed, v.status);
                CHECK(0);
                break;
            }
        }
    return whole;
}

TEST(tlshello_reader_recorded_answers)
{
    static const struct {
        const char *file;
        enum tlshello_kind kind;
        uint16_t version, cipher, group;
        uint8_t level, desc;
        unsigned warnings;
        size_t consumed;
    } cases[] = {
        {"openssl-tls13", TLSHELLO_SERVER_HELLO, 0x0304, 0x1302, 0x001d, 0, 0, 0, 127},
        {"openssl-tls13-chacha", TLSHELLO_SERVER_HELLO, 0x0304, 0x1303, 0x001d, 0, 0, 0, 127},
        {"openssl-hrr-p256", TLSHELLO_HELLO_RETRY, 0x0304, 0x1302, 0x0017, 0, 0, 0, 93},
        {"openssl-tls12", TLSHELLO_SERVER_HELLO, 0x0303, 0xc030, 0, 0, 0, 0, 70},
        {"openssl-tls12-ecdsa", TLSHELLO_SERVER_HELLO, 0x0303, 0xc02b, 0, 0, 0, 0, 70},
        {"openssl-tls11", TLSHELLO_SERVER_HELLO, 0x0302, 0xc014, 0, 0, 0, 0, 74},
        {"openssl-tls10", TLSHELLO_SERVER_HELLO, 0x0301, 0xc014, 0, 0, 0, 0, 74},
        {"openssl-warning-then-tls12", TLSHELLO_SERVER_HELLO, 0x0303, 0xc030, 0, 0, 0, 1, 77},
        {"openssl-alert-handshake-failure", TLSHELLO_ALERT, 0, 0, 0, 2, 40, 0, 7},
        {"openssl-alert-unrecognized-name", TLSHELLO_ALERT, 0, 0, 0, 2, 112, 0, 7},
        {"mbedtls-tls12-rsa", TLSHELLO_SERVER_HELLO, 0x0303, 0xcca8, 0, 0, 0, 0, 96},
        {"mbedtls-tls12-ecdsa", TLSHELLO_SERVER_HELLO, 0x0303, 0xcca9, 0, 0, 0, 0, 96},
        {"mbedtls-tls10", TLSHELLO_SERVER_HELLO, 0x0301, 0xc014, 0, 0, 0, 0, 100},
    };
    static uint8_t b[65536];
    for (size_t i = 0; i < LEN(cases); i++) {
        size_t n = load(cases[i].file, b, sizeof(b));
        CHECK(n >= cases[i].consumed);
        struct verdict v = feed_all_ways(b, n);
        if (v.status != TLSHELLO_DONE)
            fprintf(stderr, "  %s: %s\n", cases[i].file, v.error ? v.error : "need more");
        CHECK_INT(v.status, TLSHELLO_DONE);
        CHECK_INT(v.res.kind, cases[i].kind);
        CHECK_INT(v.res.version, cases[i].version);
        CHECK_INT(v.res.cipher, cases[i].cipher);
        CHECK_INT(v.res.group, cases[i].group);
        CHECK_INT(v.res.compression, 0);
        CHECK_INT(v.res.alert_level, cases[i].level);
        CHECK_INT(v.res.alert_desc, cases[i].desc);
        CHECK_INT(v.res.warnings, cases[i].warnings);
        CHECK_INT(v.consumed, cases[i].consumed);
        if (cases[i].warnings)
            CHECK_INT(v.res.last_warning, 112);
        if (cases[i].kind != TLSHELLO_ALERT)
            CHECK_INT(v.res.legacy_version, cases[i].version > 0x0303 ? 0x0303 : cases[i].version);
    }
}

/* ---- the reader: crafted answers -------------------------------------------------------- */

struct bb {
    uint8_t b[32768];
    size_t n;
};

static void p8(struct bb *w, unsigned v)
{
    w->b[w->n++] = (uint8_t)v;
}
static void p16(struct bb *w, unsigned v)
{
    p8(w, v >> 8);
    p8(w, v);
}
static void pn(struct bb *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* A ServerHello handshake message. ext == NULL: no extensions block at all. */
static void sh(struct bb *w, unsigned legacy, int hrr, size_t sid, unsigned cipher,
               const uint8_t *ext, size_t ext_len)
{
    size_t body = 2 + 32 + 1 + sid + 3 + (ext ? 2 + ext_len : 0);
    p8(w, 2);
    p8(w, (unsigned)(body >> 16));
    p16(w, (unsigned)body);
    p16(w, legacy);
    if (hrr)
        pn(w, hrr_random, 32);
    else
        for (int i = 0; i < 32; i++)
            p8(w, (unsigned)(i * 7));
    p8(w, (unsigned)sid);
    for (size_t i = 0; i < sid; i++)
        p8(w, 0x5a);
    p16(w, cipher);
    p8(w, 0);
    if (ext) {
        p16(w, (unsigned)ext_len);
        pn(w, ext, ext_len);
    }
}

/* msg wrapped in records of type `type` holding at most `frag` octets each. */
static void records(struct bb *out, unsigned type, const uint8_t *msg, size_t len, size_t frag)
{
    for (size_t at = 0; at < len; at += frag) {
        size_t n = len - at < frag ? len - at : frag;
        p8(out, type);
        p16(out, 0x0303);
        p16(out, (unsigned)n);
        pn(out, msg + at, n);
    }
}

/* The TLS 1.3 extensions of a ServerHello: supported_versions 1.3, key_share x25519. */
static const uint8_t ext13[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24,
                                0x00, 0x1d, 0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                29, 30, 31, 32};

TEST(tlshello_reader_crafted_answers)
{
    struct bb m = {{0}, 0}, in = {{0}, 0};
    /* TLS 1.3 ServerHello spread over handshake records of 1, 5 and 40 octets. */
    sh(&m, 0x0303, 0, 32, 0x1301, ext13, sizeof(ext13));
    size_t frags[] = {1, 5, 40};
    for (size_t i = 0; i < LEN(frags); i++) {
        in.n = 0;
        records(&in, 22, m.b, m.n, frags[i]);
        struct verdict v = feed_all_ways(in.b, in.n);
        CHECK_INT(v.status, TLSHELLO_DONE);
        CHECK(v.res.kind == TLSHELLO_SERVER_HELLO && v.res.version == 0x0304);
        CHECK(v.res.cipher == 0x1301 && v.res.group == 0x001d);
        CHECK_INT(v.consumed, in.n);
    }
    /* ServerHello, Certificate and ServerHelloDone in one record: stops after the first. */
    size_t sh_len = m.n;
    static const uint8_t more[] = {11, 0, 0, 3, 0, 0, 0, 14, 0, 0, 0};
    pn(&m, more, sizeof(more));
    in.n = 0;
    records(&in, 22, m.b, m.n, 16384);
    struct verdict v = feed_all_ways(in.b, in.n);
    CHECK_INT(v.status, TLSHELLO_DONE);
    CHECK_INT(v.consumed, 5 + sh_len);

    /* TLS 1.0 ServerHello without any extensions block; SSLv3; a TLS 1.2 one whose key_share
     * (meaningless there) is not reported. */
    static const struct {
        unsigned legacy;
        int ext;
        uint16_t version;
    } old[] = {{0x0301, 0, 0x0301}, {0x0300, 0, 0x0300}, {0x0303, 1, 0x0303}};
    static const uint8_t ks_only[] = {0x00, 0x33, 0x00, 0x06, 0x00, 0x17, 0x00, 0x02, 0xaa, 0xbb};
    for (size_t i = 0; i < LEN(old); i++) {
        m.n = in.n = 0;
        sh(&m, old[i].legacy, 0, 0, 0x002f, old[i].ext ? ks_only : NULL, sizeof(ks_only));
        records(&in, 22, m.b, m.n, 16384);
        v = feed_all_ways(in.b, in.n);
        CHECK_INT(v.status, TLSHELLO_DONE);
        CHECK_INT(v.res.version, old[i].version);
        CHECK_INT(v.res.group, 0);
        CHECK_STR(tls_version_name(v.res.version), old[i].legacy == 0x0300 ? "SSLv3" : old[i].legacy == 0x0301 ? "TLSv1.0" : "TLSv1.2");
    }
    /* An HRR carrying only a cookie (no key_share): TLS 1.3, group 0. */
    static const uint8_t cookie[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x2c,
                                     0x00, 0x05, 0x00, 0x03, 0xc0, 0x0c, 0x1e};
    m.n = in.n = 0;
    sh(&m, 0x0303, 1, 32, 0x1302, cookie, sizeof(cookie));
    records(&in, 22, m.b, m.n, 16384);
    v = feed_all_ways(in.b, in.n);
    CHECK(v.status == TLSHELLO_DONE && v.res.kind == TLSHELLO_HELLO_RETRY);
    CHECK(v.res.version == 0x0304 && v.res.group == 0);
    /* The largest ServerHello accepted (TLSHELLO_MSG_MAX), and one octet more. */
    for (int over = 0; over <= 1; over++) {
        static uint8_t big[TLSHELLO_MSG_MAX];
        size_t pad = TLSHELLO_MSG_MAX - (2 + 32 + 1 + 3 + 2) - sizeof(ext13) - 4 + over;
        memcpy(big, ext13, sizeof(ext13));
        big[sizeof(ext13)] = 0xff; /* an unknown extension 0xff00 of `pad` octets */
        big[sizeof(ext13) + 1] = 0;
        big[sizeof(ext13) + 2] = (uint8_t)(pad >> 8);
        big[sizeof(ext13) + 3] = (uint8_t)pad;
        memset(big + sizeof(ext13) + 4, 0, pad);
        m.n = in.n = 0;
        sh(&m, 0x0303, 0, 0, 0x1301, big, sizeof(ext13) + 4 + pad);
        records(&in, 22, m.b, m.n, 16384);
        v = feed(in.b, in.n, 0);
        CHECK_INT(v.status, over ? TLSHELLO_ERROR : TLSHELLO_DONE);
        if (over)
            CHECK(v.error && strstr(v.error, "longer than 8192"));
    }
}

TEST(tlshello_reader_alerts)
{
    static const struct {
        const char *name;
        uint8_t in[24];
        size_t len;
        enum tlshello_status status;
        uint8_t level, desc;
        unsigned warnings;
        size_t consumed;
    } cases[] = {
        {"fatal", {21, 3, 3, 0, 2, 2, 70}, 7, TLSHELLO_DONE, 2, 70, 0, 7},
        {"fatal in a TLS 1.0 record", {21, 3, 1, 0, 2, 2, 40}, 7, TLSHELLO_DONE, 2, 40, 0, 7},
        {"split over two records", {21, 3, 3, 0, 1, 2, 21, 3, 3, 0, 1, 80}, 12, TLSHELLO_DONE, 2,
         80, 0, 12},
        {"warning close_notify ends it", {21, 3, 3, 0, 2, 1, 0}, 7, TLSHELLO_DONE, 1, 0, 0, 7},
        {"warning, then fatal in one record", {21, 3, 3, 0, 4, 1, 112, 2, 40}, 9, TLSHELLO_DONE,
         2, 40, 1, 9},
        {"user_canceled, then close_notify", {21, 3, 3, 0, 2, 1, 90, 21, 3, 3, 0, 2, 1, 0}, 14,
         TLSHELLO_DONE, 1, 0, 1, 14},
        {"fatal, then more", {21, 3, 3, 0, 4, 2, 50, 2, 10}, 9, TLSHELLO_DONE, 2, 50, 0, 7},
        {"a warning alone is not an answer", {21, 3, 3, 0, 2, 1, 112}, 7, TLSHELLO_NEED_MORE, 0,
         0, 1, 7},
        {"half an alert", {21, 3, 3, 0, 2, 2}, 6, TLSHELLO_NEED_MORE, 0, 0, 0, 6},
        {"level 3", {21, 3, 3, 0, 2, 3, 40}, 7, TLSHELLO_ERROR, 0, 0, 0, 7},
        {"level 0", {21, 3, 3, 0, 2, 0, 40}, 7, TLSHELLO_ERROR, 0, 0, 0, 7},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        struct verdict v = feed_all_ways(cases[i].in, cases[i].len);
        if (v.status != cases[i].status)
            fprintf(stderr, "  case '%s'\n", cases[i].name);
        CHECK_INT(v.status, cases[i].status);
        CHECK_INT(v.consumed, cases[i].consumed);
        CHECK_INT(v.res.warnings, cases[i].warnings);
        if (cases[i].status == TLSHELLO_DONE) {
            CHECK_INT(v.res.kind, TLSHELLO_ALERT);
            CHECK_INT(v.res.alert_level, cases[i].level);
            CHECK_INT(v.res.alert_desc, cases[i].desc);
        }
    }
    /* TLSHELLO_MAX_WARNINGS warnings are skipped; one more is an error. */
    for (unsigned extra = 0; extra <= 1; extra++) {
        struct bb in = {{0}, 0};
        for (unsigned k = 0; k < TLSHELLO_MAX_WARNINGS + extra; k++)
            pn(&in, "\x15\x03\x03\x00\x02\x01\x70", 7);
        pn(&in, "\x15\x03\x03\x00\x02\x02\x28", 7);
        struct verdict v = feed_all_ways(in.b, in.n);
        CHECK_INT(v.status, extra ? TLSHELLO_ERROR : TLSHELLO_DONE);
        /* never more than the cap, even in the error (fuzz_tlshello found 9 there) */
        CHECK_INT(v.res.warnings, TLSHELLO_MAX_WARNINGS);
        if (!extra)
            CHECK_INT(v.res.alert_desc, 40);
        else
            CHECK(v.error && strstr(v.error, "too many warning alerts"));
    }
}

/* An error case: the input, and a piece of the error text expected. */
static void expect_error(const char *what, const uint8_t *in, size_t len, const char *text)
{
    struct verdict v = feed_all_ways(in, len);
    if (v.status != TLSHELLO_ERROR || !v.error || !strstr(v.error, text)) {
        fprintf(stderr, "  %s: status %d, error \"%s\", expected \"%s\"\n", what, v.status,
                v.error ? v.error : "", text);
        CHECK(0);
    }
}

/* A ServerHello with these extensions (legacy 0x0303, no session id), in one record. */
static void expect_sh_error(const char *what, unsigned legacy, int hrr, const uint8_t *ext,
                            size_t ext_len, const char *text)
{
    struct bb m = {{0}, 0}, in = {{0}, 0};
    sh(&m, legacy, hrr, 0, 0x1301, ext, ext_len);
    records(&in, 22, m.b, m.n, 16384);
    expect_error(what, in.b, in.n, text);
}

TEST(tlshello_reader_errors)
{
#define E(what, bytes, text) expect_error(what, (const uint8_t *)bytes, sizeof(bytes) - 1, text)
    /* Not TLS at all. */
    E("SMTP reply", "454 4.7.0 TLS not available due to local problem\r\n", "plaintext");
    E("one plaintext octet is enough", "5", "plaintext");
    E("bare CRLF", "\r\n", "plaintext");
    E("SSLv2 ServerHello", "\x80\x2e\x04\x00\x01\x00\x02", "SSLv2 ServerHello");
    E("SSLv2 error", "\x80\x03\x00\x00\x01", "SSLv2 error");
    E("high-bit garbage", "\xff\xff\xff\xff", "neither a TLS nor an SSLv2");
    E("application_data first", "\x17\x03\x03\x00\x10", "application_data");
    E("change_cipher_spec first", "\x14\x03\x03\x00\x01\x01", "change_cipher_spec");
    E("heartbeat first", "\x18\x03\x03\x00\x01\x01", "other than handshake or alert");
    E("NUL first", "\x00\x00", "other than handshake or alert");
    /* Record layer. */
    E("record version 2.0", "\x16\x02\x00\x00\x04", "record version");
    E("record version 3.5", "\x16\x03\x05\x00\x04", "record version");
    E("empty handshake record", "\x16\x03\x03\x00\x00", "empty record");
    E("empty alert record", "\x15\x03\x01\x00\x00", "empty record");
    E("record of 2^14+2049", "\x16\x03\x03\x48\x01", "2^14+2048");
    E("alert inside a split ServerHello", "\x16\x03\x03\x00\x02\x02\x00\x15\x03\x03\x00\x02\x02\x28",
      "inside a fragmented");
    E("handshake after half an alert", "\x15\x03\x03\x00\x01\x02\x16\x03\x03\x00\x01\x02",
      "inside a fragmented");
    E("CCS after half a ServerHello", "\x16\x03\x03\x00\x01\x02\x14\x03\x03\x00\x01\x01",
      "change_cipher_spec");
    /* Handshake layer. */
    E("Certificate first", "\x16\x03\x03\x00\x04\x0b\x00\x00\x00", "not a ServerHello");
    E("HelloRequest first", "\x16\x03\x03\x00\x04\x00\x00\x00\x00", "not a ServerHello");
    E("ClientHello echoed", "\x16\x03\x01\x00\x04\x01\x00\x01\x00", "not a ServerHello");
    E("ServerHello of 2^24-1", "\x16\x03\x03\x00\x04\x02\xff\xff\xff", "longer than 8192");
    E("empty ServerHello", "\x16\x03\x03\x00\x04\x02\x00\x00\x00", "too short");
    E("ServerHello of 10", "\x16\x03\x03\x00\x0e\x02\x00\x00\x0a\x03\x03\x01\x02\x03\x04\x05\x06\x07\x08",
      "too short");
#undef E

    /* ServerHello bodies. */
    struct bb m = {{0}, 0}, in = {{0}, 0};
    sh(&m, 0x0303, 0, 32, 0x1301, NULL, 0);
    m.b[4 + 2 + 32] = 33; /* session_id length 33 */
    records(&in, 22, m.b, m.n, 16384);
    expect_error("session_id of 33", in.b, in.n, "session_id longer than 32");
    m.n = in.n = 0;
    sh(&m, 0x0303, 0, 32, 0x1301, NULL, 0);
    m.b[3] -= 1; /* the message ends inside the compression method */
    m.n -= 1;
    records(&in, 22, m.b, m.n, 16384);
    expect_error("no compression method", in.b, in.n, "too short");

    m.n = in.n = 0;
    sh(&m, 0x0303, 0, 0, 0x002f, NULL, 0);
    m.b[3] += 1;
    p8(&m, 0);
    records(&in, 22, m.b, m.n, 16384);
    expect_error("one octet after compression", in.b, in.n, "stray octet");

    struct bb x = {{0}, 0};
    pn(&x, ext13, sizeof(ext13));
    pn(&x, "\x00\x00\x00", 3); /* 3 octets: not a whole extension header */
    expect_sh_error("garbage inside the extensions block", 0x0303, 0, x.b, x.n, "inside an extension header");
    x.n = 0;
    pn(&x, ext13, sizeof(ext13));
    pn(&x, "\xff\x01\x00\x09\x00", 5); /* an extension claiming 9 octets, 1 present */
    expect_sh_error("extension overruns", 0x0303, 0, x.b, x.n, "overruns");
    /* An extensions length that is not the rest of the message (trailing octets after). */
    m.n = in.n = 0;
    sh(&m, 0x0303, 0, 0, 0x1301, ext13, sizeof(ext13));
    m.b[3] += 2;
    p16(&m, 0);
    records(&in, 22, m.b, m.n, 16384);
    expect_error("octets after the extensions", in.b, in.n, "does not match the message length");
    x.n = 0;
    pn(&x, ext13, sizeof(ext13));
    pn(&x, "\x00\x2b\x00\x02\x03\x04", 6);
    expect_sh_error("duplicate supported_versions", 0x0303, 0, x.b, x.n, "duplicate");
    x.n = 0;
    pn(&x, "\x00\x17\x00\x00\xff\x01\x00\x01\x00\x00\x17\x00\x00", 13);
    expect_sh_error("duplicate extended_master_secret", 0x0303, 0, x.b, x.n, "duplicate");

    static const struct {
        const char *what;
        unsigned legacy;
        int hrr;
        const char *ext;
        size_t len;
        const char *text;
    } bad[] = {
        {"supported_versions of 3", 0x0303, 0, "\x00\x2b\x00\x03\x03\x04\x00", 7, "not 2 octets"},
        {"supported_versions 1.2", 0x0303, 0, "\x00\x2b\x00\x02\x03\x03", 6, "before TLS 1.3"},
        {"supported_versions draft 28", 0x0303, 0, "\x00\x2b\x00\x02\x7f\x1c", 6, "not offered"},
        {"supported_versions 1.4", 0x0303, 0, "\x00\x2b\x00\x02\x03\x05", 6, "not offered"},
        {"TLS 1.3 without key_share", 0x0303, 0, "\x00\x2b\x00\x02\x03\x04", 6, "without key_share"},
        {"key_share too short", 0x0303, 0, "\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x03\x00\x1d\x00", 13,
         "lengths do not add up"},
        {"key_share empty key", 0x0303, 0, "\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x04\x00\x1d\x00\x00",
         14, "lengths do not add up"},
        {"key_share key longer than it", 0x0303, 0,
         "\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x06\x00\x1d\x00\x03\x01\x02", 16,
         "lengths do not add up"},
        {"HRR key_share of 4", 0x0303, 1, "\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x04\x00\x17\x00\x00",
         14, "HelloRetryRequest key_share"},
        {"HRR without supported_versions", 0x0303, 1, "\x00\x33\x00\x02\x00\x17", 6,
         "HelloRetryRequest without supported_versions"},
        {"legacy 1.3 without supported_versions", 0x0304, 0, "", 0, "above TLS 1.2"},
        {"legacy 2.0", 0x0200, 0, "", 0, "legacy_version"},
    };
    for (size_t i = 0; i < LEN(bad); i++)
        expect_sh_error(bad[i].what, bad[i].legacy, bad[i].hrr, (const uint8_t *)bad[i].ext,
                        bad[i].len, bad[i].text);

    /* A record of exactly 2^14+2048 octets is fine as far as the header goes. */
    struct verdict v = feed((const uint8_t *)"\x16\x03\x03\x48\x00", 5, 0);
    CHECK_INT(v.status, TLSHELLO_NEED_MORE);
}

/* ---- names ------------------------------------------------------------------------------ */

TEST(tlshello_names)
{
    CHECK_STR(tls_version_name(0x0304), "TLSv1.3");
    CHECK_STR(tls_version_name(0x0303), "TLSv1.2");
    CHECK_STR(tls_version_name(0x0302), "TLSv1.1");
    CHECK_STR(tls_version_name(0x0301), "TLSv1.0");
    CHECK_STR(tls_version_name(0x0300), "SSLv3");
    CHECK_STR(tls_version_name(0x0200), NULL);
    CHECK_STR(tls_version_name(0x0305), NULL);
    CHECK_STR(tls_version_name(0x7f1c), NULL);

    /* Every alert of RFC 8446 §6, then the older ones. */
    static const struct {
        uint8_t code;
        const char *name;
    } alerts[] = {
        {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
        {22, "record_overflow"}, {40, "handshake_failure"}, {42, "bad_certificate"},
        {43, "unsupported_certificate"}, {44, "certificate_revoked"},
        {45, "certificate_expired"}, {46, "certificate_unknown"}, {47, "illegal_parameter"},
        {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"}, {51, "decrypt_error"},
        {70, "protocol_version"}, {71, "insufficient_security"}, {80, "internal_error"},
        {86, "inappropriate_fallback"}, {90, "user_canceled"}, {109, "missing_extension"},
        {110, "unsupported_extension"}, {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"}, {115, "unknown_psk_identity"},
        {116, "certificate_required"}, {120, "no_application_protocol"},
        /* older, still seen */
        {21, "decryption_failed"}, {30, "decompression_failure"}, {41, "no_certificate"},
        {60, "export_restriction"}, {100, "no_renegotiation"}, {111, "certificate_unobtainable"},
        {114, "bad_certificate_hash_value"},
    };
    for (size_t i = 0; i < LEN(alerts); i++)
        CHECK_STR(tls_alert_name(alerts[i].code), alerts[i].name);
    static const uint8_t unassigned[] = {1, 9, 11, 23, 39, 53, 59, 61, 81, 99, 101, 108, 117,
                                         119, 122, 200, 255};
    for (size_t i = 0; i < LEN(unassigned); i++)
        CHECK_STR(tls_alert_name(unassigned[i]), NULL);
    char buf[TLS_ALERT_NAME_LEN];
    CHECK_STR(tls_alert_format(80, buf, sizeof(buf)), "internal_error(80)");
    CHECK_STR(tls_alert_format(255, buf, sizeof(buf)), "unknown(255)");
    CHECK_STR(tls_alert_format(113, buf, sizeof(buf)), "bad_certificate_status_response(113)");
    CHECK_STR(tls_alert_format(40, buf, 6), "hands"); /* cut, still terminated */

    CHECK_STR(tls_group_name(0x001d), "x25519");
    CHECK_STR(tls_group_name(0x0017), "secp256r1");
    CHECK_STR(tls_group_name(0x0018), "secp384r1");
    CHECK_STR(tls_group_name(0x0019), "secp521r1");
    CHECK_STR(tls_group_name(0x001e), "x448");
    CHECK_STR(tls_group_name(0x0100), "ffdhe2048");
    CHECK_STR(tls_group_name(0x0104), "ffdhe8192");
    CHECK_STR(tls_group_name(0x11ec), "X25519MLKEM768");
    CHECK_STR(tls_group_name(0x0000), NULL);
    CHECK_STR(tls_group_name(0xffff), NULL);
    for (size_t i = 0; i < TLS_GROUPS_COUNT; i++)
        CHECK(tls_group_name(tls_groups[i]) != NULL);

    char c[TLS_CIPHER_NAME_LEN];
    CHECK_STR(tls_cipher_name(0x1302, c, sizeof(c)), "TLS_AES_256_GCM_SHA384");
    CHECK_STR(tls_cipher_name(0x1303, c, sizeof(c)), "TLS_CHACHA20_POLY1305_SHA256");
    CHECK_STR(tls_cipher_name(0x1301, c, sizeof(c)), "TLS_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_name(0xc02c, c, sizeof(c)), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    CHECK_STR(tls_cipher_name(0x000a, c, sizeof(c)), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    /* Not in our table: mbedTLS's name, '-' written '_' (it matches IANA's). */
    CHECK_STR(tls_cipher_name(0xc0ac, c, sizeof(c)), "TLS_ECDHE_ECDSA_WITH_AES_128_CCM");
    CHECK_STR(tls_cipher_name(0xc0ff, c, sizeof(c)), "0xC0FF");
    CHECK_STR(tls_cipher_name(0x0000, c, sizeof(c)), "0x0000");
    CHECK_STR(tls_cipher_name(0xcca8, c, 8), "TLS_ECD");
}

/* tlshello: the version probe's ClientHello builder and ServerHello reader, and the TLS names
 * (see tlshello.h for the contract and the exact ClientHello layout). Pure: no I/O. */
#include "tlshello.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/ssl_ciphersuites.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the tables ------------------------------------------------------------------------ */

const uint16_t tls_suites13[] = {
    0x1302, /* TLS_AES_256_GCM_SHA384 */
    0x1303, /* TLS_CHACHA20_POLY1305_SHA256 */
    0x1301, /* TLS_AES_128_GCM_SHA256 */
};

const uint16_t tls_suites12[] = {
    0xc02c, 0xc030, 0x009f, /* ECDHE-ECDSA, ECDHE-RSA, DHE-RSA with AES-256-GCM */
    0xcca9, 0xcca8, 0xccaa, /* ... with CHACHA20-POLY1305 */
    0xc02b, 0xc02f, 0x009e, /* ... with AES-128-GCM */
    0xc024, 0xc028, 0x006b, /* ... with AES-256-CBC-SHA384/256 */
    0xc023, 0xc027, 0x0067, /* ... with AES-128-CBC-SHA256 */
    0xc00a, 0xc014, 0x0039, /* ... with AES-256-CBC-SHA */
    0xc009, 0xc013, 0x0033, /* ... with AES-128-CBC-SHA */
    0x009d, 0x009c,         /* RSA key exchange: AES-256-GCM, AES-128-GCM */
    0x003d, 0x003c,         /* AES-256-CBC-SHA256, AES-128-CBC-SHA256 */
    0x0035, 0x002f,         /* AES-256-CBC-SHA, AES-128-CBC-SHA */
};

const uint16_t tls_suites_reach[] = {
    0xc008, /* TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA */
    0xc012, /* TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA */
    0x0016, /* TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA */
    0x000a, /* TLS_RSA_WITH_3DES_EDE_CBC_SHA: mandatory in TLS 1.0/1.1 */
    0x0038, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
    0x0032, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
    0x0013, /* TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA: mandatory in TLS 1.0 */
};

const uint16_t tls_groups[] = {
    0x001d, 0x0017, 0x001e, 0x0019, 0x0018, /* x25519 secp256r1 x448 secp521r1 secp384r1 */
    0x0100, 0x0101, 0x0102, 0x0103, 0x0104, /* ffdhe2048 3072 4096 6144 8192 */
};

const uint16_t tls_sigalgs[] = {
    0x0403, 0x0503, 0x0603, /* ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 .._secp521r1_sha512 */
    0x0807, 0x0808,         /* ed25519 ed448 */
    0x0809, 0x080a, 0x080b, /* rsa_pss_pss_sha256 sha384 sha512 */
    0x0804, 0x0805, 0x0806, /* rsa_pss_rsae_sha256 sha384 sha512 */
    0x0401, 0x0501, 0x0601, /* rsa_pkcs1_sha256 sha384 sha512 */
    0x0303, 0x0301, 0x0302, /* ecdsa_sha224 rsa_pkcs1_sha224 dsa_sha224 */
    0x0402, 0x0502, 0x0602, /* dsa_sha256 dsa_sha384 dsa_sha512 */
};

const uint16_t tls_versions[] = {0x0304, 0x0303, 0x0302, 0x0301};

_Static_assert(LEN(tls_suites13) == TLS_SUITES13_COUNT, "TLS_SUITES13_COUNT");
_Static_assert(LEN(tls_suites12) == TLS_SUITES12_COUNT, "TLS_SUITES12_COUNT");
_Static_assert(LEN(tls_suites_reach) == TLS_SUITES_REACH_COUNT, "TLS_SUITES_REACH_COUNT");
_Static_assert(LEN(tls_groups) == TLS_GROUPS_COUNT, "TLS_GROUPS_COUNT");
_Static_assert(LEN(tls_sigalgs) == TLS_SIGALGS_COUNT, "TLS_SIGALGS_COUNT");
_Static_assert(LEN(tls_versions) == TLS_VERSIONS_COUNT, "TLS_VERSIONS_COUNT");
_Static_assert(TLSHELLO_MSG_MAX == 8192, "the error text below names the cap");

/* RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ---- the builder ----------------------------------------------------------------------- */

/* A bounded writer: every put checks room and latches `bad` instead of writing past cap. */
struct wr {
    uint8_t *p;
    size_t cap, len;
    int bad;
};

static void put(struct wr *w, const void *src, size_t n)
{
    if (w->bad || w->cap - w->len < n) {
        w->bad = 1;
        return;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put8(struct wr *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put16(struct wr *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

static void put16s(struct wr *w, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put16(w, v[i]);
}

/* Length prefixes are written as zeros first and filled in when their content is complete. */
static size_t open_len(struct wr *w, size_t octets)
{
    size_t at = w->len;
    for (size_t i = 0; i < octets; i++)
        put8(w, 0);
    return at;
}

static void close_len(struct wr *w, size_t at, size_t octets)
{
    if (w->bad)
        return;
    size_t n = w->len - at - octets;
    for (size_t i = 0; i < octets; i++)
        w->p[at + i] = (uint8_t)(n >> (8 * (octets - 1 - i)));
}

/* The SNI name to send, or 0 (see tlshello.h). */
static size_t sni_len(const char *sni)
{
    if (!sni || !*sni || sni[0] == '[')
        return 0;
    size_t n = strlen(sni);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)sni[i] <= 0x20 || (unsigned char)sni[i] >= 0x7f)
            return 0;
    unsigned char tmp[16];
    if (inet_pton(AF_INET, sni, tmp) == 1 || inet_pton(AF_INET6, sni, tmp) == 1)
        return 0;
    if (sni[n - 1] == '.') /* "." alone leaves nothing to send */
        n--;
    return n > 255 ? 0 : n;
}

static void ext_begin(struct wr *w, unsigned type, size_t *at)
{
    put16(w, type);
    *at = open_len(w, 2);
}

size_t tlshello_build(uint8_t *out, size_t cap, const char *sni, const uint8_t random[32],
                      const uint8_t session_id[32], const uint8_t x25519_share[32])
{
    struct wr w = {out, cap, 0, 0};
    size_t rec, hs, suites, exts, e, inner;

    put8(&w, 22); /* handshake */
    put16(&w, TLS_VERSION_1_0);
    rec = open_len(&w, 2);
    put8(&w, 1); /* client_hello */
    hs = open_len(&w, 3);
    put16(&w, TLS_VERSION_1_2);
    put(&w, random, 32);
    put8(&w, 32);
    put(&w, session_id, 32);

    suites = open_len(&w, 2);
    put16s(&w, tls_suites13, LEN(tls_suites13));
    put16s(&w, tls_suites12, LEN(tls_suites12));
    put16s(&w, tls_suites_reach, LEN(tls_suites_reach));
    put16(&w, 0x00ff); /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    close_len(&w, suites, 2);
    put8(&w, 1);
    put8(&w, 0); /* compression: null */

    exts = open_len(&w, 2);
    size_t n = sni_len(sni);
    if (n) {
        ext_begin(&w, 0x0000, &e); /* server_name (RFC 6066 §3) */
        inner = open_len(&w, 2);
        put8(&w, 0); /* host_name */
        put16(&w, (unsigned)n);
        put(&w, sni, n);
        close_len(&w, inner, 2);
        close_len(&w, e, 2);
    }
    ext_begin(&w, 0x000b, &e); /* ec_point_formats (RFC 8422 §5.1.2), as OpenSSL 3 */
    put8(&w, 3);
    put8(&w, 0); /* uncompressed */
    put8(&w, 1); /* ansiX962_compressed_prime */
    put8(&w, 2); /* ansiX962_compressed_char2 */
    close_len(&w, e, 2);
    ext_begin(&w, 0x000a, &e); /* supported_groups */
    inner = open_len(&w, 2);
    put16s(&w, tls_groups, LEN(tls_groups));
    close_len(&w, inner, 2);
    close_len(&w, e, 2);
    ext_begin(&w, 0x0023, &e); /* session_ticket (RFC 5077): empty */
    close_len(&w, e, 2);
    ext_begin(&w, 0x0016, &e); /* encrypt_then_mac (RFC 7366) */
    close_len(&w, e, 2);
    ext_begin(&w, 0x0017, &e); /* extended_master_secret (RFC 7627) */
    close_len(&w, e, 2);
    ext_begin(&w, 0x000d, &e); /* signature_algorithms */
    inner = open_len(&w, 2);
    put16s(&w, tls_sigalgs, LEN(tls_sigalgs));
    close_len(&w, inner, 2);
    close_len(&w, e, 2);
    ext_begin(&w, 0x002b, &e); /* supported_versions (RFC 8446 §4.2.1) */
    inner = open_len(&w, 1);
    put16s(&w, tls_versions, LEN(tls_versions));
    close_len(&w, inner, 1);
    close_len(&w, e, 2);
    ext_begin(&w, 0x002d, &e); /* psk_key_exchange_modes: psk_dhe_ke, as OpenSSL */
    put8(&w, 1);
    put8(&w, 1);
    close_len(&w, e, 2);
    ext_begin(&w, 0x0033, &e); /* key_share: one X25519 share */
    inner = open_len(&w, 2);
    put16(&w, TLS_GROUP_X25519);
    put16(&w, 32);
    put(&w, x25519_share, 32);
    close_len(&w, inner, 2);
    close_len(&w, e, 2);
    close_len(&w, exts, 2);

    close_len(&w, hs, 3);
    close_len(&w, rec, 2);
    return w.bad ? 0 : w.len;
}

/* ---- the reader ------------------------------------------------------------------------ */

void tlshello_reader_init(struct tlshello_reader *r)
{
    memset(r, 0, offsetof(struct tlshello_reader, msg));
    r->status = TLSHELLO_NEED_MORE;
}

static enum tlshello_status fail(struct tlshello_reader *r, const char *why)
{
    r->status = TLSHELLO_ERROR;
    r->error = why;
    return r->status;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The first octet of an answer tells TLS from the usual impostors early, so that a short
 * plaintext reply is reported at once instead of waiting for a 5-octet record header. Returns
 * the error text, or NULL when the octet may start a TLS record or an SSLv2 one. */
static const char *first_octet_error(uint8_t b)
{
    if (b == 21 || b == 22 || b >= 0x80)
        return NULL;
    if (b == 20)
        return "change_cipher_spec record before the ServerHello";
    if (b == 23)
        return "application_data record before the ServerHello";
    if ((b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t')
        return "not TLS: plaintext (an SMTP reply after STARTTLS?)";
    return "not TLS: a record type other than handshake or alert";
}

/* An SSLv2 record starts with a 2-octet header, high bit set, then the message type:
 * 4 SERVER-HELLO, 0 ERROR (draft-hickman-netscape-ssl-00). */
static const char *sslv2_error(const uint8_t *h)
{
    if (h[2] == 4)
        return "not TLS: an SSLv2 ServerHello (the server speaks SSL 2.0)";
    if (h[2] == 0)
        return "not TLS: an SSLv2 error message";
    return "not TLS: binary data that is neither a TLS nor an SSLv2 record";
}

/* Parses a complete ServerHello message (header included) into r->result. */
static enum tlshello_status parse_server_hello(struct tlshello_reader *r)
{
    const uint8_t *p = r->msg + 4, *end = r->msg + r->msg_len;
    struct tlshello_result *res = &r->result;

    if (end - p < 2 + 32 + 1)
        return fail(r, "ServerHello too short");
    res->legacy_version = (uint16_t)get16(p);
    if (p[0] != 3)
        return fail(r, "ServerHello legacy_version is not SSL 3.0 to TLS 1.2");
    int hrr = memcmp(p + 2, hrr_random, 32) == 0;
    size_t sid = p[34];
    p += 35;
    if (sid > 32)
        return fail(r, "ServerHello session_id longer than 32 octets");
    if ((size_t)(end - p) < sid + 3)
        return fail(r, "ServerHello too short");
    p += sid;
    res->cipher = (uint16_t)get16(p);
    res->compression = p[2];
    p += 3;

    int have_sv = 0, have_ks = 0;
    unsigned sv = 0, group = 0;
    if (p != end) {
        if (end - p < 2)
            return fail(r, "ServerHello: one stray octet after the compression method");
        size_t ext_len = get16(p);
        p += 2;
        if (ext_len != (size_t)(end - p))
            return fail(r, "ServerHello extensions length does not match the message length");
        /* One bit per extension type seen; 8 KB of stack for a message of at most 8 KB. */
        uint8_t seen[65536 / 8];
        memset(seen, 0, sizeof(seen));
        while (p != end) {
            if (end - p < 4)
                return fail(r, "ServerHello extensions block ends inside an extension header");
            unsigned type = get16(p), elen = get16(p + 2);
            p += 4;
            if (elen > (size_t)(end - p))
                return fail(r, "ServerHello extension overruns the extensions block");
            if (seen[type / 8] & (1u << (type % 8)))
                return fail(r, "ServerHello has a duplicate extension");
            seen[type / 8] |= (uint8_t)(1u << (type % 8));
            if (type == 0x002b) { /* supported_versions: selected_version */
                if (elen != 2)
                    return fail(r, "ServerHello supported_versions is not 2 octets");
                have_sv = 1;
                sv = get16(p);
            } else if (type == 0x0033) { /* key_share */
                if (hrr) {               /* selected_group */
                    if (elen != 2)
                        return fail(r, "HelloRetryRequest key_share is not 2 octets");
                } else if (elen < 4 || get16(p + 2) == 0 || 4 + get16(p + 2) != elen) {
                    return fail(r, "ServerHello key_share lengths do not add up");
                }
                have_ks = 1;
                group = get16(p);
            }
            p += elen;
        }
    }

    if (have_sv) {
        /* RFC 8446 §4.2.1: only TLS 1.3 is negotiated this way; a client aborts otherwise. */
        if (sv >= TLS_VERSION_SSL3 && sv < TLS_VERSION_1_3)
            return fail(r, "ServerHello supported_versions selects a version before TLS 1.3");
        if (sv != TLS_VERSION_1_3)
            return fail(r, "ServerHello supported_versions selects a version not offered");
        res->version = TLS_VERSION_1_3;
    } else {
        if (hrr)
            return fail(r, "HelloRetryRequest without supported_versions");
        if (res->legacy_version > TLS_VERSION_1_2)
            return fail(r, "ServerHello legacy_version above TLS 1.2 without supported_versions");
        res->version = res->legacy_version;
    }
    if (res->version == TLS_VERSION_1_3) {
        if (!hrr && !have_ks)
            return fail(r, "TLS 1.3 ServerHello without key_share");
        res->group = have_ks ? (uint16_t)group : 0;
    }
    res->kind = hrr ? TLSHELLO_HELLO_RETRY : TLSHELLO_SERVER_HELLO;
    r->status = TLSHELLO_DONE;
    return r->status;
}

/* Takes alert octets from a record body; returns the octets used. */
static size_t take_alert(struct tlshello_reader *r, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (used < n && r->status == TLSHELLO_NEED_MORE) {
        r->alert[r->alert_len++] = p[used++];
        if (r->alert_len < 2)
            continue;
        r->alert_len = 0;
        uint8_t level = r->alert[0], desc = r->alert[1];
        if (level != 1 && level != 2) {
            fail(r, "alert level is neither warning(1) nor fatal(2)");
        } else if (level == 2 || desc == 0) {
            r->result.kind = TLSHELLO_ALERT;
            r->result.alert_level = level;
            r->result.alert_desc = desc;
            r->status = TLSHELLO_DONE;
        } else if (r->result.warnings == TLSHELLO_MAX_WARNINGS) {
            fail(r, "too many warning alerts before the ServerHello");
        } else {
            r->result.warnings++;
            r->result.last_warning = desc;
        }
    }
    return used;
}

/* Takes handshake octets from a record body; returns the octets used. */
static size_t take_handshake(struct tlshello_reader *r, const uint8_t *p, size_t n)
{
    size_t used = 0;
    r->in_handshake = 1;
    while (used < n && r->status == TLSHELLO_NEED_MORE) {
        if (r->msg_len < 4) {
            r->msg[r->msg_len++] = p[used++];
            if (r->msg_len == 1 && r->msg[0] != 2) {
                fail(r, "first handshake message is not a ServerHello");
                break;
            }
            if (r->msg_len < 4)
                continue;
            size_t body = (size_t)r->msg[1] << 16 | (size_t)r->msg[2] << 8 | r->msg[3];
            if (body > TLSHELLO_MSG_MAX) {
                fail(r, "ServerHello longer than 8192 octets");
                break;
            }
            r->msg_need = 4 + body;
        } else {
            size_t k = r->msg_need - r->msg_len;
            if (k > n - used)
                k = n - used;
            memcpy(r->msg + r->msg_len, p + used, k);
            r->msg_len += k;
            used += k;
        }
        if (r->msg_len == r->msg_need)
            parse_server_hello(r);
    }
    return used;
}

enum tlshello_status tlshello_reader_feed(struct tlshello_reader *r, const uint8_t *buf,
                                          size_t len, size_t *consumed)
{
    size_t i = 0;
    while (i < len && r->status == TLSHELLO_NEED_MORE) {
        if (r->rec_left == 0) { /* a record header */
            uint8_t b = buf[i++];
            r->hdr[r->hdr_len++] = b;
            const char *why = NULL;
            if (r->hdr_len == 1)
                why = first_octet_error(b);
            else if (r->hdr_len == 3 && r->hdr[0] >= 0x80)
                why = sslv2_error(r->hdr);
            else if (r->hdr_len == 2 && r->hdr[0] < 0x80 && (b != 3))
                why = "record version is not SSL 3.0 to TLS 1.3";
            else if (r->hdr_len == 3 && r->hdr[2] > 4)
                why = "record version is not SSL 3.0 to TLS 1.3";
            if (why) {
                fail(r, why);
                break;
            }
            if (r->hdr_len < 5)
                continue;
            r->hdr_len = 0;
            r->rec_type = r->hdr[0];
            r->rec_left = get16(r->hdr + 3);
            if (r->rec_left == 0) {
                fail(r, "empty record");
                break;
            }
            if (r->rec_left > TLSHELLO_RECORD_MAX) {
                fail(r, "record longer than 2^14+2048 octets");
                break;
            }
            /* RFC 8446 §5.1 / RFC 5246 §6.2.1: a handshake message is not interleaved with
             * other records, nor is an alert split around another record. */
            if ((r->in_handshake && r->rec_type != 22) || (r->alert_len && r->rec_type != 21)) {
                fail(r, "another record type inside a fragmented handshake message or alert");
                break;
            }
            continue;
        }
        size_t n = len - i < r->rec_left ? len - i : r->rec_left;
        size_t used = r->rec_type == 21 ? take_alert(r, buf + i, n)
                                        : take_handshake(r, buf + i, n);
        i += used;
        r->rec_left -= used;
    }
    *consumed = i;
    return r->status;
}

/* ---- names ----------------------------------------------------------------------------- */

const char *tls_version_name(uint16_t version)
{
    switch (version) {
    case TLS_VERSION_1_3: return "TLSv1.3";
    case TLS_VERSION_1_2: return "TLSv1.2";
    case TLS_VERSION_1_1: return "TLSv1.1";
    case TLS_VERSION_1_0: return "TLSv1.0";
    case TLS_VERSION_SSL3: return "SSLv3";
    default: return NULL;
    }
}

/* The IANA TLS Alert registry (RFC 8446 §6, RFC 5246 §7.2, RFC 2246, RFC 6066, RFC 7301,
 * RFC 7507, RFC 9146, RFC 9849); the RESERVED ones under their historic names. */
static const struct {
    uint8_t code;
    const char *name;
} alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {52, "too_many_cids_requested"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

const char *tls_alert_name(uint8_t desc)
{
    for (size_t i = 0; i < LEN(alerts); i++)
        if (alerts[i].code == desc)
            return alerts[i].name;
    return NULL;
}

char *tls_alert_format(uint8_t desc, char *buf, size_t len)
{
    const char *name = tls_alert_name(desc);
    snprintf(buf, len, "%s(%u)", name ? name : "unknown", (unsigned)desc);
    return buf;
}

/* The TLS Supported Groups registry, the entries a server may plausibly choose. */
static const struct {
    uint16_t code;
    const char *name;
} groups[] = {
    {1, "sect163k1"},         {2, "sect163r1"},         {3, "sect163r2"},
    {4, "sect193r1"},         {5, "sect193r2"},         {6, "sect233k1"},
    {7, "sect233r1"},         {8, "sect239k1"},         {9, "sect283k1"},
    {10, "sect283r1"},        {11, "sect409k1"},        {12, "sect409r1"},
    {13, "sect571k1"},        {14, "sect571r1"},        {15, "secp160k1"},
    {16, "secp160r1"},        {17, "secp160r2"},        {18, "secp192k1"},
    {19, "secp192r1"},        {20, "secp224k1"},        {21, "secp224r1"},
    {22, "secp256k1"},        {23, "secp256r1"},        {24, "secp384r1"},
    {25, "secp521r1"},        {26, "brainpoolP256r1"},  {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},  {29, "x25519"},           {30, "x448"},
    {31, "brainpoolP256r1tls13"}, {32, "brainpoolP384r1tls13"}, {33, "brainpoolP512r1tls13"},
    {256, "ffdhe2048"},       {257, "ffdhe3072"},       {258, "ffdhe4096"},
    {259, "ffdhe6144"},       {260, "ffdhe8192"},
    {512, "MLKEM512"},        {513, "MLKEM768"},        {514, "MLKEM1024"},
    {0x11eb, "SecP256r1MLKEM768"}, {0x11ec, "X25519MLKEM768"}, {0x11ed, "SecP384r1MLKEM1024"},
    {0x6399, "X25519Kyber768Draft00"},
};

const char *tls_group_name(uint16_t group)
{
    for (size_t i = 0; i < LEN(groups); i++)
        if (groups[i].code == group)
            return groups[i].name;
    return NULL;
}

/* IANA names of every suite we offer, so that their names do not depend on which suites a
 * given mbedTLS build compiled in (Debian's leaves 3DES out; no 2.28 build has TLS 1.3's). */
static const struct {
    uint16_t code;
    const char *name;
} suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
};

char *tls_cipher_name(uint16_t suite, char *buf, size_t len)
{
    if (!len)
        return buf;
    for (size_t i = 0; i < LEN(suites); i++) {
        if (suites[i].code == suite) {
            snprintf(buf, len, "%s", suites[i].name);
            return buf;
        }
    }
    const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(suite);
    if (cs && cs->name) {
        snprintf(buf, len, "%s", cs->name);
        for (char *c = buf; *c; c++)
            if (*c == '-')
                *c = '_';
        return buf;
    }
    snprintf(buf, len, "0x%04X", (unsigned)suite);
    return buf;
}

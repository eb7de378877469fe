/* tlshello: the TLS version probe's two pure pieces, and the TLS vocabulary the project shares.
 * Owner: the version probe (issue 8). No I/O, no libuv, no mutable state outside the caller's
 * structs; mbedTLS is used only to name cipher suites.
 *
 * 1. The offer. A default OpenSSL 3 client is what most sending MTAs (Postfix, Exim on
 *    OpenSSL) put on the wire, so the survey offers what it offers, in its order: the constant
 *    tables below (TLS 1.3 suites, TLS 1.2-and-older suites, then a few older suites for reach,
 *    groups, signature algorithms). src/probe/tls.c orders mbedTLS's own offer from the same tables.
 *
 * 2. tlshello_build() writes one TLS record holding one ClientHello that offers TLS 1.3 down to
 *    TLS 1.0. Layout, every length big-endian (TLS presentation language, RFC 8446 §3):
 *
 *      record      16 | 03 01 | len16                    handshake, record version TLS 1.0 (*)
 *      handshake   01 | len24                            client_hello
 *      body        03 03                                 legacy_version TLS 1.2
 *                  random[32]                            caller's
 *                  20 | legacy_session_id[32]            caller's (RFC 8446 §D.4 compatibility)
 *                  len16 | suites                        tls_suites13, tls_suites12, tls_suites_reach,
 *                                                        then 00 FF (TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
 *                  01 00                                 compression: null only
 *                  len16 | extensions, in this order (OpenSSL 3's order):
 *        00 00  server_name             len16 | 00 | len16 | host   (only with a usable SNI name)
 *        00 0b  ec_point_formats        03 | 00 01 02
 *        00 0a  supported_groups        len16 | tls_groups
 *        00 23  session_ticket          empty
 *        00 16  encrypt_then_mac        empty
 *        00 17  extended_master_secret  empty
 *        00 0d  signature_algorithms    len16 | tls_sigalgs
 *        00 2b  supported_versions      08 | 03 04  03 03  03 02  03 01
 *        00 2d  psk_key_exchange_modes  01 | 01 (psk_dhe_ke)
 *        00 33  key_share               00 24 | 00 1d | 00 20 | share[32]  (one X25519 share)
 *
 *    (*) Record version 0x0301, as OpenSSL writes its first flight: some TLS 1.0-era servers
 *    drop a connection whose first record claims a version above their own, and RFC 8446 §5.1
 *    allows 0x0301 for an initial ClientHello for exactly that reason.
 *    Secure renegotiation (RFC 5746 §3.4) is signalled with the SCSV, as OpenSSL does, not with
 *    the renegotiation_info extension: old servers that choke on unknown extensions still take
 *    an unknown suite value. No padding extension (OpenSSL sends none by default).
 *
 * 3. A ServerHello reader fed bytes (init / feed / result): see struct tlshello_reader.
 *
 * 4. Names: tls_version_name, tls_alert_name (+ tls_alert_format), tls_group_name,
 *    tls_cipher_name. One vocabulary for records and for handshake errors.
 */
#ifndef MXS_TLSHELLO_H
#define MXS_TLSHELLO_H
#include <stddef.h>
#include <stdint.h>

/* ---- the offer: constant tables, IANA code points ------------------------------------ */

/* TLS 1.3 suites in OpenSSL 3's order (ssl/ssl_ciph.c TLS_DEFAULT_CIPHERSUITES; what
 * `openssl ciphers -V DEFAULT` lists first): AES-256-GCM, CHACHA20-POLY1305, AES-128-GCM. */
#define TLS_SUITES13_COUNT 3
extern const uint16_t tls_suites13[];

/* TLS 1.2-and-older suites exactly as a default OpenSSL 3.0 client offers them (captured with
 * `openssl s_client -msg`, OpenSSL 3.0.19, Debian 12, no configuration): by strength, and within
 * one strength ECDHE-ECDSA, ECDHE-RSA, DHE-RSA; AES-256-GCM before CHACHA20 before AES-128-GCM,
 * then the CBC suites (SHA-384/256, then SHA-1), then plain RSA key exchange. */
#define TLS_SUITES12_COUNT 27
extern const uint16_t tls_suites12[];

/* Offered after tls_suites12, for reach only (a survey must see ancient servers answer with a
 * ServerHello rather than a handshake_failure alert): the 3DES suites, among them the suites
 * TLS 1.0 and 1.1 make mandatory (RSA and DHE-DSS with 3DES, RFC 2246 §9 / RFC 4346 §9; old
 * Windows and appliance stacks stop there), and DHE-DSS with AES for servers holding only a
 * DSA certificate (OpenSSL 1.0's DEFAULT offered them; OpenSSL 3 does not). RC4 stays out
 * (RFC 7465 forbids offering it; no server that has only RC4 is worth an offer that says so). */
#define TLS_SUITES_REACH_COUNT 7
extern const uint16_t tls_suites_reach[];

/* Named groups in OpenSSL 3's default order (ssl/t1_lib.c supported_groups_default[]):
 * x25519, secp256r1, x448, secp521r1, secp384r1, ffdhe2048..ffdhe8192. mbedTLS maps these
 * code points with mbedtls_ecp_curve_info_from_tls_id(). */
#define TLS_GROUPS_COUNT 10
extern const uint16_t tls_groups[];

/* Signature schemes in OpenSSL 3's order (ssl/t1_lib.c tls12_sigalgs[], as a default client
 * sends them at security level 1: no SHA-1): ECDSA, EdDSA, RSA-PSS (pss, then rsae), PKCS#1,
 * then the SHA-224 and DSA schemes. */
#define TLS_SIGALGS_COUNT 20
extern const uint16_t tls_sigalgs[];

/* Versions offered in supported_versions, highest first. */
#define TLS_VERSIONS_COUNT 4
extern const uint16_t tls_versions[];

#define TLS_VERSION_SSL3 0x0300
#define TLS_VERSION_1_0 0x0301
#define TLS_VERSION_1_1 0x0302
#define TLS_VERSION_1_2 0x0303
#define TLS_VERSION_1_3 0x0304
#define TLS_GROUP_X25519 0x001d

/* ---- the builder ---------------------------------------------------------------------- */

/* The largest record tlshello_build() can write (a 255-octet SNI name): a caller's buffer of
 * this size never fails. */
#define TLSHELLO_BUILD_MAX 1024

/* Writes the record described at the top of this file into out[0..cap). `sni`: the server
 * name, or NULL. It is sent without one trailing dot; it is left out when NULL, empty, an IP
 * address literal (inet_pton IPv4/IPv6, or "[...]"), longer than 255 octets, or when it holds
 * an octet outside printable ASCII (RFC 6066 §3: a host name in ASCII; a server may refuse
 * anything else outright, which would cost the probe its answer). random, session_id,
 * x25519_share: 32 octets each, drawn by the caller from its DRBG. The share need not be a real
 * key (the probe stops at the ServerHello) but must not be all zero: a server computing the
 * X25519 secret would get zero and abort (RFC 7748 §6.1).
 * Returns the octets written, or 0 when cap is too small (out is then unspecified).
 * Deterministic: the same arguments give the same octets. */
size_t tlshello_build(uint8_t *out, size_t cap, const char *sni, const uint8_t random[32],
                      const uint8_t session_id[32], const uint8_t x25519_share[32]);

/* ---- the reader ----------------------------------------------------------------------- */

/* Longest ServerHello (handshake header included) the reader accepts. Its length field allows
 * 2^24, its extensions block 2^16; real ServerHellos are 80-300 octets, a TLS 1.2 one with SCT
 * lists about 1 KB, an HRR with a stateless cookie a few hundred. 8 KB holds all of them and
 * keeps the reader a fixed ~8.2 KB struct; anything longer is reported as an error. */
#define TLSHELLO_MSG_MAX 8192
/* Longest record accepted: 2^14 + 2048, the TLS 1.2 TLSCiphertext limit (RFC 5246 §6.2.3). */
#define TLSHELLO_RECORD_MAX (16384 + 2048)
/* Warning alerts skipped before the answer (see below); one more is an error. */
#define TLSHELLO_MAX_WARNINGS 8

enum tlshello_status {
    TLSHELLO_NEED_MORE, /* all input consumed, no verdict yet */
    TLSHELLO_DONE,      /* `result` holds the answer; *consumed stops right after it */
    TLSHELLO_ERROR,     /* not a TLS answer we understand; `error` says why */
};

enum tlshello_kind {
    TLSHELLO_SERVER_HELLO = 1, /* a ServerHello: the server chose a version and a suite */
    TLSHELLO_HELLO_RETRY,      /* a HelloRetryRequest (RFC 8446 §4.1.3 random): it speaks
                                * TLS 1.3 and wants another group (`group`) */
    TLSHELLO_ALERT,            /* an alert: a fatal one, or close_notify */
};

struct tlshello_result {
    enum tlshello_kind kind;
    /* SERVER_HELLO and HELLO_RETRY: */
    uint16_t version;        /* selected: supported_versions when present (always 0x0304:
                              * anything else there is an error), else legacy_version, which
                              * is then 0x0300..0x0303 */
    uint16_t legacy_version; /* as sent */
    uint16_t cipher;         /* cipher_suite, as sent (not checked against the offer) */
    uint8_t compression;     /* compression_method, as sent */
    uint16_t group;          /* TLS 1.3 only: the key_share group of a ServerHello, the
                              * selected_group of an HRR; 0 when none (TLS <= 1.2, an HRR with
                              * only a cookie) */
    /* ALERT: level 1 (warning: only close_notify ends the read) or 2 (fatal). */
    uint8_t alert_level;
    uint8_t alert_desc;
    /* Any kind: warning alerts before the answer. A warning does not end the read: servers
     * send warning unrecognized_name(112) for an SNI they do not know and carry on with the
     * ServerHello (OpenSSL's client does too). The last one's description is kept. */
    unsigned warnings;
    uint8_t last_warning;
};

/* The reader reads records (content type, version 3.x, length <= TLSHELLO_RECORD_MAX, never
 * empty), split or coalesced anywhere, and stops at the first of:
 *   - a complete ServerHello handshake message (which may span several handshake records and
 *     may be followed by more messages in its last record: those are left unconsumed);
 *   - a fatal alert, or a close_notify (warning alerts are counted and skipped);
 *   - an error: plaintext (an SMTP reply after "220 Ready to start TLS"), an SSLv2 record, a
 *     first record neither handshake nor alert, an alert interleaved into a handshake message,
 *     a first handshake message other than ServerHello, a ServerHello too short, with lengths
 *     that do not add up, with octets after its extensions or inside the extensions block that
 *     are not a whole extension, a duplicate extension, a malformed supported_versions or
 *     key_share, a version that cannot be (see `version`), or longer than TLSHELLO_MSG_MAX.
 * Truncated input never reports DONE: it stays NEED_MORE. Splitting the same octets
 * differently across feeds never changes the verdict. */
struct tlshello_reader {
    enum tlshello_status status;
    const char *error;            /* static text after TLSHELLO_ERROR, else NULL */
    struct tlshello_result result; /* valid after TLSHELLO_DONE */
    /* private */
    uint8_t hdr[5];    /* record header being read */
    uint8_t hdr_len;
    uint8_t rec_type;  /* content type of the record being read; 0 between records */
    size_t rec_left;   /* octets of that record still to come */
    int in_handshake;  /* a handshake octet was seen: only handshake records may follow */
    uint8_t alert[2];
    uint8_t alert_len;
    size_t msg_len;    /* octets of msg[] filled (header included) */
    size_t msg_need;   /* 4 + body length once the handshake header is complete, else 0 */
    uint8_t msg[4 + TLSHELLO_MSG_MAX];
};

void tlshello_reader_init(struct tlshello_reader *r);
/* Consumes octets from buf until a verdict or the end of buf; *consumed (may not be NULL) is
 * how many. NEED_MORE: all of them. DONE: up to the end of the ServerHello or alert. ERROR:
 * up to the offending octet. After DONE or ERROR further feeds consume nothing and return the
 * same status. */
enum tlshello_status tlshello_reader_feed(struct tlshello_reader *r, const uint8_t *buf,
                                          size_t len, size_t *consumed);

/* ---- names ---------------------------------------------------------------------------- */

/* "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3"; NULL for anything else. */
const char *tls_version_name(uint16_t version);
/* The RFC name of an alert description: every alert of RFC 8446 §6 and the TLS registry,
 * older ones included ("decryption_failed"(21), "no_certificate"(41), "export_restriction"(60),
 * "no_renegotiation"(100), ...); NULL for an unassigned value. */
const char *tls_alert_name(uint8_t desc);
/* "internal_error(80)", "unknown(255)" into buf (TLS_ALERT_NAME_LEN octets are always enough;
 * a shorter buf gets a cut, terminated text); returns buf. */
#define TLS_ALERT_NAME_LEN 48
char *tls_alert_format(uint8_t desc, char *buf, size_t len);
/* "x25519", "secp256r1", "ffdhe2048", ... (the TLS Supported Groups registry names); NULL for
 * a value not listed. */
const char *tls_group_name(uint16_t group);
/* The IANA name of a cipher suite ("TLS_AES_256_GCM_SHA384",
 * "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") into buf: from our tables for every suite we
 * offer, else from mbedTLS's table ('-' written as '_'), else "0xC0FF". TLS_CIPHER_NAME_LEN
 * octets are always enough. Returns buf. */
#define TLS_CIPHER_NAME_LEN 64
char *tls_cipher_name(uint16_t suite, char *buf, size_t len);

#endif

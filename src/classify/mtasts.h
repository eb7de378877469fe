/* mtasts: MTA-STS (RFC 8461) as a sender reads it, as pure functions over bytes: the TXT record
 * at _mta-sts.DOMAIN (§3.1), the policy body fetched from
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt (§3.2; fed in pieces as it arrives, so the
 * size cap holds while reading), and whether an MX host is covered by the policy's patterns
 * (§4.1). Fetching is the probe stage's job; this file never does I/O.
 *
 * TXT (§3.1): the record that begins with "v=STSv1" (taglist.h: exactly one such record, or
 * none is used), then fields; "id" (1 to 32 letters and digits) is required, exactly once;
 * other fields are extensions and ignored. Errors (mtasts_txt_error_str): "syntax" (not the
 * taglist grammar), "no-id", "bad-id" (wrong characters or length, or given twice).
 *
 * Policy (§3.2): lines "key: value" ended by LF or CRLF (the last one may lack it); the key is
 * a field name as in taglist.h, then ":" and optional WSP, then the value, then optional WSP.
 * Fields: version (must be "STSv1"), mode ("enforce", "testing", "none"), max_age (1 to 10
 * digits, at most 31557600), mx (a pattern: a domain name, or "*." and a domain name; any
 * number of them). version, mode and max_age are required, and at least one mx unless the mode
 * is none (as postfix-mta-sts-resolver reads it). Unknown fields are ignored. Where the RFC is
 * silent we are strict, and say so: a blank line is ignored (servers end files with one), a
 * line without ':' is a syntax error, and a second version, mode or max_age is an error
 * ("duplicate") rather than last-one-wins. The body is at most MTASTS_POLICY_MAX octets (§3.3
 * asks senders to cap it; 64 KiB as the RFC suggests); more is "too-large".
 * Errors (mtasts_policy_error_str): "syntax", "too-large", "bad-version", "bad-mode",
 * "bad-max-age", "bad-mx", "duplicate", "no-version", "no-mode", "no-max-age", "no-mx".
 *
 * MX patterns (§4.1): a pattern equal to the MX host (case-insensitive, a trailing dot on the
 * host ignored) covers it; "*.REST" covers LABEL.REST for exactly one leftmost label, so
 * "*.psmtp.example" does not cover "customer.example.s6a1.psmtp.example" (the Postini case).
 *
 * Ownership: struct mtasts_policy owns its mx strings (mtasts_policy_clear). */
#ifndef MXS_MTASTS_H
#define MXS_MTASTS_H
#include <stddef.h>

#define MTASTS_POLICY_MAX 65536
#define MTASTS_ID_MAX 32
#define MTASTS_MAX_AGE_MAX 31557600L

enum mtasts_txt_error { MTASTS_TXT_OK, MTASTS_TXT_SYNTAX, MTASTS_TXT_NO_ID, MTASTS_TXT_BAD_ID };
const char *mtasts_txt_error_str(enum mtasts_txt_error e); /* NULL for MTASTS_TXT_OK */

/* Parses one TXT record (its character-strings joined) that taglist_has_version(.., "v=STSv1")
 * accepted; id gets the id (NUL-terminated) when the result is MTASTS_TXT_OK. */
enum mtasts_txt_error mtasts_txt_parse(const char *s, size_t n, char id[MTASTS_ID_MAX + 1]);

enum mtasts_mode { MTASTS_MODE_UNSET, MTASTS_MODE_NONE, MTASTS_MODE_TESTING, MTASTS_MODE_ENFORCE };
const char *mtasts_mode_str(enum mtasts_mode m); /* NULL for UNSET */

enum mtasts_policy_error {
    MTASTS_POLICY_OK,
    MTASTS_POLICY_SYNTAX,
    MTASTS_POLICY_TOO_LARGE,
    MTASTS_POLICY_BAD_VERSION,
    MTASTS_POLICY_BAD_MODE,
    MTASTS_POLICY_BAD_MAX_AGE,
    MTASTS_POLICY_BAD_MX,
    MTASTS_POLICY_DUPLICATE,
    MTASTS_POLICY_NO_VERSION,
    MTASTS_POLICY_NO_MODE,
    MTASTS_POLICY_NO_MAX_AGE,
    MTASTS_POLICY_NO_MX,
};
const char *mtasts_policy_error_str(enum mtasts_policy_error e); /* NULL for OK */

struct mtasts_policy {
    enum mtasts_mode mode;
    long max_age;       /* -1 when absent */
    char **mx;          /* the patterns as written, lowercased, in order (owned) */
    size_t nmx;
    int has_version;
};

/* The reader of one policy body. Feed it the body in pieces of any size, then end it. */
struct mtasts_reader {
    struct mtasts_policy pol;
    enum mtasts_policy_error err; /* the first error; later input is ignored */
    size_t total;                 /* octets fed */
    unsigned long line;           /* the line the error is on (1-based), or 0 */
    char buf[1024];               /* the line being read (a longer line is a syntax error:
                                     no field of §3.2 is that long) */
    size_t len;
    int cr;                       /* the last octet fed was CR */
};

void mtasts_reader_init(struct mtasts_reader *r);
/* Feeds n octets; returns the error so far (MTASTS_POLICY_OK while all is well). */
enum mtasts_policy_error mtasts_reader_feed(struct mtasts_reader *r, const char *p, size_t n);
/* Ends the body: the last line, then the required fields. On MTASTS_POLICY_OK *out takes the
 * policy (the reader is left empty); on an error *out is left zeroed and the reader cleared. */
enum mtasts_policy_error mtasts_reader_end(struct mtasts_reader *r, struct mtasts_policy *out);
void mtasts_policy_clear(struct mtasts_policy *p);

/* 1 when the pattern (as in a policy) covers the MX host name (§4.1). */
int mtasts_mx_covered(const char *pattern, const char *mx_host);
/* The index of the first of p's patterns that covers mx_host, or -1. */
int mtasts_policy_covers(const struct mtasts_policy *p, const char *mx_host);

#endif

/* tlsrpt_record: the TLSRPT TXT record at _smtp._tls.DOMAIN (RFC 8460 §3), as a pure function
 * over bytes: where the domain asks for reports. (The result types a report would carry for an
 * endpoint are classify.h's classify_tlsrpt.)
 *
 * The record that begins with "v=TLSRPTv1" (taglist.h: exactly one such record, or none is
 * used), then fields; "rua" is required, once: one or more URIs separated by "," with optional
 * WSP. Each URI is counted by scheme: "mailto:" with an address (a '@' with text on both
 * sides) and "https:" with "//" and a host; any other scheme, or one of those two without its
 * parts, is a bad URI. Other fields are extensions and ignored.
 * Errors (tlsrpt_record_error_str): "syntax" (not the taglist grammar, or a first field that
 * is not v=TLSRPTv1), "no-rua", "duplicate-rua", "bad-uri" (no usable URI: every URI bad; a
 * record with at least one usable URI is valid, and the bad ones are counted). */
#ifndef MXS_TLSRPT_RECORD_H
#define MXS_TLSRPT_RECORD_H
#include <stddef.h>

enum tlsrpt_record_error {
    TLSRPT_RECORD_OK,
    TLSRPT_RECORD_SYNTAX,
    TLSRPT_RECORD_NO_RUA,
    TLSRPT_RECORD_DUPLICATE_RUA,
    TLSRPT_RECORD_BAD_URI,
};
const char *tlsrpt_record_error_str(enum tlsrpt_record_error e); /* NULL for OK */

struct tlsrpt_record {
    unsigned mailto, https, bad; /* rua URIs by kind */
};

/* Parses one TXT record (its character-strings joined) that taglist_has_version(..,
 * "v=TLSRPTv1") accepted. *out is filled as far as it was read. */
enum tlsrpt_record_error tlsrpt_record_parse(const char *s, size_t n, struct tlsrpt_record *out);

#endif

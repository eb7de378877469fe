/* input: reading the domain list.
 *
 * input_normalize() turns one raw line into a host name in A-label form, or says why it cannot:
 * pure, no I/O. The reader streams lines from a file of any size and any content without ever
 * holding more than one (capped) line, so a huge or binary input costs no more memory than a
 * small one. Invalid lines are not errors of the run: they become records with a reason.
 *
 * Ownership: the reader owns everything it hands out; a struct input_line's pointers stay
 * valid until the next input_next() or input_reader_close() on the same reader. */
#ifndef MXS_INPUT_H
#define MXS_INPUT_H
#include <stddef.h>

/* Longest host name in text form without the trailing dot (RFC 1035 §2.3.4: 255 octets on
 * the wire = 253 characters of text), and longest label. */
#define INPUT_NAME_MAX 253
#define INPUT_LABEL_MAX 63
/* Longest raw line kept; longer lines are INVALID and only their first INPUT_LINE_MAX octets
 * are kept as the raw text. */
#define INPUT_LINE_MAX 4096

enum input_status {
    INPUT_OK,      /* a host name to scan */
    INPUT_SKIP,    /* blank line or comment: not a record */
    INPUT_INVALID, /* not a host name; `why` says what is wrong */
    INPUT_DUPLICATE, /* the reader only: a name an earlier line gave (`dup_of`); scanned once */
};
/* "ok", "skip", "invalid", "duplicate" (the last two are domains.jsonl statuses too) */
const char *input_status_str(enum input_status st);

/* Normalises line[0..len) (need not be NUL-terminated; may hold NUL bytes) into out:
 *  - surrounding whitespace (space, tab, CR, LF, VT, FF) is stripped;
 *  - an empty line, or one whose first non-space character is '#', is INPUT_SKIP;
 *  - an inline comment is cut: from the first '#' that follows whitespace to the end of the
 *    line (`example.com  # note` is `example.com`); a '#' with no whitespace before it is
 *    part of the name, which it makes INPUT_INVALID (`exa#mple.com`: no host name holds '#');
 *  - an IP address literal is INPUT_INVALID ("an IP address, not a domain name"), never a
 *    name to look up: whatever inet_pton reads as IPv4 or IPv6 (`192.0.2.1`, `2001:db8::1`;
 *    `0xC0A80101` or `127.1`, which only inet_aton reads, are names), and the bracketed
 *    address literals of RFC 5321 (`[192.0.2.1]`, `[IPv6:2001:db8::1]`);
 *  - NUL bytes, invalid UTF-8 (overlong forms, surrogates, > U+10FFFF) and whitespace inside
 *    the name are INPUT_INVALID;
 *  - ONE trailing dot is dropped (the name is always taken as absolute); "." alone is invalid;
 *  - a name with non-ASCII characters goes through libidn2 (UTS #46 non-transitional, NFC),
 *    falling back to transitional processing for names non-transitional rejects (emoji and
 *    the like, still registered in some TLDs); libidn2's own rules then apply to every label;
 *  - the result is lowercased and checked as a host name (RFC 952/1123 LDH): ≤ 253 octets,
 *    labels 1..63 octets of letters, digits and hyphens only (no underscore: we look up mail
 *    hosts, not service records), not starting or ending with a hyphen; an "xn--" label must
 *    be punycode that libidn2 accepts and re-encodes to the same label. A single-label name is
 *    syntactically valid. Other "??--" labels in all-ASCII names are allowed (DNS permits them).
 * out needs INPUT_NAME_MAX + 1 octets; on anything but INPUT_OK it holds "".
 * *why (when why is non-NULL) gets a static human reason, NULL on INPUT_OK. */
enum input_status input_normalize(const char *line, size_t len, char *out, size_t outsz,
                                  const char **why);

struct input_line {
    unsigned long lineno;     /* 1-based */
    enum input_status status;
    const char *raw;          /* the line as read, without its '\n', NUL-terminated; may
                                 contain NUL bytes itself, so use raw_len */
    size_t raw_len;
    int truncated;            /* the line was longer than INPUT_LINE_MAX; raw is its start */
    const char *name;         /* normalised name, "" unless INPUT_OK */
    const char *why;          /* static reason: NULL on INPUT_OK and INPUT_DUPLICATE */
    unsigned long dup_of;     /* INPUT_DUPLICATE: the line that gave name first; else 0 */
};

struct input_reader;

/* The lines of path that will become records (not blank, not a comment: the rule of
 * input_normalize), counted by a quick pass that does not normalise; for a progress line's
 * total. 0 when path cannot be read. */
unsigned long input_count(const char *path);

/* Opens path for reading ("-" is standard input, which close leaves open). Returns NULL and
 * writes "cannot open PATH: REASON" into err (errsz octets) when it cannot be read. */
struct input_reader *input_reader_open(const char *path, char *err, size_t errsz);
/* Reads the next line into *out. Returns 1 for a line (of any status), 0 at end of input,
 * -1 on a read error (message from input_reader_error()). A line whose normalised name an
 * earlier line gave is INPUT_DUPLICATE with dup_of that line (seen.h: the reader keeps a
 * compact set of the names read; an equal hash is checked by reading the first line again,
 * at its offset; only when the input cannot be read again, a pipe, is the hash taken as the
 * answer). So which lines are duplicates depends on the list alone: a reader that reads it
 * again from the start (scan --resume) finds the same ones. */
int input_next(struct input_reader *r, struct input_line *out);
/* "cannot read PATH: REASON" after input_next() returned -1, else NULL. */
const char *input_reader_error(const struct input_reader *r);
/* Closes the file (unless standard input) and frees the reader. NULL is fine. */
void input_reader_close(struct input_reader *r);
/* Memory held by the reader's set of names read (seen.h), in octets. */
size_t input_reader_seen_bytes(const struct input_reader *r);

#endif

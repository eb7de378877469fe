/* input: see input.h. Host name rules: RFC 952 / RFC 1123 §2.1 (LDH labels), RFC 1035 §2.3.4
 * (lengths), RFC 5890/5891 and UTS #46 via libidn2 (IDN → A-label). */
#include "input.h"

#include <arpa/inet.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "seen.h"

/* A UTF-8 name longer than this cannot fit 253 octets once encoded (a code point takes at most
 * four UTF-8 octets and at least one A-label octet — UTS #46 deletes a handful, such as the soft
 * hyphen, which nobody pads a domain list with), so longer input is rejected before it is
 * copied or handed to libidn2. */
#define NORMALIZE_INPUT_MAX (4 * INPUT_NAME_MAX + 8)

const char *input_status_str(enum input_status st)
{
    switch (st) {
    case INPUT_OK:
        return "ok";
    case INPUT_SKIP:
        return "skip";
    case INPUT_INVALID:
        return "invalid";
    case INPUT_DUPLICATE:
        return "duplicate";
    }
    return "?";
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t more;
        unsigned long cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            more = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            more = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= more)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += more + 1;
    }
    return 1;
}

/* libidn2 in non-transitional mode first (IDNA2008 semantics: ß stays ß), transitional as the
 * fallback for names it rejects. Returns the libidn2 code of the non-transitional attempt when
 * both fail, so the reason names the stricter rule. */
static int to_ascii(const char *in, char **out)
{
    *out = NULL;
    int rc = idn2_to_ascii_8z(in, out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc == IDN2_OK)
        return rc;
    free(*out);
    *out = NULL;
    if (idn2_to_ascii_8z(in, out, IDN2_TRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK)
        return IDN2_OK;
    free(*out);
    *out = NULL;
    return rc;
}

static const char *idn_reason(int rc)
{
    switch (rc) {
    case IDN2_TOO_BIG_DOMAIN:
        return "name longer than 253 octets";
    case IDN2_TOO_BIG_LABEL:
    case IDN2_PUNYCODE_BIG_OUTPUT:
        return "label longer than 63 octets";
    default:
        return idn2_strerror(rc); /* static strings, e.g. "string contains a disallowed character" */
    }
}

/* An "xn--" label is only a name if it decodes and re-encodes to itself: that rejects broken
 * punycode, encodings of plain ASCII and non-canonical forms in one test. */
static int alabel_valid(const char *label, size_t len)
{
    char tmp[INPUT_LABEL_MAX + 1];
    memcpy(tmp, label, len);
    tmp[len] = '\0';
    char *enc;
    if (to_ascii(tmp, &enc) != IDN2_OK)
        return 0;
    int ok = strcmp(enc, tmp) == 0;
    free(enc);
    return ok;
}

/* s is lowercase ASCII of length n; returns NULL when it is a valid host name. */
static const char *host_invalid(const char *s, size_t n)
{
    if (n > INPUT_NAME_MAX)
        return "name longer than 253 octets";
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < n && s[end] != '.')
            end++;
        size_t len = end - start;
        const char *l = s + start;
        if (len == 0)
            return "empty label";
        if (len > INPUT_LABEL_MAX)
            return "label longer than 63 octets";
        for (size_t i = 0; i < len; i++) {
            if (l[i] == '_')
                return "underscore in a label";
            if (!is_ldh((unsigned char)l[i]))
                return "character other than letter, digit or hyphen";
        }
        if (l[0] == '-')
            return "label starts with a hyphen";
        if (l[len - 1] == '-')
            return "label ends with a hyphen";
        if (len >= 4 && memcmp(l, "xn--", 4) == 0 && !alabel_valid(l, len))
            return "invalid punycode (xn--) label";
        if (end == n)
            return NULL;
        start = end + 1;
    }
}

/* s[0..n) is an address, not a name: what inet_pton reads (IPv4 dotted quad, IPv6), or an
 * RFC 5321 address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]"). */
static int ip_literal(const char *s, size_t n)
{
    char a[INPUT_LINE_MAX + 1];
    unsigned char bin[16];
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++, n -= 2;
        if (n >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
            memcpy(a, s + 5, n - 5);
            a[n - 5] = '\0';
            return inet_pton(AF_INET6, a, bin) == 1;
        }
    }
    if (n > 64)
        return 0; /* longer than any address's text */
    memcpy(a, s, n);
    a[n] = '\0';
    return inet_pton(AF_INET, a, bin) == 1 || inet_pton(AF_INET6, a, bin) == 1;
}

#define IP_LITERAL_REASON "an IP address, not a domain name"

enum input_status input_normalize(const char *line, size_t len, char *out, size_t outsz,
                                  const char **why)
{
    enum input_status st = INPUT_INVALID;
    const char *reason = NULL;
    char *idn = NULL;
    char buf[NORMALIZE_INPUT_MAX + 1];

    size_t b = 0, e = len;
    while (b < e && is_space((unsigned char)line[b]))
        b++;
    while (e > b && is_space((unsigned char)line[e - 1]))
        e--;
    if (b == e) {
        st = INPUT_SKIP;
        reason = "blank line";
        goto done;
    }
    if (line[b] == '#') {
        st = INPUT_SKIP;
        reason = "comment";
        goto done;
    }
    /* An inline comment: from a '#' after whitespace on ("example.com  # note"). */
    for (size_t i = b + 1; i < e; i++)
        if (line[i] == '#' && is_space((unsigned char)line[i - 1])) {
            e = i;
            while (e > b && is_space((unsigned char)line[e - 1]))
                e--;
            break;
        }
    if (memchr(line + b, '\0', e - b)) {
        reason = "contains a NUL byte";
        goto done;
    }
    int ascii = 1;
    for (size_t i = b; i < e; i++) {
        if (is_space((unsigned char)line[i])) {
            reason = "contains whitespace";
            goto done;
        }
        ascii &= (unsigned char)line[i] < 0x80;
    }
    if (!ascii && !utf8_valid((const unsigned char *)line + b, e - b)) {
        reason = "invalid UTF-8";
        goto done;
    }
    if (memchr(line + b, '#', e - b)) {
        reason = "'#' inside the name (an inline comment needs whitespace before its '#')";
        goto done;
    }
    size_t n = e - b;
    if (n > NORMALIZE_INPUT_MAX) {
        reason = "name longer than 253 octets";
        goto done;
    }
    memcpy(buf, line + b, n);
    buf[n] = '\0';
    int dropped_dot = 0;
    if (buf[n - 1] == '.') {
        buf[--n] = '\0';
        dropped_dot = 1;
    }
    if (n == 0) {
        reason = "the root is not a host name";
        goto done;
    }
    if (ip_literal(buf, n)) {
        reason = IP_LITERAL_REASON;
        goto done;
    }
    const char *name = buf;
    if (!ascii) {
        int rc = to_ascii(buf, &idn);
        if (rc != IDN2_OK) {
            reason = idn_reason(rc);
            goto done;
        }
        name = idn;
        n = strlen(idn);
        /* UTS #46 maps "。" and friends to '.', so a trailing dot may only appear now. */
        if (!dropped_dot && n > 0 && idn[n - 1] == '.')
            n--;
        if (n == 0) {
            reason = "the root is not a host name";
            goto done;
        }
    }
    if (n > INPUT_NAME_MAX) {
        reason = "name longer than 253 octets";
        goto done;
    }
    if (outsz < n + 1) {
        reason = "output buffer too small";
        goto done;
    }
    memcpy(out, name, n);
    out[n] = '\0';
    str_ascii_lower(out);
    /* Again after IDNA, which maps full-width digits and dots to ASCII ones. */
    reason = ip_literal(out, n) ? IP_LITERAL_REASON : host_invalid(out, n);
    if (!reason)
        st = INPUT_OK;
done:
    free(idn);
    if (st != INPUT_OK && outsz > 0)
        out[0] = '\0';
    if (why)
        *why = reason;
    return st;
}

struct input_reader {
    FILE *f;
    int is_stdin;
    int eof;
    unsigned long lineno;
    char *path;
    char *error;                       /* set once a read failed */
    uint64_t off;                      /* where the next line starts */
    struct seen *seen;                 /* the names read so far, for duplicates */
    char raw[INPUT_LINE_MAX + 1];
    char name[INPUT_NAME_MAX + 1];
};

/* seen_same_fn: the line at off normalises to name. Read again with pread, which leaves the
 * stream's position alone; when the input cannot be read again (a pipe), the hash decides. */
static int same_line(void *arg, uint64_t off, const char *name)
{
    struct input_reader *r = arg;
    char buf[INPUT_LINE_MAX + 1], norm[INPUT_NAME_MAX + 1];
    ssize_t got = pread(fileno(r->f), buf, sizeof(buf), (off_t)off);
    if (got < 0)
        return 1;
    const char *nl = memchr(buf, '\n', (size_t)got);
    size_t n = nl ? (size_t)(nl - buf) : (size_t)got;
    return input_normalize(buf, n, norm, sizeof(norm), NULL) == INPUT_OK && strcmp(norm, name) == 0;
}

unsigned long input_count(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long n = 0;
    int c, at_start = 1;
    while ((c = getc_unlocked(f)) != EOF) {
        if (c == '\n') {
            at_start = 1;
        } else if (at_start && !is_space((unsigned char)c)) {
            at_start = 0;
            n += c != '#';
        }
    }
    fclose(f);
    return n;
}

struct input_reader *input_reader_open(const char *path, char *err, size_t errsz)
{
    FILE *f;
    int is_stdin = strcmp(path, "-") == 0;
    if (is_stdin) {
        f = stdin;
    } else {
        f = fopen(path, "r");
        if (!f) {
            snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
            return NULL;
        }
        /* fopen() succeeds on a directory; the read would fail later with a vaguer message. */
        struct stat sb;
        if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
            snprintf(err, errsz, "cannot open %s: %s", path, strerror(EISDIR));
            fclose(f);
            return NULL;
        }
    }
    struct input_reader *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->is_stdin = is_stdin;
    r->path = xstrdup(is_stdin ? "standard input" : path);
    r->seen = seen_new();
    return r;
}

int input_next(struct input_reader *r, struct input_line *out)
{
    if (r->error)
        return -1;
    if (r->eof)
        return 0;
    size_t n = 0;
    uint64_t start = r->off;
    int c, any = 0, truncated = 0;
    /* Octet by octet so NUL bytes are kept and an over-long line is skipped without being
     * held: memory stays at one INPUT_LINE_MAX buffer whatever the file holds. */
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = 1;
        r->off++;
        if (c == '\n')
            break;
        if (n < INPUT_LINE_MAX)
            r->raw[n++] = (char)c;
        else
            truncated = 1;
    }
    if (c == EOF) {
        if (ferror(r->f)) {
            size_t sz = strlen(r->path) + 200;
            r->error = xmalloc(sz);
            snprintf(r->error, sz, "cannot read %s: %s", r->path, strerror(errno));
            return -1;
        }
        r->eof = 1;
        if (!any)
            return 0;
    }
    r->raw[n] = '\0';
    r->lineno++;
    memset(out, 0, sizeof(*out));
    out->lineno = r->lineno;
    out->raw = r->raw;
    out->raw_len = n;
    out->truncated = truncated;
    out->name = r->name;
    if (truncated) {
        r->name[0] = '\0';
        out->status = INPUT_INVALID;
        out->why = "line longer than 4096 octets";
    } else {
        out->status = input_normalize(r->raw, n, r->name, sizeof(r->name), &out->why);
        if (out->status == INPUT_OK) {
            out->dup_of = seen_add(r->seen, r->name, r->lineno, start, same_line, r);
            if (out->dup_of)
                out->status = INPUT_DUPLICATE;
        }
    }
    return 1;
}

const char *input_reader_error(const struct input_reader *r)
{
    return r->error;
}

void input_reader_close(struct input_reader *r)
{
    if (!r)
        return;
    if (!r->is_stdin)
        fclose(r->f);
    free(r->path);
    free(r->error);
    seen_free(r->seen);
    free(r);
}

size_t input_reader_seen_bytes(const struct input_reader *r)
{
    return seen_bytes(r->seen);
}

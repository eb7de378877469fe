#include "input/input.h"
#include "test.h"
#include "core/util.h"

#include <stdlib.h>
#include <unistd.h>

static const struct {
    const char *line;
    size_t len; /* 0: strlen(line) */
    enum input_status st;
    const char *want; /* normalised name, or the reason when not INPUT_OK */
} cases[] = {
    {"example.com", 0, INPUT_OK, "example.com"},
    {"  Example.COM.\r", 0, INPUT_OK, "example.com"},
    {"\tMX1.example.org \t", 0, INPUT_OK, "mx1.example.org"},
    {"localhost", 0, INPUT_OK, "localhost"},
    {"a-b.c0m", 0, INPUT_OK, "a-b.c0m"},
    {"ab--cd.example", 0, INPUT_OK, "ab--cd.example"},
    {"123.example", 0, INPUT_OK, "123.example"},
    {"bücher.example", 0, INPUT_OK, "xn--bcher-kva.example"},
    {"BÜCHER.Example.", 0, INPUT_OK, "xn--bcher-kva.example"},
    {"faß.de", 0, INPUT_OK, "xn--fa-hia.de"}, /* non-transitional: ß stays ß */
    {"💩.la", 0, INPUT_OK, "xn--ls8h.la"},    /* only transitional accepts emoji */
    {"example。com", 0, INPUT_OK, "example.com"},
    {"XN--BCHER-KVA.example", 0, INPUT_OK, "xn--bcher-kva.example"},
    {"", 0, INPUT_SKIP, "blank line"},
    {" \t\r", 0, INPUT_SKIP, "blank line"},
    {"# a comment", 0, INPUT_SKIP, "comment"},
    {"   #indented comment", 0, INPUT_SKIP, "comment"},
    {"example..com", 0, INPUT_INVALID, "empty label"},
    {"example.com..", 0, INPUT_INVALID, "empty label"},
    {".example.com", 0, INPUT_INVALID, "empty label"},
    {".", 0, INPUT_INVALID, "the root is not a host name"},
    {"_dmarc.example.com", 0, INPUT_INVALID, "underscore in a label"},
    {"mail_1.example.com", 0, INPUT_INVALID, "underscore in a label"},
    {"exa mple.com", 0, INPUT_INVALID, "contains whitespace"},
    /* inline comments: from a '#' after whitespace to the end of the line */
    {"example.com # note", 0, INPUT_OK, "example.com"},
    {"example.com  # note", 0, INPUT_OK, "example.com"},
    {"example.com\t#note", 0, INPUT_OK, "example.com"},
    {"  Example.COM.\t# a # b\r", 0, INPUT_OK, "example.com"},
    {"example.com #", 0, INPUT_OK, "example.com"},
    {"bücher.example # IDN", 0, INPUT_OK, "xn--bcher-kva.example"},
    {"example.com other.example # two", 0, INPUT_INVALID, "contains whitespace"},
    {"exa#mple.com", 0, INPUT_INVALID, "'#' inside the name (an inline comment needs whitespace before its '#')"},
    {"example.com#note", 0, INPUT_INVALID, "'#' inside the name (an inline comment needs whitespace before its '#')"},
    /* IP address literals: what inet_pton reads, and RFC 5321's bracketed forms */
    {"192.0.2.1", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"192.0.2.1.", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {" 192.0.2.1 # a host", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"[192.0.2.1]", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"2001:db8::1", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"::ffff:192.0.2.1", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"[IPv6:2001:db8::1]", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"[ipv6:2001:DB8::1]", 0, INPUT_INVALID, "an IP address, not a domain name"},
    {"１９２．０．２．１", 0, INPUT_INVALID, "an IP address, not a domain name"}, /* full-width */
    {"0xC0A80101", 0, INPUT_OK, "0xc0a80101"}, /* inet_aton's forms are names */
    {"127.1", 0, INPUT_OK, "127.1"},
    {"192.0.2.256", 0, INPUT_OK, "192.0.2.256"},
    {"[2001:db8::1]", 0, INPUT_INVALID, "an IP address, not a domain name"}, /* tag left out */
    {"[IPv6:192.0.2.1]", 0, INPUT_INVALID, "character other than letter, digit or hyphen"},
    {"exa\tmple.com", 0, INPUT_INVALID, "contains whitespace"},
    {"exa\0mple.com", 12, INPUT_INVALID, "contains a NUL byte"},
    {"bad\xff.example", 0, INPUT_INVALID, "invalid UTF-8"},
    {"bad\xc3.example", 0, INPUT_INVALID, "invalid UTF-8"},      /* cut sequence */
    {"bad\xc0\xae.example", 0, INPUT_INVALID, "invalid UTF-8"},  /* overlong '.' */
    {"bad\xed\xa0\x80.example", 0, INPUT_INVALID, "invalid UTF-8"}, /* surrogate */
    {"-mx.example.com", 0, INPUT_INVALID, "label starts with a hyphen"},
    {"mx-.example.com", 0, INPUT_INVALID, "label ends with a hyphen"},
    {"mx!.example.com", 0, INPUT_INVALID, "character other than letter, digit or hyphen"},
    {"xn--abc-.example", 0, INPUT_INVALID, "label ends with a hyphen"},
    {"xn--abc.example", 0, INPUT_INVALID, "invalid punycode (xn--) label"}, /* disallowed code point */
    {"xn--ab-fga.example", 0, INPUT_INVALID, "invalid punycode (xn--) label"}, /* "abÇ": not canonical */
    {"xn--tda.example", 0, INPUT_OK, "xn--tda.example"},                  /* "ü" */
    {"xn--zz.example", 0, INPUT_INVALID, "invalid punycode (xn--) label"},
    {"xn--a.example", 0, INPUT_INVALID, "invalid punycode (xn--) label"},
};

TEST(input_normalize_table)
{
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char out[INPUT_NAME_MAX + 1] = "junk";
        const char *why = "junk";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].line);
        enum input_status st = input_normalize(cases[i].line, len, out, sizeof(out), &why);
        if (st != cases[i].st)
            fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].line);
        CHECK_INT(st, cases[i].st);
        if (cases[i].st == INPUT_OK) {
            CHECK_STR(out, cases[i].want);
            CHECK(why == NULL);
        } else {
            CHECK_STR(out, "");
            CHECK_STR(why, cases[i].want);
        }
    }
}

/* Builds "aaa…a" labels: n octets each, joined by dots. */
static void make_name(char *buf, const int *labels, int nlabels)
{
    char *p = buf;
    for (int i = 0; i < nlabels; i++) {
        if (i)
            *p++ = '.';
        memset(p, 'a' + i % 26, (size_t)labels[i]);
        p += labels[i];
    }
    *p = '\0';
}

TEST(input_normalize_lengths)
{
    char name[600], out[INPUT_NAME_MAX + 1];
    const char *why;

    make_name(name, (int[]){63, 7}, 2);
    CHECK_INT(input_normalize(name, strlen(name), out, sizeof(out), &why), INPUT_OK);
    make_name(name, (int[]){64, 7}, 2);
    CHECK_INT(input_normalize(name, strlen(name), out, sizeof(out), &why), INPUT_INVALID);
    CHECK_STR(why, "label longer than 63 octets");

    /* 63+1+63+1+63+1+61 = 253 octets: the longest name; one more octet is too long. */
    make_name(name, (int[]){63, 63, 63, 61}, 4);
    CHECK_INT(strlen(name), 253);
    CHECK_INT(input_normalize(name, strlen(name), out, sizeof(out), &why), INPUT_OK);
    CHECK_INT(strlen(out), 253);
    strcat(name, ".");
    CHECK_INT(input_normalize(name, strlen(name), out, sizeof(out), &why), INPUT_OK);
    make_name(name, (int[]){63, 63, 63, 62}, 4);
    CHECK_INT(strlen(name), 254);
    CHECK_INT(input_normalize(name, strlen(name), out, sizeof(out), &why), INPUT_INVALID);
    CHECK_STR(why, "name longer than 253 octets");

    /* An IDN label of 30 scattered CJK characters: 90 octets of UTF-8, and an A-label well
     * past 63 octets. */
    char idn[400], *p = idn;
    for (int i = 0; i < 30; i++) {
        unsigned cp = 0x4E00 + (unsigned)i * 331;
        *p++ = (char)(0xE0 | (cp >> 12));
        *p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (char)(0x80 | (cp & 0x3F));
    }
    strcpy(p, ".example");
    CHECK_INT(input_normalize(idn, strlen(idn), out, sizeof(out), &why), INPUT_INVALID);
    CHECK_STR(why, "label longer than 63 octets");

    /* A too-small output buffer is refused, not overrun. */
    char small[8] = "junk";
    CHECK_INT(input_normalize("example.com", 11, small, sizeof(small), &why), INPUT_INVALID);
    CHECK_STR(small, "");
}

/* Writes data to a temporary file and returns its path (caller unlinks and frees). */
static char *temp_file(const void *data, size_t len)
{
    char *path = xstrdup("/tmp/mxs-input-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    CHECK_INT(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

TEST(input_reader_lines)
{
    static const char text[] = "# domains\nExample.COM.\n\nbücher.example\r\nbad_name.example\n"
                               "last.example"; /* no final newline */
    char *path = temp_file(text, sizeof(text) - 1);
    char err[256];
    struct input_reader *r = input_reader_open(path, err, sizeof(err));
    CHECK(r != NULL);
    struct input_line l;
    static const struct {
        enum input_status st;
        const char *name;
    } want[] = {{INPUT_SKIP, ""},  {INPUT_OK, "example.com"}, {INPUT_SKIP, ""},
                {INPUT_OK, "xn--bcher-kva.example"}, {INPUT_INVALID, ""}, {INPUT_OK, "last.example"}};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        CHECK_INT(input_next(r, &l), 1);
        CHECK_INT(l.lineno, i + 1);
        CHECK_INT(l.status, want[i].st);
        CHECK_STR(l.name, want[i].name);
    }
    CHECK_STR(l.raw, "last.example");
    CHECK_INT(input_next(r, &l), 0);
    CHECK_INT(input_next(r, &l), 0);
    CHECK(input_reader_error(r) == NULL);
    input_reader_close(r);
    unlink(path);
    free(path);
}

/* input_count agrees with the reader: every line it does not skip, and nothing else (blank,
 * whitespace only in any of input_normalize's spaces, '#' after spaces). */
TEST(input_count_matches_reader)
{
    static const char text[] = "# c\nExample.COM.\n\n  \t\n \v\f\r\n  # indented\nbad_name.example\n"
                               "\tx.example\nlast.example";
    char *path = temp_file(text, sizeof(text) - 1);
    char err[256];
    struct input_reader *r = input_reader_open(path, err, sizeof(err));
    CHECK(r != NULL);
    struct input_line l;
    unsigned long records = 0;
    while (input_next(r, &l) == 1)
        records += l.status != INPUT_SKIP;
    input_reader_close(r);
    CHECK_INT(records, 4);
    CHECK_INT(input_count(path), records);
    unlink(path);
    free(path);
    CHECK_INT(input_count("/nonexistent/mxs-input"), 0);
}

/* A domain listed again, in any spelling that normalises to it, is INPUT_DUPLICATE pointing
 * at its first line; invalid lines are never duplicates; a fresh reader finds the same. */
TEST(input_reader_duplicates)
{
    static const char text[] = "a.example\nb.example\nA.EXAMPLE.\n# c\nbad_x\nbad_x\n"
                               "a.example # again\nb.example\nc.example\n";
    static const struct {
        enum input_status st;
        unsigned long dup_of;
    } want[] = {{INPUT_OK, 0}, {INPUT_OK, 0}, {INPUT_DUPLICATE, 1}, {INPUT_SKIP, 0},
                {INPUT_INVALID, 0}, {INPUT_INVALID, 0}, {INPUT_DUPLICATE, 1},
                {INPUT_DUPLICATE, 2}, {INPUT_OK, 0}};
    char *path = temp_file(text, sizeof(text) - 1);
    char err[256];
    for (int round = 0; round < 2; round++) {
        struct input_reader *r = input_reader_open(path, err, sizeof(err));
        CHECK(r != NULL);
        struct input_line l;
        for (size_t i = 0; i < ARRAY_LEN(want); i++) {
            CHECK_INT(input_next(r, &l), 1);
            CHECK_INT(l.status, want[i].st);
            CHECK_INT(l.dup_of, want[i].dup_of);
            if (l.status == INPUT_DUPLICATE) {
                CHECK(l.why == NULL);
                CHECK_STR(l.name, i == 7 ? "b.example" : "a.example");
            }
        }
        CHECK_INT(input_next(r, &l), 0);
        CHECK(input_reader_seen_bytes(r) > 0);
        input_reader_close(r);
    }
    unlink(path);
    free(path);
}

/* Many distinct names and every one again: the set grows, each copy finds its own first line
 * (hashes are checked exactly against the first line, read again). */
TEST(input_reader_duplicates_many)
{
    size_t n = 150000; /* some 32-bit tags collide (n²/2³³ ≈ 2.6 pairs): checked exactly */
    char *data = xmalloc(n * 2 * 24);
    size_t len = 0;
    for (int copy = 0; copy < 2; copy++)
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(data + len, "d%zu.example\n", i);
    char *path = temp_file(data, len);
    free(data);
    char err[256];
    struct input_reader *r = input_reader_open(path, err, sizeof(err));
    struct input_line l;
    for (size_t i = 0; i < 2 * n; i++) {
        CHECK_INT(input_next(r, &l), 1);
        CHECK_INT(l.status, i < n ? INPUT_OK : INPUT_DUPLICATE);
        CHECK_INT(l.dup_of, i < n ? 0 : i - n + 1);
    }
    CHECK_INT(input_next(r, &l), 0);
    input_reader_close(r);
    unlink(path);
    free(path);
}

TEST(input_reader_long_line)
{
    /* 1 MB of 'a' on one line between two good lines: the long line is INVALID, keeps its
     * first INPUT_LINE_MAX octets, and the next line is read normally. */
    size_t big = 1 << 20;
    char *data = xmalloc(big + 64);
    size_t n = 0;
    memcpy(data + n, "one.example\n", 12), n += 12;
    memset(data + n, 'a', big), n += big;
    memcpy(data + n, "\ntwo.example\n", 13), n += 13;
    char *path = temp_file(data, n);
    free(data);

    char err[256];
    struct input_reader *r = input_reader_open(path, err, sizeof(err));
    struct input_line l;
    CHECK_INT(input_next(r, &l), 1);
    CHECK_STR(l.name, "one.example");
    CHECK_INT(input_next(r, &l), 1);
    CHECK_INT(l.status, INPUT_INVALID);
    CHECK_INT(l.truncated, 1);
    CHECK_INT(l.raw_len, INPUT_LINE_MAX);
    CHECK_INT(strlen(l.raw), INPUT_LINE_MAX);
    CHECK_STR(l.why, "line longer than 4096 octets");
    CHECK_INT(input_next(r, &l), 1);
    CHECK_INT(l.lineno, 3);
    CHECK_STR(l.name, "two.example");
    CHECK_INT(input_next(r, &l), 0);
    input_reader_close(r);
    unlink(path);
    free(path);
}

TEST(input_reader_random_bytes)
{
    /* 256 KiB of pseudo-random bytes (fixed seed, so a failure can be replayed): every line
     * comes back with a status and a reason, nothing crashes or leaks. */
    size_t n = 256 * 1024;
    unsigned char *data = xmalloc(n);
    unsigned long x = 88172645463325252UL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (unsigned char)x;
    }
    char *path = temp_file(data, n);
    free(data);
    char err[256];
    struct input_reader *r = input_reader_open(path, err, sizeof(err));
    struct input_line l;
    unsigned long lines = 0, invalid = 0;
    int rc;
    while ((rc = input_next(r, &l)) == 1) {
        lines++;
        CHECK(l.status == INPUT_OK || l.status == INPUT_SKIP || l.status == INPUT_INVALID);
        CHECK(l.raw_len <= INPUT_LINE_MAX);
        if (l.status == INPUT_INVALID) {
            invalid++;
            CHECK(l.why != NULL);
            CHECK_STR(l.name, "");
        }
    }
    CHECK_INT(rc, 0);
    CHECK(lines > 500);
    CHECK(invalid > lines / 2);
    input_reader_close(r);
    unlink(path);
    free(path);
}

TEST(input_reader_open_errors)
{
    char err[256];
    CHECK(input_reader_open("/nonexistent/domains.txt", err, sizeof(err)) == NULL);
    CHECK_STR(err, "cannot open /nonexistent/domains.txt: No such file or directory");
    CHECK(input_reader_open("/tmp", err, sizeof(err)) == NULL);
    CHECK_STR(err, "cannot open /tmp: Is a directory");
}

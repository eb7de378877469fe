/* Unit tests for src/probe/blocklist.c: every default range at its first and last address and just
 * outside, the IPv6 forms judged by the IPv4 address they carry, --allow and --blocklist (files,
 * nesting, /0 and /128 edges), bad CIDRs and bad lines. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/blocklist.h"
#include "test.h"

/* ------------------------------------------------------------------ a reference matcher
 * The oracle the default list is checked against: bit by bit over the table's text, with the
 * rules of blocklist.h (most specific range; the IPv6 forms judged by their IPv4 address). */

struct ref_range {
    int family, len;
    unsigned char a[16];
};

static struct ref_range ref_parse(const char *cidr)
{
    struct ref_range r = {0};
    char ip[64];
    const char *slash = strchr(cidr, '/');
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = '\0';
    r.family = strchr(ip, ':') ? AF_INET6 : AF_INET;
    inet_pton(r.family, ip, r.a);
    r.len = atoi(slash + 1);
    return r;
}

static int bit(const unsigned char *a, int i)
{
    return a[i / 8] >> (7 - i % 8) & 1;
}

static int ref_holds(const struct ref_range *r, int family, const unsigned char *a)
{
    if (r->family != family)
        return 0;
    for (int i = 0; i < r->len; i++)
        if (bit(r->a, i) != bit(a, i))
            return 0;
    return 1;
}

static long ref_longest(int family, const unsigned char *a)
{
    size_t n;
    const struct blocklist_entry *d = blocklist_defaults(&n);
    long best = -1;
    int best_len = -1;
    for (size_t i = 0; i < n; i++) {
        struct ref_range r = ref_parse(d[i].range);
        if (ref_holds(&r, family, a) && r.len > best_len) {
            best = (long)i;
            best_len = r.len;
        }
    }
    return best;
}

/* The expected verdict: the blocking entry's index (and *via's), or -1 when not blocked. */
static long ref_verdict(int family, const unsigned char *a, long *via)
{
    size_t n;
    const struct blocklist_entry *d = blocklist_defaults(&n);
    *via = -1;
    long e = ref_longest(family, a);
    if (e < 0 || d[e].embed == BLOCKLIST_EMBED_NONE)
        return e;
    unsigned char v4[16] = {0};
    for (int i = 0; i < 4; i++)
        v4[i] = d[e].embed == BLOCKLIST_EMBED_6TO4    ? a[2 + i]
              : d[e].embed == BLOCKLIST_EMBED_TEREDO ? (unsigned char)~a[12 + i]
                                                      : a[12 + i];
    *via = e;
    return ref_longest(AF_INET, v4);
}

/* a +1 or -1 (wrapping: the callers never step past the ends of the space). */
static void step(unsigned char *a, int octets, int delta)
{
    for (int i = octets - 1; i >= 0; i--) {
        unsigned v = (unsigned)a[i] + (unsigned)(delta > 0 ? 1 : 0xff);
        a[i] = (unsigned char)v;
        if (delta > 0 ? a[i] != 0 : a[i] != 0xff)
            break;
    }
}

static int checked;

/* The program's verdict on address a against the oracle's. */
static void expect_ref(int family, const unsigned char *a, const char *what)
{
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(family, a, ip, sizeof(ip));
    size_t n;
    const struct blocklist_entry *d = blocklist_defaults(&n);
    long via;
    long want = ref_verdict(family, a, &via);
    struct blocklist_verdict v;
    int rc = blocklist_check(NULL, ip, &v);
    checked++;
    if (rc != (want >= 0) || v.blocked != (want >= 0) ||
        (want >= 0 && (v.entry != &d[want] || v.via != (via >= 0 ? &d[via] : NULL)))) {
        fprintf(stderr, "  %s %s: blocked %d by %s via %s, expected %s via %s\n", what, ip, rc,
                v.entry ? v.entry->range : "-", v.via ? v.via->range : "-",
                want >= 0 ? d[want].range : "nothing", via >= 0 ? d[via].range : "-");
        test_failed_checks++;
    }
}

TEST(blocklist_every_default_range_and_its_neighbours)
{
    size_t n;
    const struct blocklist_entry *d = blocklist_defaults(&n);
    CHECK(n >= 50);
    checked = 0;
    for (size_t i = 0; i < n; i++) {
        struct ref_range r = ref_parse(d[i].range);
        int octets = r.family == AF_INET ? 4 : 16, bits = octets * 8;
        unsigned char first[16] = {0}, last[16] = {0};
        memcpy(first, r.a, 16);
        memcpy(last, r.a, 16);
        for (int b = r.len; b < bits; b++)
            last[b / 8] |= (unsigned char)(1 << (7 - b % 8));
        /* Every range's first and last address is blocked: the IPv6 forms too, since the IPv4
         * addresses at their ends (0.0.0.0, 255.255.255.255) are. */
        long via;
        CHECK(ref_verdict(r.family, first, &via) >= 0);
        CHECK(ref_verdict(r.family, last, &via) >= 0);
        expect_ref(r.family, first, d[i].range);
        expect_ref(r.family, last, d[i].range);
        /* Just outside (unless at an end of the address space). */
        int first_is_zero = 1, last_is_ones = 1;
        for (int k = 0; k < octets; k++) {
            first_is_zero &= first[k] == 0;
            last_is_ones &= last[k] == 0xff;
        }
        if (!first_is_zero) {
            step(first, octets, -1);
            expect_ref(r.family, first, d[i].range);
        }
        if (!last_is_ones) {
            step(last, octets, +1);
            expect_ref(r.family, last, d[i].range);
        }
    }
    CHECK(checked >= 4 * (int)n - 8);
}

/* ------------------------------------------------------------------ explicit verdicts */

/* ip judged by bl: its reason, or NULL when it is probed. */
static void expect(const struct blocklist *bl, const char *ip, const char *reason)
{
    struct blocklist_verdict v;
    char got[512];
    int rc = blocklist_check(bl, ip, &v);
    blocklist_reason(&v, got, sizeof(got));
    if (!reason) {
        if (rc != 0 || v.blocked) {
            fprintf(stderr, "  %s: blocked (%s), expected probed\n", ip, got);
            test_failed_checks++;
        }
        return;
    }
    if (rc == 0 || !v.blocked || strcmp(got, reason) != 0) {
        fprintf(stderr, "  %s: rc %d \"%s\", expected blocked \"%s\"\n", ip, rc, got, reason);
        test_failed_checks++;
    }
}

#define TEN "10.0.0.0/8 (Private-Use, RFC 1918)"
#define MAPPED " via ::ffff:0:0/96 (IPv4-mapped Address, RFC 4291)"

TEST(blocklist_default_verdicts)
{
    static const char *const cases[][2] = {
        {"0.0.0.0", "0.0.0.0/32 (\"This host on this network\", RFC 1122, Section 3.2.1.3)"},
        {"0.0.0.1", "0.0.0.0/8 (\"This network\", RFC 791, Section 3.2)"},
        {"::", "::/128 (Unspecified Address, RFC 4291)"},
        {"::1", "::1/128 (Loopback Address, RFC 4291)"},
        {"::2", "::/96 (IPv4-Compatible IPv6 Address (deprecated), RFC 4291, Section 2.5.5.1)"},
        {"::10.0.0.1", "::/96 (IPv4-Compatible IPv6 Address (deprecated), RFC 4291, Section 2.5.5.1)"},
        {"127.0.0.1", "127.0.0.0/8 (Loopback, RFC 1122, Section 3.2.1.3)"},
        {"169.254.169.254", "169.254.0.0/16 (Link Local, RFC 3927)"},
        {"10.1.2.3", TEN},
        {"100.64.0.1", "100.64.0.0/10 (Shared Address Space, RFC 6598)"},
        {"100.127.255.255", "100.64.0.0/10 (Shared Address Space, RFC 6598)"},
        {"172.31.255.255", "172.16.0.0/12 (Private-Use, RFC 1918)"},
        {"192.168.1.1", "192.168.0.0/16 (Private-Use, RFC 1918)"},
        {"192.0.0.9", "192.0.0.9/32 (Port Control Protocol Anycast, RFC 7723)"},
        {"192.0.0.11", "192.0.0.0/24 (IETF Protocol Assignments, RFC 6890, Section 2.1)"},
        {"192.0.2.1", "192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737)"},
        {"198.19.255.255", "198.18.0.0/15 (Benchmarking, RFC 2544)"},
        {"224.0.0.1", "224.0.0.0/4 (Multicast, RFC 5771)"},
        {"239.255.255.255", "224.0.0.0/4 (Multicast, RFC 5771)"},
        {"240.0.0.1", "240.0.0.0/4 (Reserved, RFC 1112, Section 4)"},
        {"255.255.255.254", "240.0.0.0/4 (Reserved, RFC 1112, Section 4)"},
        {"255.255.255.255", "255.255.255.255/32 (Limited Broadcast, RFC 8190, RFC 919, Section 7)"},
        {"::ffff:10.0.0.1", TEN MAPPED},
        {"::ffff:0.0.0.0", "0.0.0.0/32 (\"This host on this network\", RFC 1122, Section 3.2.1.3)" MAPPED},
        {"::ffff:169.254.169.254", "169.254.0.0/16 (Link Local, RFC 3927)" MAPPED},
        {"64:ff9b::a00:1", TEN " via 64:ff9b::/96 (IPv4-IPv6 Translat., RFC 6052)"},
        {"64:ff9b:1::a00:1", "64:ff9b:1::/48 (IPv4-IPv6 Translat., RFC 8215)"},
        {"64:ff9b:1:ffff::8.8.8.8", "64:ff9b:1::/48 (IPv4-IPv6 Translat., RFC 8215)"},
        {"2002:a00:1::1", TEN " via 2002::/16 (6to4, RFC 3056)"},
        {"2002:7f00:1::", "127.0.0.0/8 (Loopback, RFC 1122, Section 3.2.1.3) via 2002::/16 (6to4, RFC 3056)"},
        /* Teredo: the client's address is the last 32 bits inverted (~f5fffffe = 10.0.0.1). */
        {"2001:0:4136:e378:8000:63bf:f5ff:fffe", TEN " via 2001::/32 (TEREDO, RFC 4380, RFC 8190)"},
        {"2001:0:4136:e378:8000:63bf:3fff:fdd2",
         "192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737) via 2001::/32 (TEREDO, RFC 4380, RFC 8190)"},
        {"2001:1::2", "2001:1::2/128 (Traversal Using Relays around NAT Anycast, RFC 8155)"},
        {"2001:1::4", "2001::/23 (IETF Protocol Assignments, RFC 2928)"},
        {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/23 (IETF Protocol Assignments, RFC 2928)"},
        {"2001:db8::1", "2001:db8::/32 (Documentation, RFC 3849)"},
        {"3fff:fff::1", "3fff::/20 (Documentation, RFC 9637)"},
        {"fc00::1", "fc00::/7 (Unique-Local, RFC 4193, RFC 8190)"},
        {"fdff:ffff::1", "fc00::/7 (Unique-Local, RFC 4193, RFC 8190)"},
        {"fe80::1", "fe80::/10 (Link-Local Unicast, RFC 4291)"},
        {"febf:ffff::1", "fe80::/10 (Link-Local Unicast, RFC 4291)"},
        {"ff02::1", "ff00::/8 (Multicast, RFC 4291, Section 2.7)"},
        /* Probed: public addresses, and IPv6 forms carrying one. */
        {"8.8.8.8", NULL},
        {"1.1.1.1", NULL},
        {"9.255.255.255", NULL},
        {"11.0.0.0", NULL},
        {"100.63.255.255", NULL},
        {"100.128.0.0", NULL},
        {"172.15.255.255", NULL},
        {"172.32.0.0", NULL},
        {"169.253.255.255", NULL},
        {"223.255.255.255", NULL},
        {"::ffff:8.8.8.8", NULL},
        {"64:ff9b::808:808", NULL},
        {"2002:808:808::1", NULL},
        {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", NULL}, /* client 8.8.8.8 */
        {"2001:200::1", NULL},
        {"2001:4860:4860::8888", NULL},
        {"2a00:1450:4001:80b::201a", NULL},
        {"fec0::1", NULL}, /* deprecated site-local, in no registry */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect(NULL, cases[i][0], cases[i][1]);
    /* What is no address is never probed. */
    static const char *const junk[] = {"", "not-an-ip", "10.0.0.1%lo", "fe80::1%lo", "10.0.0.256",
                                       "1.2.3", "::ffff:10.0.0.1/128", " 8.8.8.8"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        struct blocklist_verdict v;
        char got[64];
        CHECK_INT(blocklist_check(NULL, junk[i], &v), -1);
        CHECK(v.blocked);
        blocklist_reason(&v, got, sizeof(got));
        CHECK_STR(got, "not an IP address");
    }
    /* The same verdicts from a blocklist object as from NULL (the default list alone). */
    struct blocklist *bl = blocklist_new();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect(bl, cases[i][0], cases[i][1]);
    blocklist_free(bl);
}

/* ------------------------------------------------------------------ --allow and --blocklist */

static int read_text(struct blocklist *bl, const char *text, const char *name, char *err, size_t len)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc = blocklist_read(bl, f, name, err, len);
    fclose(f);
    return rc;
}

TEST(blocklist_allow)
{
    char err[256];
    struct blocklist *bl = blocklist_new();
    /* What the project's tests, demo and bench allow: the world on loopback. */
    CHECK_INT(blocklist_allow(bl, "127.0.0.0/8", err, sizeof(err)), 0);
    CHECK_INT(blocklist_allow(bl, "::1/128", err, sizeof(err)), 0);
    expect(bl, "127.0.0.1", NULL);
    expect(bl, "127.255.255.255", NULL);
    expect(bl, "::1", NULL);
    expect(bl, "::ffff:127.0.0.1", NULL); /* judged by its IPv4 address */
    expect(bl, "::", "::/128 (Unspecified Address, RFC 4291)");
    expect(bl, "::2", "::/96 (IPv4-Compatible IPv6 Address (deprecated), RFC 4291, Section 2.5.5.1)");
    expect(bl, "126.255.255.255", NULL);
    expect(bl, "0.0.0.0", "0.0.0.0/32 (\"This host on this network\", RFC 1122, Section 3.2.1.3)");
    expect(bl, "10.1.2.3", TEN);
    /* --allow 10.0.0.0/8 lets exactly that range through, in every form. */
    CHECK_INT(blocklist_allow(bl, "10.0.0.0/8", err, sizeof(err)), 0);
    expect(bl, "10.1.2.3", NULL);
    expect(bl, "::ffff:10.1.2.3", NULL);
    expect(bl, "64:ff9b::a01:203", NULL);
    expect(bl, "2002:a01:203::", NULL);
    expect(bl, "9.255.255.255", NULL);
    expect(bl, "11.0.0.0", NULL);
    expect(bl, "172.16.0.1", "172.16.0.0/12 (Private-Use, RFC 1918)");
    expect(bl, "100.64.0.1", "100.64.0.0/10 (Shared Address Space, RFC 6598)");
    /* A nested allow is folded into the outer one; order does not matter. */
    CHECK_INT(blocklist_allow(bl, "10.9.0.0/16", err, sizeof(err)), 0);
    CHECK_INT(blocklist_allow(bl, "100.64.0.1", err, sizeof(err)), 0); /* a bare address: /32 */
    expect(bl, "100.64.0.1", NULL);
    expect(bl, "100.64.0.0", "100.64.0.0/10 (Shared Address Space, RFC 6598)");
    expect(bl, "100.64.0.2", "100.64.0.0/10 (Shared Address Space, RFC 6598)");
    json_t *j = blocklist_json(bl);
    char *s = json_dumps(json_object_get(j, "allow"), JSON_COMPACT);
    CHECK_STR(s, "[\"10.0.0.0/8\",\"100.64.0.1/32\",\"127.0.0.0/8\",\"::1/128\"]");
    free(s);
    json_decref(j);
    blocklist_free(bl);

    /* /128 and /32 edges. */
    bl = blocklist_new();
    CHECK_INT(blocklist_allow(bl, "2001:db8::1/128", err, sizeof(err)), 0);
    CHECK_INT(blocklist_allow(bl, "192.0.2.1/32", err, sizeof(err)), 0);
    expect(bl, "2001:db8::1", NULL);
    expect(bl, "2001:db8::", "2001:db8::/32 (Documentation, RFC 3849)");
    expect(bl, "2001:db8::2", "2001:db8::/32 (Documentation, RFC 3849)");
    expect(bl, "192.0.2.1", NULL);
    expect(bl, "192.0.2.0", "192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737)");
    expect(bl, "192.0.2.2", "192.0.2.0/24 (Documentation (TEST-NET-1), RFC 5737)");
    blocklist_free(bl);

    /* /0: everything of the family; IPv6 forms carrying IPv4 follow the IPv4 allow. */
    bl = blocklist_new();
    CHECK_INT(blocklist_allow(bl, "0.0.0.0/0", err, sizeof(err)), 0);
    expect(bl, "0.0.0.0", NULL);
    expect(bl, "255.255.255.255", NULL);
    expect(bl, "::ffff:10.0.0.1", NULL);
    expect(bl, "fe80::1", "fe80::/10 (Link-Local Unicast, RFC 4291)");
    CHECK_INT(blocklist_allow(bl, "::/0", err, sizeof(err)), 0);
    expect(bl, "fe80::1", NULL);
    expect(bl, "::", NULL);
    blocklist_free(bl);
}

TEST(blocklist_files)
{
    char err[256];
    struct blocklist *bl = blocklist_new();
    const char *optout = "# opt-out requests\n"
                         "\n"
                         "198.51.100.0/24   # TEST-NET-2: the default list has it too\n"
                         "  8.8.8.0/24\r\n"
                         "2001:4860::/32\t# a whole provider\n"
                         "8.8.8.8\n"
                         "\t \n";
    CHECK_INT(read_text(bl, optout, "optout.txt", err, sizeof(err)), 0);
    CHECK_INT(blocklist_allow(bl, "8.0.0.0/8", err, sizeof(err)), 0); /* never lifts a file range */
    expect(bl, "8.8.8.8", "8.8.8.0/24 (--blocklist optout.txt line 4)"); /* its /32 folded in */
    expect(bl, "8.8.8.255", "8.8.8.0/24 (--blocklist optout.txt line 4)");
    expect(bl, "8.8.9.0", NULL);
    expect(bl, "8.8.7.255", NULL);
    expect(bl, "8.8.4.4", NULL);
    expect(bl, "198.51.100.7", "198.51.100.0/24 (--blocklist optout.txt line 3)"); /* the file first */
    expect(bl, "2001:4860:4860::8888", "2001:4860::/32 (--blocklist optout.txt line 5)");
    expect(bl, "2001:4861::", NULL);
    /* The IPv4 address inside an IPv6 form meets the operator's ranges too, --allow or not. */
    expect(bl, "::ffff:8.8.8.8", "8.8.8.0/24 (--blocklist optout.txt line 4)" MAPPED);
    expect(bl, "2002:808:808::", "8.8.8.0/24 (--blocklist optout.txt line 4) via 2002::/16 (6to4, RFC 3056)");
    CHECK_INT(blocklist_allow(bl, "::/0", err, sizeof(err)), 0);
    expect(bl, "64:ff9b::808:808", "8.8.8.0/24 (--blocklist optout.txt line 4) via 64:ff9b::/96 (IPv4-IPv6 Translat., RFC 6052)");

    /* A second file adds to the first; /0 blocks a whole family. */
    CHECK_INT(read_text(bl, "::/0\n", "all-v6", err, sizeof(err)), 0);
    expect(bl, "2a00:1450:4001:80b::201a", "::/0 (--blocklist all-v6 line 1)");
    expect(bl, "1.1.1.1", NULL);

    json_t *j = blocklist_json(bl);
    char *s = json_dumps(json_object_get(j, "files"), JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "[{\"file\":\"optout.txt\",\"line\":4,\"range\":\"8.8.8.0/24\"},"
                 "{\"file\":\"optout.txt\",\"line\":3,\"range\":\"198.51.100.0/24\"},"
                 "{\"file\":\"all-v6\",\"line\":1,\"range\":\"::/0\"}]");
    free(s);
    size_t n;
    blocklist_defaults(&n);
    CHECK_INT(json_array_size(json_object_get(j, "default")), n);
    s = json_dumps(json_array_get(json_object_get(j, "default"), 0), JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "{\"embedded\":false,\"name\":\"\\\"This network\\\"\",\"range\":\"0.0.0.0/8\","
                 "\"rfc\":\"RFC 791, Section 3.2\"}");
    free(s);
    json_decref(j);
    blocklist_free(bl);
}

TEST(blocklist_bad_cidrs_and_lines)
{
    static const char *const bad[][2] = {
        {"", "is not an IP address"},
        {"/", "is not an IP address"},
        {"/8", "is not an IP address"},
        {"10.0.0.0/", "prefix length after / must be 0-32"},
        {"10.0.0.0/33", "prefix length after / must be 0-32"},
        {"::/129", "prefix length after / must be 0-128"},
        {"10.0.0.0/8/8", "prefix length"},
        {"10.0.0.0/-1", "prefix length"},
        {"10.0.0.0/+8", "prefix length"},
        {"10.0.0.0/ 8", "prefix length"},
        {"10.0.0.0/8 ", "prefix length"},
        {"10.0.0.0/0008", "prefix length"},
        {"10.0.0", "is not an IP address"},
        {"1.2.3.4.5", "is not an IP address"},
        {"fe80::1%lo", "is not an IP address"},
        {"example.com", "is not an IP address"},
        {"10.1.0.0/8", "\"10.1.0.0/8\" has bits set after its /8 prefix (the range is 10.0.0.0/8)"},
        {"0.0.0.1/0", "(the range is 0.0.0.0/0)"},
        {"::1/0", "(the range is ::/0)"},
        {"2001:db8::1/127", "(the range is 2001:db8::/127)"},
        {"::ffff:10.0.0.0/8", "(the range is ::/8)"},
    };
    char err[256];
    struct blocklist_cidr c;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        int rc = blocklist_parse_cidr(bad[i][0], &c, err, sizeof(err));
        if (rc != -1 || !strstr(err, bad[i][1])) {
            fprintf(stderr, "  \"%s\": rc %d \"%s\", expected an error with \"%s\"\n", bad[i][0], rc, err,
                    bad[i][1]);
            test_failed_checks++;
        }
    }
    /* Good ones, and their text. */
    static const char *const good[][2] = {
        {"0.0.0.0/0", "0.0.0.0/0"}, {"::/0", "::/0"}, {"10.0.0.0/8", "10.0.0.0/8"},
        {"8.8.8.8", "8.8.8.8/32"}, {"::1", "::1/128"}, {"2001:DB8::/32", "2001:db8::/32"},
        {"255.255.255.255/32", "255.255.255.255/32"}, {"::ffff:0:0/96", "::ffff:0.0.0.0/96"},
        {"10.0.0.0/08", "10.0.0.0/8"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char s[BLOCKLIST_CIDR_STR_MAX];
        CHECK_INT(blocklist_parse_cidr(good[i][0], &c, err, sizeof(err)), 0);
        blocklist_cidr_str(&c, s, sizeof(s));
        CHECK_STR(s, good[i][1]);
    }

    /* A bad line: named by file and line, and nothing of that file is used. */
    struct blocklist *bl = blocklist_new();
    CHECK_INT(read_text(bl, "8.8.8.0/24\n# fine so far\n8.8.4.0/33\n1.1.1.1\n", "list.txt", err, sizeof(err)), -1);
    CHECK_STR(err, "list.txt line 3: \"8.8.4.0/33\": the prefix length after / must be 0-32");
    expect(bl, "8.8.8.8", NULL);
    CHECK_INT(read_text(bl, "10.0.0.0/8 extra words\n", "x", err, sizeof(err)), -1);
    CHECK(strstr(err, "x line 1: ") == err);
    CHECK_INT(read_text(bl, "1.1.1.1\n2.2.2.2/8\n", "y", err, sizeof(err)), -1);
    CHECK_STR(err, "y line 2: \"2.2.2.2/8\" has bits set after its /8 prefix (the range is 2.0.0.0/8)");
    static const char nul[] = "1.1.1.1\n1.1.\0001.2\n";
    FILE *f = fmemopen((void *)nul, sizeof(nul) - 1, "r");
    CHECK_INT(blocklist_read(bl, f, "z", err, sizeof(err)), -1);
    fclose(f);
    CHECK_STR(err, "z line 2: a NUL byte");
    expect(bl, "1.1.1.1", NULL);
    json_t *j = blocklist_json(bl);
    CHECK_INT(json_array_size(json_object_get(j, "files")), 0);
    json_decref(j);
    /* An empty file and one of comments only add nothing, and are fine. */
    CHECK_INT(read_text(bl, "", "empty", err, sizeof(err)), 0);
    CHECK_INT(read_text(bl, "# nothing\n\n   # still nothing", "comments", err, sizeof(err)), 0);
    expect(bl, "1.1.1.1", NULL);
    /* A bad --allow. */
    CHECK_INT(blocklist_allow(bl, "10.0.0.1/8", err, sizeof(err)), -1);
    CHECK_STR(err, "\"10.0.0.1/8\" has bits set after its /8 prefix (the range is 10.0.0.0/8)");
    blocklist_free(bl);
}

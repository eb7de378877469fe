/* blocklist: see blocklist.h. */
#include "blocklist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/text.h"
#include "core/util.h"

/* ------------------------------------------------------------------ the default list */

/* IANA IPv4 Special-Purpose Address Registry and IANA IPv6 Special-Purpose Address Registry
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/,
 * https://www.iana.org/assignments/iana-ipv6-special-registry/), every entry with the
 * registry's name and RFC, as of 2025; then what they leave out. A range inside another keeps
 * its own row: the most specific names the reason. */
static const struct blocklist_entry defaults[] = {
    /* IPv4 Special-Purpose Address Registry */
    {"0.0.0.0/8", "\"This network\"", "RFC 791, Section 3.2", BLOCKLIST_EMBED_NONE},
    {"0.0.0.0/32", "\"This host on this network\"", "RFC 1122, Section 3.2.1.3", BLOCKLIST_EMBED_NONE},
    {"10.0.0.0/8", "Private-Use", "RFC 1918", BLOCKLIST_EMBED_NONE},
    {"100.64.0.0/10", "Shared Address Space", "RFC 6598", BLOCKLIST_EMBED_NONE},
    {"127.0.0.0/8", "Loopback", "RFC 1122, Section 3.2.1.3", BLOCKLIST_EMBED_NONE},
    {"169.254.0.0/16", "Link Local", "RFC 3927", BLOCKLIST_EMBED_NONE},
    {"172.16.0.0/12", "Private-Use", "RFC 1918", BLOCKLIST_EMBED_NONE},
    {"192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890, Section 2.1", BLOCKLIST_EMBED_NONE},
    {"192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", BLOCKLIST_EMBED_NONE},
    {"192.0.0.8/32", "IPv4 dummy address", "RFC 7600", BLOCKLIST_EMBED_NONE},
    {"192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", BLOCKLIST_EMBED_NONE},
    {"192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", BLOCKLIST_EMBED_NONE},
    {"192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050, Section 2.2", BLOCKLIST_EMBED_NONE},
    {"192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050, Section 2.2", BLOCKLIST_EMBED_NONE},
    {"192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", BLOCKLIST_EMBED_NONE},
    {"192.31.196.0/24", "AS112-v4", "RFC 7535", BLOCKLIST_EMBED_NONE},
    {"192.52.193.0/24", "AMT", "RFC 7450", BLOCKLIST_EMBED_NONE},
    {"192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", BLOCKLIST_EMBED_NONE},
    {"192.88.99.2/32", "6a44-relay anycast address", "RFC 6751", BLOCKLIST_EMBED_NONE},
    {"192.168.0.0/16", "Private-Use", "RFC 1918", BLOCKLIST_EMBED_NONE},
    {"192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", BLOCKLIST_EMBED_NONE},
    {"198.18.0.0/15", "Benchmarking", "RFC 2544", BLOCKLIST_EMBED_NONE},
    {"198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", BLOCKLIST_EMBED_NONE},
    {"203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", BLOCKLIST_EMBED_NONE},
    {"240.0.0.0/4", "Reserved", "RFC 1112, Section 4", BLOCKLIST_EMBED_NONE},
    {"255.255.255.255/32", "Limited Broadcast", "RFC 8190, RFC 919, Section 7", BLOCKLIST_EMBED_NONE},
    /* IPv4 Multicast Address Space Registry: no SMTP server is a group. */
    {"224.0.0.0/4", "Multicast", "RFC 5771", BLOCKLIST_EMBED_NONE},
    /* IPv6 Special-Purpose Address Registry */
    {"::1/128", "Loopback Address", "RFC 4291", BLOCKLIST_EMBED_NONE},
    {"::/128", "Unspecified Address", "RFC 4291", BLOCKLIST_EMBED_NONE},
    {"::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", BLOCKLIST_EMBED_LOW32},
    {"64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", BLOCKLIST_EMBED_LOW32},
    /* The local-use translation prefix (RFC 8215) is not globally reachable, whatever IPv4
     * address its operator maps it to: blocked as a whole. */
    {"64:ff9b:1::/48", "IPv4-IPv6 Translat.", "RFC 8215", BLOCKLIST_EMBED_NONE},
    {"100::/64", "Discard-Only Address Block", "RFC 6666", BLOCKLIST_EMBED_NONE},
    {"100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", BLOCKLIST_EMBED_NONE},
    {"2001::/23", "IETF Protocol Assignments", "RFC 2928", BLOCKLIST_EMBED_NONE},
    {"2001::/32", "TEREDO", "RFC 4380, RFC 8190", BLOCKLIST_EMBED_TEREDO},
    {"2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", BLOCKLIST_EMBED_NONE},
    {"2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", BLOCKLIST_EMBED_NONE},
    {"2001:1::3/128", "DNS-SD Service Registration Protocol Anycast Address", "RFC 9665", BLOCKLIST_EMBED_NONE},
    {"2001:2::/48", "Benchmarking", "RFC 5180, RFC Errata 1752", BLOCKLIST_EMBED_NONE},
    {"2001:3::/32", "AMT", "RFC 7450", BLOCKLIST_EMBED_NONE},
    {"2001:4:112::/48", "AS112-v6", "RFC 7535", BLOCKLIST_EMBED_NONE},
    {"2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", BLOCKLIST_EMBED_NONE},
    {"2001:20::/28", "ORCHIDv2", "RFC 7343", BLOCKLIST_EMBED_NONE},
    {"2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", BLOCKLIST_EMBED_NONE},
    {"2001:db8::/32", "Documentation", "RFC 3849", BLOCKLIST_EMBED_NONE},
    {"2002::/16", "6to4", "RFC 3056", BLOCKLIST_EMBED_6TO4},
    {"2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", BLOCKLIST_EMBED_NONE},
    {"3fff::/20", "Documentation", "RFC 9637", BLOCKLIST_EMBED_NONE},
    {"5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", BLOCKLIST_EMBED_NONE},
    {"fc00::/7", "Unique-Local", "RFC 4193, RFC 8190", BLOCKLIST_EMBED_NONE},
    {"fe80::/10", "Link-Local Unicast", "RFC 4291", BLOCKLIST_EMBED_NONE},
    /* Not in the IPv6 registry: multicast (no SMTP server is a group), and the deprecated
     * IPv4-compatible addresses, which no router forwards (so the IPv4 address inside means
     * nothing) and which hold :: and ::1. */
    {"ff00::/8", "Multicast", "RFC 4291, Section 2.7", BLOCKLIST_EMBED_NONE},
    {"::/96", "IPv4-Compatible IPv6 Address (deprecated)", "RFC 4291, Section 2.5.5.1", BLOCKLIST_EMBED_NONE},
};

enum { NDEFAULTS = ARRAY_LEN(defaults) };

const struct blocklist_entry *blocklist_defaults(size_t *n)
{
    *n = NDEFAULTS;
    return defaults;
}

/* ------------------------------------------------------------------ CIDRs */

static int fam_bits(int family)
{
    return family == AF_INET ? 32 : 128;
}

static int fam_octets(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* a lies in c (a is an address of c's family). */
static int cidr_holds(const struct blocklist_cidr *c, const unsigned char *a)
{
    int full = c->len / 8, rem = c->len % 8;
    if (memcmp(c->addr, a, (size_t)full) != 0)
        return 0;
    if (rem == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rem));
    return (c->addr[full] & mask) == (a[full] & mask);
}

void blocklist_cidr_str(const struct blocklist_cidr *c, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop(c->family, c->addr, ip, sizeof(ip)))
        snprintf(ip, sizeof(ip), "?");
    snprintf(buf, len, "%s/%d", ip, c->len);
}

int blocklist_parse_cidr(const char *s, struct blocklist_cidr *c, char *err, size_t errlen)
{
    char ip[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t iplen = slash ? (size_t)(slash - s) : strlen(s);
    memset(c, 0, sizeof(*c));
    if (iplen == 0 || iplen >= sizeof(ip)) {
        snprintf(err, errlen, "\"%.60s\" is not an IP address or CIDR range (ADDR/LEN)", s);
        return -1;
    }
    memcpy(ip, s, iplen);
    ip[iplen] = '\0';
    if (inet_pton(AF_INET, ip, c->addr) == 1)
        c->family = AF_INET;
    else if (inet_pton(AF_INET6, ip, c->addr) == 1)
        c->family = AF_INET6;
    else {
        snprintf(err, errlen, "\"%.60s\" is not an IP address or CIDR range (ADDR/LEN)", s);
        return -1;
    }
    int max = fam_bits(c->family);
    c->len = max;
    if (slash) {
        const char *p = slash + 1;
        size_t nd = strlen(p);
        int ok = nd >= 1 && nd <= 3;
        for (size_t i = 0; ok && i < nd; i++)
            ok = isdigit((unsigned char)p[i]) != 0;
        if (!ok || atoi(p) > max) {
            snprintf(err, errlen, "\"%.60s\": the prefix length after / must be 0-%d", s, max);
            return -1;
        }
        c->len = atoi(p);
    }
    struct blocklist_cidr net = *c;
    int full = c->len / 8, rem = c->len % 8;
    if (rem)
        net.addr[full++] &= (unsigned char)(0xff << (8 - rem));
    memset(net.addr + full, 0, (size_t)(fam_octets(c->family) - full));
    if (memcmp(net.addr, c->addr, sizeof(c->addr)) != 0) {
        char want[BLOCKLIST_CIDR_STR_MAX];
        blocklist_cidr_str(&net, want, sizeof(want));
        snprintf(err, errlen, "\"%s\" has bits set after its /%d prefix (the range is %s)", s, c->len,
                 want);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the operator's ranges */

struct urange {
    struct blocklist_cidr c;
    const char *file; /* --blocklist ranges: the file (owned by the blocklist) and line */
    unsigned long line;
};

/* Ranges of one family, sorted by address and disjoint: a range inside another is folded into
 * it, so the one that can hold an address is the last that starts at or before it. */
struct rset {
    struct urange *v;
    size_t n, cap;
};

static void rset_add(struct rset *s, const struct urange *r)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = *r;
}

static int urange_cmp(const void *a, const void *b)
{
    const struct urange *x = a, *y = b;
    int c = memcmp(x->c.addr, y->c.addr, sizeof(x->c.addr));
    if (c)
        return c;
    if (x->c.len != y->c.len)
        return x->c.len < y->c.len ? -1 : 1;
    /* The same range twice: the earliest line names it. */
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts, then folds ranges inside an earlier one into it (CIDRs nest or are disjoint, so a
 * range inside any kept one is inside the last kept one). */
static void rset_settle(struct rset *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof(*s->v), urange_cmp);
    size_t k = 0;
    for (size_t i = 1; i < s->n; i++)
        if (!cidr_holds(&s->v[k].c, s->v[i].c.addr))
            s->v[++k] = s->v[i];
    s->n = k + 1;
}

static const struct urange *rset_find(const struct rset *s, const unsigned char *a, int octets)
{
    size_t lo = 0, hi = s->n; /* the last range starting at or before a is v[lo - 1] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(s->v[mid].c.addr, a, (size_t)octets) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && cidr_holds(&s->v[lo - 1].c, a) ? &s->v[lo - 1] : NULL;
}

/* ------------------------------------------------------------------ the blocklist */

struct blocklist {
    struct blocklist_cidr def[NDEFAULTS]; /* defaults[], parsed */
    struct rset files[2], allow[2];       /* [0] IPv4, [1] IPv6 */
    char **names;                          /* the --blocklist files' names */
    size_t nnames;
};

static int fam_index(int family)
{
    return family == AF_INET6;
}

static void blocklist_init(struct blocklist *bl)
{
    memset(bl, 0, sizeof(*bl));
    char err[160];
    for (size_t i = 0; i < NDEFAULTS; i++)
        if (blocklist_parse_cidr(defaults[i].range, &bl->def[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "mxsurvey: default blocklist: %s\n", err); /* a bug of the table */
            abort();
        }
}

static void blocklist_clear(struct blocklist *bl)
{
    for (int f = 0; f < 2; f++) {
        free(bl->files[f].v);
        free(bl->allow[f].v);
    }
    for (size_t i = 0; i < bl->nnames; i++)
        free(bl->names[i]);
    free(bl->names);
}

struct blocklist *blocklist_new(void)
{
    struct blocklist *bl = xmalloc(sizeof(*bl));
    blocklist_init(bl);
    return bl;
}

void blocklist_free(struct blocklist *bl)
{
    if (!bl)
        return;
    blocklist_clear(bl);
    free(bl);
}

int blocklist_allow(struct blocklist *bl, const char *cidr, char *err, size_t errlen)
{
    struct urange r = {0};
    if (blocklist_parse_cidr(cidr, &r.c, err, errlen) < 0)
        return -1;
    struct rset *s = &bl->allow[fam_index(r.c.family)];
    rset_add(s, &r);
    rset_settle(s);
    return 0;
}

int blocklist_read(struct blocklist *bl, FILE *f, const char *name, char *err, size_t errlen)
{
    char *owned = xstrdup(name);
    struct rset got[2] = {{0}};
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    ssize_t n;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char why[200];
        if (memchr(line, '\0', (size_t)n)) {
            snprintf(err, errlen, "%s line %lu: a NUL byte", name, lineno);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line, *end = line + strlen(line);
        while (*p == ' ' || *p == '\t')
            p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
            *--end = '\0';
        if (!*p)
            continue;
        struct urange r = {.file = owned, .line = lineno};
        if (blocklist_parse_cidr(p, &r.c, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s line %lu: %s", name, lineno, why);
            rc = -1;
            break;
        }
        rset_add(&got[fam_index(r.c.family)], &r);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno ? errno : EIO));
        rc = -1;
    }
    free(line);
    if (rc == 0) {
        for (int i = 0; i < 2; i++) {
            for (size_t k = 0; k < got[i].n; k++)
                rset_add(&bl->files[i], &got[i].v[k]);
            rset_settle(&bl->files[i]);
        }
        bl->names = xrealloc(bl->names, (bl->nnames + 1) * sizeof(*bl->names));
        bl->names[bl->nnames++] = owned;
    } else {
        free(owned);
    }
    free(got[0].v);
    free(got[1].v);
    return rc;
}

/* ------------------------------------------------------------------ judging an address */

/* The most specific default range holding a, or -1. */
static long longest_default(const struct blocklist *bl, int family, const unsigned char *a)
{
    long best = -1;
    for (size_t i = 0; i < NDEFAULTS; i++)
        if (bl->def[i].family == family && cidr_holds(&bl->def[i], a) &&
            (best < 0 || bl->def[i].len > bl->def[best].len))
            best = (long)i;
    return best;
}

/* The IPv4 address an IPv6 form carries (the entry's embed says where). */
static void embedded_v4(enum blocklist_embed how, const unsigned char *a6, unsigned char v4[4])
{
    switch (how) {
    case BLOCKLIST_EMBED_6TO4:
        memcpy(v4, a6 + 2, 4);
        break;
    case BLOCKLIST_EMBED_TEREDO:
        for (int i = 0; i < 4; i++)
            v4[i] = (unsigned char)~a6[12 + i];
        break;
    default:
        memcpy(v4, a6 + 12, 4);
        break;
    }
}

static int blocked_by_file(struct blocklist_verdict *v, const struct urange *r,
                           const struct blocklist_entry *via)
{
    v->blocked = 1;
    v->range = r->c;
    v->file = r->file;
    v->line = r->line;
    v->via = via;
    return 1;
}

static int blocked_by_entry(const struct blocklist *bl, struct blocklist_verdict *v, long i,
                            const struct blocklist_entry *via)
{
    v->blocked = 1;
    v->range = bl->def[i];
    v->entry = &defaults[i];
    v->via = via;
    return 1;
}

static int judge(const struct blocklist *bl, int family, const unsigned char *a,
                 struct blocklist_verdict *v)
{
    int fi = fam_index(family), octets = fam_octets(family);
    const struct urange *r = rset_find(&bl->files[fi], a, octets);
    if (r)
        return blocked_by_file(v, r, NULL);
    long e = longest_default(bl, family, a);
    const struct blocklist_entry *via = e >= 0 && defaults[e].embed ? &defaults[e] : NULL;
    unsigned char v4[4];
    if (via) {
        embedded_v4(via->embed, a, v4);
        if ((r = rset_find(&bl->files[0], v4, 4)) != NULL)
            return blocked_by_file(v, r, via);
    }
    if (rset_find(&bl->allow[fi], a, octets) || e < 0)
        return 0;
    if (!via)
        return blocked_by_entry(bl, v, e, NULL);
    if (rset_find(&bl->allow[0], v4, 4))
        return 0;
    long e4 = longest_default(bl, AF_INET, v4);
    return e4 >= 0 ? blocked_by_entry(bl, v, e4, via) : 0;
}

int blocklist_check(const struct blocklist *bl, const char *ip, struct blocklist_verdict *v)
{
    memset(v, 0, sizeof(*v));
    unsigned char a[16] = {0};
    int family = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6 : 0;
    if (!family) {
        v->blocked = 1;
        return -1;
    }
    if (bl)
        return judge(bl, family, a, v);
    /* The default list alone, for callers without one (slow: parses the table each time). */
    struct blocklist def;
    blocklist_init(&def);
    int rc = judge(&def, family, a, v);
    /* v->entry points into the static table, never into def. */
    blocklist_clear(&def);
    return rc;
}

/* A default entry in the registry's own words (its range as the table writes it:
 * "::ffff:0:0/96", not inet_ntop's "::ffff:0.0.0.0/96"), or the operator's line. */
static void describe(const struct blocklist_verdict *v, const struct blocklist_entry *e, char *buf,
                     size_t len)
{
    char r[BLOCKLIST_CIDR_STR_MAX];
    if (e) {
        snprintf(buf, len, "%s (%s, %s)", e->range, e->name, e->rfc);
        return;
    }
    blocklist_cidr_str(&v->range, r, sizeof(r));
    snprintf(buf, len, "%s (--blocklist %s line %lu)", r, v->file ? v->file : "?", v->line);
}

void blocklist_reason(const struct blocklist_verdict *v, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (!v->blocked)
        return;
    if (!v->range.family) {
        snprintf(buf, len, "not an IP address");
        return;
    }
    char what[4400], via[320] = "";
    describe(v, v->entry, what, sizeof(what));
    if (v->via)
        describe(v, v->via, via, sizeof(via));
    snprintf(buf, len, "%s%s%s", what, via[0] ? " via " : "", via);
}

/* ------------------------------------------------------------------ run.json */

json_t *blocklist_json(const struct blocklist *bl)
{
    json_t *o = json_object(), *def = json_array(), *files = json_array(), *allow = json_array();
    char r[BLOCKLIST_CIDR_STR_MAX];
    for (size_t i = 0; i < NDEFAULTS; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "range", json_string(defaults[i].range));
        json_object_set_new(e, "name", json_string(defaults[i].name));
        json_object_set_new(e, "rfc", json_string(defaults[i].rfc));
        json_object_set_new(e, "embedded", json_boolean(defaults[i].embed != BLOCKLIST_EMBED_NONE));
        json_array_append_new(def, e);
    }
    for (int f = 0; bl && f < 2; f++) {
        for (size_t i = 0; i < bl->files[f].n; i++) {
            const struct urange *u = &bl->files[f].v[i];
            json_t *e = json_object();
            blocklist_cidr_str(&u->c, r, sizeof(r));
            json_object_set_new(e, "range", json_string(r));
            /* The name as the user gave it, any octets: in text.h's notation. */
            char *name = text_escape_str(u->file);
            json_object_set_new(e, "file", json_string(name));
            free(name);
            json_object_set_new(e, "line", json_integer((json_int_t)u->line));
            json_array_append_new(files, e);
        }
        for (size_t i = 0; i < bl->allow[f].n; i++) {
            blocklist_cidr_str(&bl->allow[f].v[i].c, r, sizeof(r));
            json_array_append_new(allow, json_string(r));
        }
    }
    json_object_set_new(o, "default", def);
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "allow", allow);
    return o;
}

/* blocklist: the addresses the scanner must never probe, pure (no I/O but the stream a caller
 * hands to blocklist_read).
 *
 * An MX or A/AAAA record can name any address, and a domain owner chooses what it names:
 * 0.0.0.0 and :: reach the scanning host's own services on Linux, 169.254.169.254 is the cloud
 * metadata service, RFC 1918 and CGNAT ranges are the scanner's own network. So by default the
 * scanner probes none of the special-purpose ranges: every entry of IANA's IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890 and the RFCs since), plus IPv4 multicast
 * (224.0.0.0/4), IPv6 multicast (ff00::/8) and the deprecated IPv4-compatible IPv6 addresses
 * (::/96), loopback included. IPv6 forms that carry an IPv4 address a connection would reach
 * (IPv4-mapped ::ffff:0:0/96, the NAT64 well-known prefix 64:ff9b::/96, 6to4 2002::/16 and
 * Teredo 2001::/32) are judged by that IPv4 address instead: ::ffff:10.0.0.1 is blocked as
 * 10.0.0.1 is, 64:ff9b::808:808 is probed as 8.8.8.8 would be.
 *
 * The operator adds ranges (--blocklist FILE, zmap's format: one CIDR or address a line, `#`
 * comments, blank lines: for opt-out requests) and exempts ranges of the default list
 * (--allow CIDR: the local test world on loopback). An address is judged, in this order:
 *   1. in a --blocklist range (itself, or the IPv4 address an IPv6 form above carries): blocked;
 *   2. in an --allow range: probed;
 *   3. by the most specific default range holding it: blocked, or for the IPv6 forms above,
 *      by the IPv4 address inside (its --allow ranges, then the default list);
 *   4. otherwise probed.
 * So --allow never lifts an operator's --blocklist entry, and the most specific registry entry
 * names the reason (0.0.0.0 is "This host on this network", 0.0.0.1 "This network").
 *
 * Ownership: a struct blocklist belongs to its creator (blocklist_new / blocklist_free); the
 * verdicts point into it and into the static table. Lookups cost a scan of the short default
 * table and a binary search of the operator's ranges, whatever their number. */
#ifndef MXS_BLOCKLIST_H
#define MXS_BLOCKLIST_H
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* How a default range is judged. */
enum blocklist_embed {
    BLOCKLIST_EMBED_NONE,   /* the range itself is blocked */
    BLOCKLIST_EMBED_LOW32,  /* IPv4-mapped, NAT64 well-known prefix: the last 32 bits (RFC 4291
                               2.5.5.2, RFC 6052 2.2 for a /96) */
    BLOCKLIST_EMBED_6TO4,   /* 2002:V4ADDR::/48: bits 16-47 (RFC 3056 2) */
    BLOCKLIST_EMBED_TEREDO, /* 2001:0:SERVER:FLAGS:PORT:CLIENT: the client's public address, the
                               last 32 bits inverted (RFC 4380 4), where the packets go */
};

/* One range of the default list. */
struct blocklist_entry {
    const char *range; /* "10.0.0.0/8" */
    const char *name;  /* the registry's name: "Private-Use" */
    const char *rfc;   /* "RFC 1918" */
    enum blocklist_embed embed;
};

/* The default list, in table order (IPv4 registry, IPv4 multicast, IPv6 registry, the IPv6
 * extras); *n gets its length. */
const struct blocklist_entry *blocklist_defaults(size_t *n);

struct blocklist_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* the network address (IPv4 in the first 4 octets), host bits 0 */
    int len;                /* prefix length: 0-32, 0-128 */
};

/* Room for any CIDR's text ("ffff:...:ffff/128") and NUL. */
#define BLOCKLIST_CIDR_STR_MAX 52

/* Parses "ADDR/LEN" or a bare address (a /32, a /128). Strict: no spaces, no IPv6 scope, a
 * length of 1-3 digits within the family's, no bit set after the prefix (10.1.0.0/8 is an
 * error that names 10.0.0.0/8, since it is more likely a typo than a wish). Returns 0, or -1
 * with why in err. */
int blocklist_parse_cidr(const char *s, struct blocklist_cidr *c, char *err, size_t errlen);
/* The CIDR as text, in inet_ntop's form: "10.0.0.0/8", "::ffff:0:0/96". */
void blocklist_cidr_str(const struct blocklist_cidr *c, char *buf, size_t len);

struct blocklist;

/* The default list, nothing allowed, no file. */
struct blocklist *blocklist_new(void);
void blocklist_free(struct blocklist *bl); /* NULL is fine */
/* --allow CIDR. Returns 0, or -1 with why in err ("--allow" is the caller's to add). */
int blocklist_allow(struct blocklist *bl, const char *cidr, char *err, size_t errlen);
/* --blocklist FILE: every line of f, where `#` starts a comment, blank lines are skipped, and
 * anything else must be one CIDR or address with spaces around it at most. name is the file
 * as the user gave it, for messages and reasons. Returns 0, or -1 with "NAME line N: why" in
 * err and nothing of the file added. */
int blocklist_read(struct blocklist *bl, FILE *f, const char *name, char *err, size_t errlen);

/* Why an address is blocked: the range that blocks it (a default entry or an operator's line),
 * and, for an IPv4 address carried by an IPv6 form, that form's entry. Borrowed pointers. */
struct blocklist_verdict {
    int blocked;
    struct blocklist_cidr range;           /* the range that blocks */
    const struct blocklist_entry *entry;   /* its default entry; NULL for a --blocklist line */
    const char *file;                      /* the --blocklist file, and its line */
    unsigned long line;
    const struct blocklist_entry *via;     /* the IPv6 form the IPv4 address was read from */
};

/* Judges ip (an IPv4 or IPv6 literal); bl NULL is the default list alone. Returns 1 blocked, 0
 * not, -1 when ip is no address (then v says blocked too: what cannot be read is not probed). */
int blocklist_check(const struct blocklist *bl, const char *ip, struct blocklist_verdict *v);
/* v's reason in words: "10.0.0.0/8 (Private-Use, RFC 1918)", "10.0.0.0/8 (Private-Use,
 * RFC 1918) via ::ffff:0:0/96 (IPv4-mapped Address, RFC 4291)", "198.51.100.0/24 (--blocklist
 * optout.txt line 3)", "not an IP address". */
void blocklist_reason(const struct blocklist_verdict *v, char *buf, size_t len);

/* The effective lists for run.json: {"default": [{range, name, rfc, embedded}], "files":
 * [{range, file, line}], "allow": [CIDR]}, the last two sorted, ranges inside another of the
 * same list folded into it. */
json_t *blocklist_json(const struct blocklist *bl);

#endif

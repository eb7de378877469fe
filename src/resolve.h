/* resolve: per-domain mail routing resolution on top of dns.c, and a name cache.
 *
 * For a domain: ask MX (following CNAMEs), then classify — NXDOMAIN; DNS error; null MX
 * (RFC 7505); no MX, in which case the domain itself is the implicit MX if it has addresses
 * (RFC 5321 §5.1); or MX hosts, each then resolved to A (and AAAA) addresses. For an address:
 * its PTR name. Addresses and PTR names go through a cache: each (name, type) is asked once
 * per resolver however many domains share it — concurrent requests wait on the one query in
 * flight, later ones are answered from the cache (never evicted: memory grows with the
 * number of distinct MX hosts and addresses, not with the number of domains).
 *
 * Ownership: the resolver belongs to its creator (resolver_new / resolver_free) and borrows a
 * dns_client, which must outlive it. Every result handed to a callback belongs to the
 * callback, which frees it with resolve_result_free() / resolve_ptr_result_free().
 * Callbacks run exactly once per accepted request, always from the event loop, never from
 * inside resolve_domain() or resolve_ptr(). One resolver per event loop. */
#ifndef MXS_RESOLVE_H
#define MXS_RESOLVE_H
#include <ldns/ldns.h>
#include <uv.h>

#include "dns.h"

#define RESOLVE_MAX_CNAME 8 /* CNAMEs followed per lookup before giving up */

enum resolve_status {
    RESOLVE_OK,        /* domain: MX hosts found; PTR: a name found */
    RESOLVE_NXDOMAIN,  /* the name does not exist */
    RESOLVE_NO_MX,     /* domain exists, no MX records: see implicit_mx */
    RESOLVE_NULL_MX,   /* the domain says it accepts no mail (single "0 ." MX) */
    RESOLVE_NODATA,    /* PTR: the name exists but has no PTR record */
    RESOLVE_DNS_ERROR, /* SERVFAIL, REFUSED, other RCODEs, timeouts, CNAME loops: see error */
    RESOLVE_CANCELLED, /* resolver_free() came first */
};
/* "ok", "nxdomain", "no-mx", "null-mx", "nodata", "dns-error", "cancelled" */
const char *resolve_status_str(enum resolve_status st);

struct resolve_mx {
    char *host;    /* lowercase A-label, no trailing dot; "." for a root target mixed in
                      with other MX records (an invalid null MX), which is never looked up */
    unsigned pref;
    char **ips;    /* A addresses then AAAA addresses, each family in numeric order */
    int nips;
    int resolved;  /* nips > 0 */
    char *error;   /* NULL when resolved; else why: "NXDOMAIN", "no address records",
                      "A query: SERVFAIL", "A query: timeout", ... */
};

struct resolve_result {
    char *domain;
    enum resolve_status status;
    char *error;     /* RESOLVE_DNS_ERROR only: "MX query: SERVFAIL", "MX query: timeout",
                        "MX query: CNAME loop", "A query: REFUSED (implicit MX)", ... */
    int implicit_mx; /* RESOLVE_NO_MX and the domain has addresses: mx[0] is the domain
                        itself with preference 0. RESOLVE_NO_MX without addresses (nor an
                        error looking them up) has no MX entries at all. */
    struct resolve_mx *mx; /* RESOLVE_OK: sorted by preference, then host name */
    int nmx;
};
void resolve_result_free(struct resolve_result *res);

struct resolve_ptr_result {
    char *ip;
    enum resolve_status status; /* OK, NXDOMAIN, NODATA, DNS_ERROR or CANCELLED */
    char *name;  /* RESOLVE_OK: lowercase, no trailing dot (the first in name order when the
                    address has several); NULL otherwise */
    char *error; /* RESOLVE_DNS_ERROR: "PTR query: SERVFAIL", "not an IP address", ... */
};
void resolve_ptr_result_free(struct resolve_ptr_result *res);

typedef void (*resolve_cb)(void *arg, struct resolve_result *res);
typedef void (*resolve_ptr_cb)(void *arg, struct resolve_ptr_result *res);

struct resolve_opts {
    int want_aaaa; /* also ask AAAA for MX hosts and implicit MX */
};

struct resolve_stats {
    unsigned long domains, ptrs;                  /* requests accepted */
    unsigned long q_mx, q_a, q_aaaa, q_ptr;       /* DNS queries sent, by type (CNAME
                                                     re-queries included) */
    unsigned long cache_hits;                     /* answered from a finished entry */
    unsigned long coalesced;                      /* joined a query already in flight */
};

struct resolver;

/* dns is borrowed. opts NULL means defaults (no AAAA). */
struct resolver *resolver_new(uv_loop_t *loop, struct dns_client *dns,
                              const struct resolve_opts *opts);
/* domain: a normalised name (input_normalize()). Returns 0, or -1 when the resolver is
 * shutting down (then no callback comes). */
int resolve_domain(struct resolver *r, const char *domain, resolve_cb cb, void *arg);
/* ip: textual IPv4 or IPv6 address. Returns 0, or -1 when shutting down. */
int resolve_ptr(struct resolver *r, const char *ip, resolve_ptr_cb cb, void *arg);
/* Cancels what is in flight — every pending callback runs with RESOLVE_CANCELLED from inside
 * this call, and must not start new requests (they are refused) — frees the cache and closes
 * the resolver's handle; the memory goes in its close callback, so run the loop afterwards.
 * Free the resolver before its dns_client. NULL is fine. */
void resolver_free(struct resolver *r);
const struct resolve_stats *resolver_stats(const struct resolver *r);

/* ---- Pure answer handling: packets in, facts out, no I/O (exported for the unit tests) ---- */

enum answer_kind {
    ANSWER_RECORDS,  /* records of the type asked, at the end of any CNAME chain */
    ANSWER_NODATA,   /* NOERROR, the name has no records of the type */
    ANSWER_NXDOMAIN, /* RCODE NXDOMAIN (also when reached through CNAMEs) */
    ANSWER_CNAME,    /* the chain ends at a name the answer says nothing more about: ask it */
    ANSWER_ERROR,    /* another RCODE, a CNAME loop or an over-long chain */
};

struct answer_rr {
    char *str;     /* MX: host; A/AAAA: address; PTR: name. Names lowercase, no trailing dot,
                      the root as "." */
    unsigned pref; /* MX only */
};

struct answer {
    enum answer_kind kind;
    const char *error;    /* ANSWER_ERROR: static, "SERVFAIL", "REFUSED", "CNAME loop",
                             "CNAME chain too long", ... */
    char *target;         /* ANSWER_CNAME: the next name to ask */
    int hops;             /* CNAMEs followed inside this answer */
    struct answer_rr *rrs; /* ANSWER_RECORDS, in answer order (A/AAAA: numeric order) */
    int n;
};

/* Reads a reply to (qname, type): follows CNAMEs in the answer section from qname, at most
 * max_hops of them. Fills *out (release with resolve_answer_clear()). */
void resolve_parse_answer(const ldns_pkt *p, const char *qname, ldns_rr_type type, int max_hops,
                          struct answer *out);
void resolve_answer_clear(struct answer *a);

/* MX records (as parsed above) into a sorted MX list without addresses. Returns
 * RESOLVE_NULL_MX (and no list) for a lone "0 ." record, else RESOLVE_OK. */
enum resolve_status resolve_mx_list(const struct answer_rr *rrs, int n, struct resolve_mx **mx,
                                    int *nmx);

/* "192.0.2.1" → "1.2.0.192.in-addr.arpa"; IPv6 → nibbles under ip6.arpa. Returns 0, or -1
 * when ip is not an address. out needs 74 octets. */
int resolve_reverse_name(const char *ip, char *out, size_t outsz);

/* Lowercases a domain name in presentation format and drops its trailing dot, in place;
 * the root stays ".". */
void resolve_name_canon(char *name);

#endif

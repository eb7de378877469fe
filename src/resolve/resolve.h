/* resolve: per-domain mail routing resolution on top of dns.c, and a name cache.
 *
 * For a domain: ask MX (following CNAMEs), then classify — NXDOMAIN; DNS error; null MX
 * (RFC 7505); no MX, in which case the domain itself is the implicit MX if it has addresses
 * (RFC 5321 §5.1); or MX hosts, each then resolved to A (and AAAA) addresses. For an address:
 * its PTR name. Every (name, type) goes through a cache: concurrent requests wait on the one
 * query in flight, later ones are answered from the cache. Addresses and PTR names are never
 * evicted (memory grows with the number of distinct MX hosts and addresses, not with the
 * number of domains): each is asked once per resolver however many domains share it; so are
 * the MX hosts' TLSA records. A domain's MX answer (and with dnssec its two TXT answers) is
 * kept among the RESOLVE_MX_CACHE most recently used ones (one per domain, so bounded): a
 * domain listed again is asked again only when that many other domains were looked up in
 * between.
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

#include "answer.h"
#include "dns.h"
#include "resolve_result.h"

typedef void (*resolve_cb)(void *arg, struct resolve_result *res);
typedef void (*resolve_ptr_cb)(void *arg, struct resolve_ptr_result *res);

/* Finished MX answers kept (see above): about 200 octets each; with dnssec the domains' TXT
 * answers count in the same bound (three entries a domain). */
#define RESOLVE_MX_CACHE 16384

/* Caps (a domain owner chooses how many MX records and addresses a scan spends work on): at
 * most max_mx MX hosts of a domain are kept, the first in the sorted list (lowest preference;
 * ties by host name, so that every run keeps the same ones, whatever order the resolver
 * rotates records into), and only those are looked up; of each host's addresses (and of an
 * implicit MX's), at most max_addrs are kept, the first of each family in numeric order: with
 * share_families (both families probed) split between them, half each (A the larger half of
 * an odd cap), a family with fewer leaving the rest to the other; without it, up to max_addrs
 * of each family. 0: no cap. What is cut is counted in the result (mx_cut, addrs_cut). */
struct resolve_opts {
    int want_aaaa; /* also ask AAAA for MX hosts and implicit MX */
    int mx_cache;  /* MX answers kept; 0: RESOLVE_MX_CACHE */
    int max_mx;
    int max_addrs;
    int share_families;
    /* What a policy-enforcing sender asks (RFC 7672, RFC 8461, RFC 8460): the queries carry
     * the DO bit and every outcome its DNSSEC state (resolve_result.h); a domain's MX query
     * goes with TXT queries for _mta-sts.DOMAIN and _smtp._tls.DOMAIN, and each MX host whose
     * address records are secure gets a TLSA query at _tlsa_port._tcp.HOST (an implicit MX
     * too: the domain is the host). A SERVFAIL is asked again with CD (bogus?). Each query
     * asks DO itself (DNS_Q_DO), whatever the dns_client's dns_opts.dnssec. 0: none of it:
     * the queries are those of before, byte for byte. */
    int dnssec;
    int tlsa_port; /* <= 0: 25 */
};

struct resolve_stats {
    unsigned long domains, ptrs;                  /* requests accepted */
    unsigned long q_mx, q_a, q_aaaa, q_ptr;       /* DNS queries sent, by type (CNAME
                                                     re-queries included) */
    unsigned long q_txt, q_tlsa;                  /* resolve_opts.dnssec's TXT and TLSA */
    unsigned long q_cd;                           /* SERVFAILs asked again with CD (bogus?),
                                                     counted here only, not by type */
    unsigned long cache_hits;                     /* answered from a finished entry */
    unsigned long coalesced;                      /* joined a query already in flight */
    /* How the queries sent ended, for telling a healthy resolver from a failing one. An
     * answer is a reply with RCODE NOERROR (records or NODATA) or NXDOMAIN; a failure is any
     * other reply (SERVFAIL, REFUSED, ...: failed_rcode) or none at all after every try
     * (timeouts, network errors, only malformed replies: failed_noreply). With dnssec, a
     * SERVFAIL whose CD query is answered (bogus data: the resolver works) counts as answered,
     * like the CD query; otherwise both count as failures. Queries cancelled by
     * resolver_free() and names that could not be asked count in neither. */
    unsigned long answered, failed_rcode, failed_noreply;
};

struct resolver;

/* dns is borrowed. opts NULL means defaults (no AAAA). */
struct resolver *resolver_new(uv_loop_t *loop, struct dns_client *dns,
                              const struct resolve_opts *opts);
/* domain: a normalised name (input_normalize()). Returns 0, or -1 when the resolver is
 * shutting down (then no callback comes). */
int resolve_domain(struct resolver *r, const char *domain, resolve_cb cb, void *arg);
/* The addresses of one host name (A, and AAAA with want_aaaa; CNAMEs followed; through the
 * cache, capped by max_addrs as an MX host's): the MTA-STS policy host. The result's domain
 * is host; its status RESOLVE_OK, whatever the addresses, with one entry mx[0] {host, 0}
 * holding them (resolved) or why not (error, as an MX host's: "NXDOMAIN" when the name does
 * not exist, "no address records", "A query: SERVFAIL", "A query: SERVFAIL (DNSSEC bogus)",
 * "A query: timeout"), that entry's addr_dnssec, addrs_cut; no TLSA, no TXT. (NXDOMAIN is
 * not the result's status: the status speaks of a domain's mail route, and one place, the
 * entry, says why a host has no address.) RESOLVE_CANCELLED when shut down. Returns 0, or -1
 * when shutting down. */
int resolve_host(struct resolver *r, const char *host, resolve_cb cb, void *arg);
/* ip: textual IPv4 or IPv6 address. Returns 0, or -1 when shutting down. */
int resolve_ptr(struct resolver *r, const char *ip, resolve_ptr_cb cb, void *arg);
/* Cancels what is in flight — every pending callback runs with RESOLVE_CANCELLED from inside
 * this call, and must not start new requests (they are refused) — frees the cache and closes
 * the resolver's handle; the memory goes in its close callback, so run the loop afterwards.
 * Free the resolver before its dns_client. NULL is fine. */
void resolver_free(struct resolver *r);
const struct resolve_stats *resolver_stats(const struct resolver *r);

#endif

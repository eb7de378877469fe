/* dns: an asynchronous stub DNS client on libuv. Queries are written in wire form here (what
 * ldns would make of them: dns_query_wire), replies parsed by ldns; libuv carries them over
 * UDP, and over TCP when a UDP answer comes back truncated.
 *
 * It asks configured recursive resolvers (RD=1) one question at a time and hands back the
 * whole reply packet whatever its RCODE: interpreting NXDOMAIN or SERVFAIL is the caller's
 * business (resolve.c). Per query it defends against off-path spoofing the usual way: the
 * try goes out on a UDP socket whose source port the kernel picked at random, from a pool
 * whose sockets are shared by many queries and retired after DNS_POOL_SOCKET_USES of them
 * (dns_pool.h), under a random 16-bit ID from a per-client CSPRNG that is not in flight on
 * that socket; a reply must come from the server asked, carry the ID, and repeat the question
 * (name, type, class); anything else is ignored and the query keeps waiting.
 *
 * Ownership: the client belongs to its creator and is released with dns_client_free(); a
 * struct dns_query belongs to the client and is valid from dns_query() until its callback
 * starts. Reply packets are lent to the callback for the duration of the call.
 * One client per event loop; nothing here is shared between clients. */
#ifndef MXS_DNS_H
#define MXS_DNS_H
#include <ldns/ldns.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define DNS_MAX_SERVERS 8
#define DNS_EDNS_BUFSIZE 1232 /* DNS flag day 2020: fits the IPv6 minimum MTU unfragmented */
#define DNS_QUERY_WIRE_MAX (12 + 255 + 4 + 11) /* header, name, type and class, OPT */

struct dns_opts {
    int timeout_ms; /* per try (and again for the TCP phase of a try); <= 0: 2000 */
    int retries;    /* further tries after the first, rotating over the servers; < 0: 0 */
    int edns;       /* 1: add EDNS0 with a DNS_EDNS_BUFSIZE payload size; 0: plain DNS */
    int max_inflight; /* queries on the wire at once; more wait their turn (their timeout
                       * starts when they are sent); <= 0: no limit. Politeness to the
                       * resolver, whose socket buffer a burst can overflow. Also sizes
                       * the UDP socket pool: dns_pool_slots(). */
    int sockets;      /* UDP sockets per server at most; <= 0: from max_inflight */
    int socket_uses;  /* queries a UDP socket carries before it is retired; <= 0: 512 */
    int dnssec;       /* 1: every query carries the DO bit (RFC 3225), so that a validating
                       * resolver says in the AD bit whether the answer is secure; implies
                       * edns (the DO bit lives in the OPT record) */
};

/* Per-query flags (dns_query_flags, dns_query_wire). */
#define DNS_Q_DO 0x1 /* the OPT record's DO bit (RFC 3225; implies EDNS0) */
#define DNS_Q_CD 0x2 /* the header's CD bit (RFC 4035 §3.2.2): "checking disabled", the
                      * resolver answers even data that fail validation */

enum dns_status {
    DNS_OK,        /* a reply arrived; look at its RCODE */
    DNS_TIMEOUT,   /* every try timed out */
    DNS_NETERR,    /* the last try failed locally or was refused (socket, ICMP, TCP reset) */
    DNS_BADREPLY,  /* the last try only drew malformed or mismatched replies from the server */
    DNS_CANCELLED, /* dns_cancel() or dns_client_free() */
};
const char *dns_status_str(enum dns_status st); /* "ok", "timeout", "network error", ... */

/* Called exactly once per query, never from inside dns_query(). reply is non-NULL only with
 * DNS_OK and is valid only during the call (copy what you keep: ldns_pkt_clone()). The
 * callback may start new queries, cancel other queries or free the client. */
typedef void (*dns_cb)(void *arg, enum dns_status st, const ldns_pkt *reply);

struct dns_stats {
    unsigned long queries;   /* dns_query() calls accepted */
    unsigned long udp_sent;  /* UDP datagrams sent (one per try) */
    unsigned long tcp_sent;  /* queries sent over TCP after a truncated answer */
    unsigned long truncated; /* UDP answers with TC set */
    unsigned long timeouts;  /* tries that timed out */
    unsigned long ignored;   /* datagrams dropped by validation (wrong source, ID, question) */
    unsigned long peak_inflight; /* most queries on the wire at once */
    unsigned long sockets;   /* UDP sockets opened (each on its own random port) */
    unsigned long retired;   /* UDP sockets retired (worn out, or failing) */
};

struct dns_client;
struct dns_query;

/* servers: 1..DNS_MAX_SERVERS addresses (AF_INET/AF_INET6 with port), copied; tries go to
 * servers[0], servers[1], ... in turn. opts NULL means defaults. Returns NULL on bad
 * arguments or when the random generator cannot be seeded. */
struct dns_client *dns_client_new(uv_loop_t *loop, const struct sockaddr_storage *servers,
                                  int nservers, const struct dns_opts *opts);

/* Asks for name (presentation format, absolute or not, any case) with type in class IN.
 * Returns NULL — and then no callback will come — only when name is not a valid domain name
 * or the client is being freed; otherwise the callback comes later, from the loop. */
struct dns_query *dns_query(struct dns_client *c, const char *name, ldns_rr_type type,
                            dns_cb cb, void *arg);
/* dns_query with flags (DNS_Q_DO, DNS_Q_CD) on top of what dns_opts sets for every query;
 * dns_query is the flags 0 case. The reply's AD bit is the caller's to read (ldns_pkt_ad). */
struct dns_query *dns_query_flags(struct dns_client *c, const char *name, ldns_rr_type type,
                                  unsigned flags, dns_cb cb, void *arg);

/* Ends q now: its callback is called once with DNS_CANCELLED before dns_cancel() returns.
 * Must not be called once q's callback has started (q may be gone by then). */
void dns_cancel(struct dns_query *q);

/* Cancels every pending query (each callback runs with DNS_CANCELLED, from inside this call),
 * closes every handle and frees the client once the last handle's close callback has run —
 * so run the loop afterwards (uv_run until it returns 0) before closing it. Safe to call from
 * inside a query callback. NULL is fine. */
void dns_client_free(struct dns_client *c);

const struct dns_stats *dns_client_stats(const struct dns_client *c);

/* Parses "IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT" or a bare IPv6 address; the port defaults
 * to 53. Returns 0, or -1 (out untouched) on anything else. */
int dns_parse_server(const char *spec, struct sockaddr_storage *out);

/* Reads "nameserver IP" lines from a resolv.conf(5) file into out (port 53). Returns how many
 * (at most max), or -1 when the file cannot be read. Scoped IPv6 ("fe80::1%eth0") addresses
 * are skipped. */
int dns_servers_from_resolv_conf(const char *path, struct sockaddr_storage *out, int max);

/* "IP:PORT" or "[IPv6]:PORT" into buf (at least 64 octets), for messages. */
const char *dns_server_str(const struct sockaddr_storage *ss, char *buf, size_t bufsz);

/* "192.0.2.1" → "1.2.0.192.in-addr.arpa"; IPv6 → 32 nibbles under ip6.arpa. Returns 0, or
 * -1 when ip is not an address or out (74 octets suffice) is too small. */
int dns_reverse_name(const char *ip, char *out, size_t outsz);

/* The query dns.c sends (RD=1, with DNS_Q_CD also CD=1, one question in class IN, with edns
 * or DNS_Q_DO an OPT record of DNS_EDNS_BUFSIZE, with DNS_Q_DO its DO bit set) in wire format
 * into out: the octets ldns_pkt2wire makes of it. Returns its length, or 0 when qname is not a
 * wire-format name or out (DNS_QUERY_WIRE_MAX suffices) is too small. Exported for the unit
 * tests. */
size_t dns_query_wire(uint8_t *out, size_t outsz, uint16_t id, const ldns_rdf *qname,
                      ldns_rr_type type, int edns, unsigned flags);

/* Pure checks behind the validation, exported for the unit tests. */
/* 1 when a and b hold the same family, address and port. */
int dns_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* 1 when reply answers the question (id, qname, type, IN): QR set, exactly one question
 * that matches (names compared case-insensitively). */
int dns_reply_matches(const ldns_pkt *reply, uint16_t id, const ldns_rdf *qname,
                      ldns_rr_type type);

#endif

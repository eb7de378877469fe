/* dns_pool: the UDP sockets of one DNS client (dns.c), shared by its queries.
 *
 * Per server a fixed number of slots, each holding at most one open socket, connected to that
 * server: connect() binds it to a random port the kernel picks, makes the kernel drop
 * datagrams from any other source, and reports ICMP errors (port unreachable: nobody serves
 * DNS there) on it. Many queries are in flight on one socket at once, each under a random
 * 16-bit ID drawn for that socket, never one already in flight there; a datagram is handed to
 * dns.c with the query in flight under its ID, if any: dns.c checks the source and the
 * question, and counts what it ignores. After a bounded number of queries a socket is retired: it takes no new query, is
 * closed once its last query is over, and a fresh socket (a fresh random port) takes its slot.
 *
 * Ownership: struct dns_pool is embedded in the client and owns its sockets; a struct
 * dns_pool_entry is embedded in a query and only linked here while the query's try is in
 * flight. Every socket is a handle closed with uv_close() and freed in its close callback,
 * which then calls sock_freed so that the client can free itself after the last one; so is the
 * pool's one timer. */
#ifndef MXS_DNS_POOL_H
#define MXS_DNS_POOL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "core/list.h"
#include "core/rng.h"

/* How many queries a socket carries at once before the pool prefers opening another one, and
 * so how many sockets a server gets: dns_pool_slots(). 32 keeps the replies a socket may have
 * queued (32 x 1232 octets of EDNS payload) far inside the kernel's default receive buffer
 * (212 KiB) so a burst is not dropped, and an off-path spoofer who guessed the port still
 * faces 32 IDs in flight out of 65536. */
#define DNS_POOL_PER_SOCKET 32
#define DNS_POOL_MAX_SLOTS 64     /* sockets per server at most */
#define DNS_POOL_SOCKET_USES 512  /* queries a socket carries before it is retired */
#define DNS_POOL_BUCKETS 64       /* a socket's in-flight queries, hashed by ID */
/* Datagrams read by one recvmmsg() (one system call for a burst of replies, where recvmsg()
 * took one each); libuv reads at most 20 at once. */
#define DNS_POOL_RECV_BATCH 16
#define DNS_POOL_RECV_CHUNK 65536 /* libuv's chunk per datagram (UV__UDP_DGRAM_MAXSIZE) */
/* Queries queued for one sendmmsg() flush at most (over all sockets), and the largest one
 * queued (dns.c's are at most DNS_QUERY_WIRE_MAX, 282 octets). */
#define DNS_POOL_SEND_BATCH 64
#define DNS_POOL_DGRAM_MAX 512

struct dns_pool;
struct dns_sock;
struct dns_send;

/* One query's place in the pool: in flight on sock under id while sock is not NULL. */
struct dns_pool_entry {
    struct list_node link; /* in sock->bucket[id % DNS_POOL_BUCKETS] */
    struct dns_sock *sock;
    uint16_t id;
    struct dns_send *send; /* a queued send that still names this entry */
    int pending;           /* 1 + its place in the pool's batch until flushed; 0: none */
};

/* A query waiting in the batch for the flush: its socket, its datagram (a copy). */
struct dns_pending {
    struct dns_sock *sock;
    struct dns_pool_entry *e; /* NULL once the query's try ended before the flush */
    size_t len;
    uint8_t data[DNS_POOL_DGRAM_MAX];
};

/* sendmmsg(2) as the pool calls it: the unit tests replace it with a wrapper around the real
 * one that returns short counts, EAGAIN or an error, as a loaded kernel may. */
struct mmsghdr;
extern int (*dns_pool_sendmmsg)(int fd, struct mmsghdr *msgs, unsigned int n, int flags);

/* A whole datagram on a socket of servers[server]: e is the query in flight there under the
 * datagram's ID, or NULL when there is none (too short, or no such ID: the owner counts it as
 * ignored). from is the sender as the kernel reports it (NULL if it did not); the owner checks
 * it, and the rest of the reply. */
typedef void (*dns_pool_reply_fn)(struct dns_pool *p, struct dns_pool_entry *e,
                                  const struct sockaddr *from, int server, const uint8_t *data,
                                  size_t len);
/* e's try failed locally: its socket reported an error (ICMP, a failed send). e has already
 * been taken out of the pool. */
typedef void (*dns_pool_error_fn)(struct dns_pool_entry *e);
/* A handle of the pool was freed (its close callback ran); p->open says how many are left. */
typedef void (*dns_pool_freed_fn)(struct dns_pool *p);

struct dns_pool {
    uv_loop_t *loop;
    const struct sockaddr_storage *servers; /* the client's, nservers of them */
    int nservers;
    int slots;  /* per server */
    int uses;   /* queries per socket before it is retired */
    struct dns_sock **slot; /* nservers * slots; NULL: empty */
    int *cursor;            /* per server: where the next search for a socket starts */
    struct list_node socks; /* every socket not yet closing */
    unsigned long open;     /* handles not yet freed: sockets (closing ones too), the reaper */
    uv_timer_t reaper;      /* fails the queries left on a socket whose send failed */
    uv_prepare_t flusher;   /* sends the batch before the loop next waits for I/O */
    struct dns_pending *pending; /* the batch: DNS_POOL_SEND_BATCH places */
    int npending;
    int closing;            /* dns_pool_close() was called: the last close frees the tables */
    struct rng *rng;
    unsigned long *n_sockets, *n_retired; /* the owner's counters: sockets opened, retired */
    dns_pool_reply_fn on_reply;
    dns_pool_error_fn on_error;
    dns_pool_freed_fn sock_freed;
    /* One receive buffer for every socket, DNS_POOL_RECV_BATCH chunks of 64 KiB (libuv's
     * recvmmsg reads one datagram into each chunk: UV_UDP_RECVMMSG): libuv calls alloc, reads
     * a batch and hands each datagram over before anything else runs, so it is never shared
     * by two reads. Only the octets the datagrams fill are ever touched. */
    char *buf;
};

/* Sockets per server for a client with max_inflight queries on the wire at once (<= 0: no
 * limit), unless want (> 0) says: enough that each carries about DNS_POOL_PER_SOCKET. */
int dns_pool_slots(int max_inflight, int want);

/* Sets p up (no socket is opened yet). uses <= 0: DNS_POOL_SOCKET_USES. */
void dns_pool_init(struct dns_pool *p, uv_loop_t *loop, const struct sockaddr_storage *servers,
                   int nservers, int slots, int uses, struct rng *rng);

/* Sends wire (a query of len octets, at most DNS_POOL_DGRAM_MAX; its first two octets are
 * overwritten with the ID) to servers[server] on a socket of the pool, with a fresh ID for
 * that socket, and links e there (e->id). The datagram is copied into the pool's batch, which
 * goes out by sendmmsg(), a call per socket, when the loop is about to wait for I/O (or when
 * it is full): the queries a burst of replies lets start leave together. Returns 0, or a
 * libuv error: then e is not in flight and no callback will come for it. A send that fails
 * later (at the flush) fails e like an ICMP error does, from the loop. Never calls on_reply or
 * on_error itself. */
int dns_pool_send(struct dns_pool *p, int server, struct dns_pool_entry *e, uint8_t *wire,
                  size_t len);

/* e's try is over (answered, timed out, moved to TCP, cancelled): unlinks it; no-op when e
 * is not in flight. A retired socket left with nothing in flight is closed. */
void dns_pool_forget(struct dns_pool_entry *e);

/* Closes every socket; nothing may be in flight. sock_freed is called for each, later, from
 * the loop. */
void dns_pool_close(struct dns_pool *p);

#endif

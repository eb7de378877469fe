/* infer: one handshake per server where the server proves it does not care about the name,
 * and no address waited out more than twice (the loop side; everything per address stays in
 * its loop, so that loops sharded by address need nothing of each other).
 *
 * Per address (struct infer_addr, in the loop's struct ip_slot), a phase:
 *   INF_PAIR         the first two endpoints of the address are probed, each with its own name
 *                    as SNI; the others wait (held) for their verdict;
 *   INF_INSENSITIVE  the pair saw the same server (infer_same: status, reply code and error,
 *                    greeting and EHLO names, TLS version and suite, the chain by SHA-256 of
 *                    each certificate): the other endpoints take the first probe's result
 *                    (record: `inference` sni-insensitive, `inferred_from` its MX host); a
 *                    sample of them is still probed (spot checks: the first after the pair,
 *                    then --infer-check percent at random), and an inferred endpoint is held
 *                    until every check chosen so far has answered the same;
 *   INF_SENSITIVE    the pair, or a spot check, differed: every endpoint is probed (those
 *                    held, inferred but not yet written, included);
 *   INF_DOWN         two endpoints failed the same way without a greeting (connection refused,
 *                    connect timeout, no greeting in time): the others take that result
 *                    (`inference` address-down) without a connection.
 * After one failure without a greeting, the address gets one connection at a time until a
 * probe is greeted or fails the same way again, so a silent address costs two timeouts.
 * An inferred record is a copy of the reference result (status, TLS, chain, greeting/EHLO);
 * the run classifies it for the endpoint's own names, like any probe's (sched.c).
 *
 * Ownership: struct infer_addr owns its reference results (infer_addr_clear); an inferred
 * endpoint owns its copy (ep->res) and ep->inferred_from like a probed one. */
#ifndef MXS_INFER_H
#define MXS_INFER_H
#include <stdint.h>
#include <sys/queue.h>

#include "probe/probe.h"

struct endpoint;
struct ip_slot;
struct probe_loop;
struct sched_opts;

enum infer_phase { INF_PAIR, INF_INSENSITIVE, INF_SENSITIVE, INF_DOWN };

/* What an endpoint is to its address (endpoint.infer_role). */
enum infer_role {
    INF_ROLE_NONE,  /* not decided yet, or probed as any endpoint (INF_SENSITIVE) */
    INF_ROLE_PAIR,  /* one of the first two, probed */
    INF_ROLE_CHECK, /* a spot check, probed */
    INF_ROLE_INFER, /* to take the reference result once the checks agree */
};

struct infer_addr {
    enum infer_phase phase;
    int pair_members, pair_done;  /* endpoints chosen for the pair, and finished */
    struct probe_result *ref;     /* the result inferred records copy (owned) */
    char *ref_host;               /* the MX host whose probe gave it */
    struct probe_result *nogreet; /* the first failure without a greeting (owned), or NULL */
    char *nogreet_host;
    int suspect;                  /* failed without a greeting, not greeted since: one at a time */
    int checks_pending;           /* spot checks chosen and not finished */
    unsigned long after_pair;     /* endpoints that came after the pair (the sample's base) */
    STAILQ_HEAD(, endpoint) held; /* waiting for the pair or for the checks; infer_addr_init */
};

/* The loop's share of it: the options, the sample's random numbers, the counts. */
struct infer_loop {
    int on;                       /* --no-infer: 0 */
    double check_share;           /* --infer-check / 100 */
    uint64_t rng;                 /* xorshift64*, seeded from getrandom */
    unsigned long inferred, inferred_down, spot_checks, switched;
};

void infer_loop_init(struct infer_loop *il, const struct sched_opts *o);
void infer_addr_init(struct infer_addr *a);
void infer_addr_clear(struct infer_addr *a);

/* A new endpoint of slot's address (instead of queueing it): queued for a probe, held, or
 * given its inferred result at once. */
void infer_admit(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* ep's probe has its final result (before its verdict goes on): the address learns from it,
 * and what waited for it is released. */
void infer_probed(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* Just before a queued endpoint would connect: 1 when its address is down (ep has then taken
 * the address's result instead), 0 to probe it. */
int infer_skip(struct probe_loop *lp, struct ip_slot *slot, struct endpoint *ep);
/* Connections the address may have at once. */
int infer_cap(const struct ip_slot *slot, int per_ip);

/* The rule above: a and b show the same server. */
int infer_same(const struct probe_result *a, const struct probe_result *b);
/* r failed before any greeting (connection refused, connect timeout, no greeting in time). */
int infer_no_greeting(const struct probe_result *r);

#endif

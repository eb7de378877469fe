/* resolve_int: what resolve.c (the cache and the jobs) and resolve_lookup.c (one (name, type)
 * asked over DNS) share; nothing outside src/resolve/ includes it.
 *
 * Ownership: the resolver owns its cache entries (until resolver_free; MX and the domains' TXT
 * entries until trimmed), its lookups (each until its done callback, which frees it with
 * lookup_free) and its deferred items (until the idle handle runs them). */
#ifndef MXS_RESOLVE_INT_H
#define MXS_RESOLVE_INT_H
#include "core/list.h"
#include "core/hmap.h"
#include "resolve.h"

struct lookup;
struct job;

struct waiter {
    struct list_node link; /* in its entry's waiters, in request order */
    struct job *job;
    struct centry *entry;
    int idx; /* which MX host the job asked for, or RESOLVE_IDX_STS / _TLSRPT */
};
/* The waiter slots of a domain's two TXT entries (the MX hosts' are 0, 1, ...). */
#define RESOLVE_IDX_STS (-1)
#define RESOLVE_IDX_TLSRPT (-2)

/* One (name, type) of the cache, under cache_key() in r->cache. Entries live until
 * resolver_free() (MX and the domains' TXT entries: until trimmed, never while pinned), so
 * jobs may keep pointers to the others. */
struct centry {
    ldns_rr_type type;
    char *name;
    int done;
    struct list_node waiters; /* struct waiter, while !done */
    struct resolve_outcome out;
    /* Per-domain entries only (MX, TXT: bounded, see RESOLVE_MX_CACHE): the finished ones in
     * most-recently-used order, and the pins of answers queued for delivery or held by a job
     * that still point here. */
    struct list_node lru; /* in r->lru while in_lru */
    int in_lru;
    unsigned pins;
};

typedef void (*lookup_done_fn)(struct resolver *r, struct lookup *lk);

struct lookup {
    struct resolver *r;
    struct list_node link;      /* in r->lookups */
    ldns_rr_type type;
    char *name;                 /* current name: the original, then CNAME targets */
    char *asked[ANSWER_MAX_CNAME + 1];
    int nasked;
    int hops;
    struct dns_query *q;
    lookup_done_fn done;
    struct centry *entry;       /* the cache entry it fills */
    struct resolve_outcome out;
    /* resolve_opts.dnssec: */
    int insecure;               /* a reply of the chain came without AD */
    int cd;                     /* the current name got SERVFAIL: asked again with CD */
};

/* Work that must not run in the caller's stack: delivered from the idle handle. */
enum defer_kind { DEFER_ENTRY, DEFER_LOOKUP, DEFER_JOB };
struct deferred {
    struct list_node link; /* in r->ready, oldest first */
    enum defer_kind kind;
    struct waiter w;     /* DEFER_ENTRY */
    struct lookup *lk;   /* DEFER_LOOKUP: finish it (its start failed) */
    struct job *job;     /* DEFER_JOB: deliver it */
};

struct resolver {
    uv_loop_t *loop;
    struct dns_client *dns;
    struct resolve_opts opts;
    struct hmap cache;           /* cache_key(type, name) -> struct centry */
    struct list_node jobs;    /* struct job, the newest first */
    struct list_node lookups; /* struct lookup, the newest first */
    struct list_node ready;    /* struct deferred, oldest first */
    uv_idle_t idle;
    struct list_node lru; /* finished per-domain entries (struct centry), most recent first */
    size_t nlru, lru_max;
    int closing; /* resolver_free() was called: new requests are refused */
    int busy;    /* depth of loop callbacks running inside the resolver */
    struct resolve_stats stats;
};

/* resolve.c: every way the loop enters the resolver goes through enter/leave, so that
 * resolver_free() called from a user callback waits until nothing of ours is on the stack;
 * resolver_defer queues d for the idle handle. */
void resolver_enter(struct resolver *r);
void resolver_leave(struct resolver *r);
void resolver_defer(struct resolver *r, struct deferred *d);

/* resolve_lookup.c: asks (name, type), follows CNAMEs, and with resolve_opts.dnssec sets the
 * outcome's DNSSEC state (a SERVFAIL asked again with CD); done(r, lk) runs once, from the
 * loop, with lk->out filled, and frees lk with lookup_free. */
void lookup_start(struct resolver *r, ldns_rr_type type, const char *name, lookup_done_fn done,
                  struct centry *entry);
void lookup_free(struct lookup *lk);

#endif

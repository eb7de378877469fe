/* chaincache: the verdicts of chains already verified, so that each distinct chain is verified
 * once (trust.h's trust_verify_cached looks here first). A scan sees far fewer distinct chains
 * than endpoints: providers serve one chain on thousands of addresses (measured: 4,554
 * verifications of 558 distinct chains on 10,000 domains, 42,983 of 1,744 on 100,000).
 *
 * Key (struct chain_key): SHA-256 over the UTC day of the validation time and the SHA-256 of
 * each DER certificate of the presented chain, in the order sent. The trust anchors are not in
 * the key: a cache serves one trust_ctx (one CA set, fixed for the run: trust_ctx_new makes the
 * context's own). The day is in the key
 * because a verdict depends on the time (expiry); within a day it cannot change unless a
 * certificate's notBefore or notAfter falls on that day, and such chains are never stored
 * (trust.c decides; see chain_cache_put's keep).
 *
 * Value: the struct trust_result (valid, reasons, mbedTLS flags), copied in and out.
 *
 * Bounded: at most cap entries (CHAIN_CACHE_DEFAULT_CAP), the least recently used out first;
 * an entry is about 250 octets, so the default bounds the cache near 4 MiB however long the
 * list. A chain of an earlier day is never asked for again and ages out the same way.
 *
 * Threads: safe. Every call takes the cache's own mutex, so one cache can serve every probe
 * loop of a run (one per core) and each distinct chain is verified about once for the run, not
 * once per loop. The lock covers only the lookup and the store, never a verification: two loops
 * that meet the same new chain at once both verify it (the same verdict twice, both counted).
 * The owner can move (per loop, per run) since nothing else refers to a cache.
 *
 * Ownership: chain_cache_new pairs with chain_cache_free, after the last call of any thread. */
#ifndef MXS_CHAINCACHE_H
#define MXS_CHAINCACHE_H
#include <stddef.h>

#include "probe/cert.h"
#include "trust_result.h"

#define CHAIN_CACHE_DEFAULT_CAP 16384

struct chain_cache;

struct chain_key {
    unsigned char h[32];
};

/* The key of chain[0..n) (each cert_info's sha256) validated on day (days since 1970-01-01,
 * UTC). */
void chain_cache_key(struct cert_info *const *chain, size_t n, long long day,
                     struct chain_key *k);

/* A new empty cache of at most cap entries (0: CHAIN_CACHE_DEFAULT_CAP). */
struct chain_cache *chain_cache_new(size_t cap);
void chain_cache_free(struct chain_cache *c);

/* 1 and the stored verdict in *out when k is cached (a hit, counted, and k becomes the most
 * recently used); 0 otherwise. */
int chain_cache_get(struct chain_cache *c, const struct chain_key *k, struct trust_result *out);
/* Counts one verification (r is its verdict) and, when keep is set, stores r under k (evicting
 * the least recently used entry when full). */
void chain_cache_put(struct chain_cache *c, const struct chain_key *k,
                     const struct trust_result *r, int keep);

struct chain_cache_stats {
    unsigned long verifications; /* chain_cache_put calls: chains verified by mbedTLS */
    unsigned long hits;          /* chain_cache_get calls answered from the cache */
    unsigned long entries;       /* verdicts held now */
    unsigned long evictions;     /* verdicts dropped to stay within the cap */
};
void chain_cache_stats(struct chain_cache *c, struct chain_cache_stats *out);

#endif

/* chaincache: see chaincache.h. A hash map from the key (hex) to an entry, and the entries on a
 * list in order of use (most recent first) for the eviction; one mutex over both. */
#include "chaincache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "core/hmap.h"
#include "core/list.h"
#include "core/util.h"

struct chain_entry {
    struct list_node lru;   /* on chain_cache.lru, most recently used first */
    char hex[65];           /* its key in the map */
    struct trust_result r;  /* reasons point to trust_reason_str's static words */
};

struct chain_cache {
    pthread_mutex_t lock;
    struct hmap map;        /* hex key -> struct chain_entry */
    struct list_node lru;
    size_t cap;
    struct chain_cache_stats st;
};

void chain_cache_key(struct cert_info *const *chain, size_t n, long long day,
                     struct chain_key *k)
{
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    unsigned char head[16];
    for (int i = 0; i < 8; i++) {
        head[i] = (unsigned char)((unsigned long long)day >> (56 - 8 * i));
        head[8 + i] = (unsigned char)((unsigned long long)n >> (56 - 8 * i));
    }
    mbedtls_sha256_update_ret(&sha, head, sizeof(head));
    /* Each certificate's SHA-256 (64 hex digits, fixed length: no two lists run together). */
    for (size_t i = 0; i < n; i++)
        mbedtls_sha256_update_ret(&sha, (const unsigned char *)chain[i]->sha256, 64);
    mbedtls_sha256_finish_ret(&sha, k->h);
    mbedtls_sha256_free(&sha);
}

static void hex_of(const struct chain_key *k, char hex[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", k->h[i]);
}

struct chain_cache *chain_cache_new(size_t cap)
{
    struct chain_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    hmap_init(&c->map);
    list_init(&c->lru);
    c->cap = cap ? cap : CHAIN_CACHE_DEFAULT_CAP;
    return c;
}

void chain_cache_free(struct chain_cache *c)
{
    if (!c)
        return;
    hmap_free(&c->map, free);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int chain_cache_get(struct chain_cache *c, const struct chain_key *k, struct trust_result *out)
{
    char hex[65];
    hex_of(k, hex);
    pthread_mutex_lock(&c->lock);
    struct chain_entry *e = hmap_get(&c->map, hex);
    if (e) {
        *out = e->r;
        list_remove(&e->lru);
        list_push_front(&c->lru, &e->lru);
        c->st.hits++;
    }
    pthread_mutex_unlock(&c->lock);
    return e != NULL;
}

void chain_cache_put(struct chain_cache *c, const struct chain_key *k,
                     const struct trust_result *r, int keep)
{
    char hex[65];
    hex_of(k, hex);
    pthread_mutex_lock(&c->lock);
    c->st.verifications++;
    struct chain_entry *e = keep ? hmap_get(&c->map, hex) : NULL;
    if (e) { /* another thread verified it meanwhile: the same verdict */
        e->r = *r;
    } else if (keep) {
        if (c->map.count >= c->cap) {
            struct chain_entry *old = container_of(c->lru.prev, struct chain_entry, lru);
            list_remove(&old->lru);
            hmap_del(&c->map, old->hex);
            free(old);
            c->st.evictions++;
        }
        e = xmalloc(sizeof(*e));
        memcpy(e->hex, hex, sizeof(hex));
        e->r = *r;
        list_init(&e->lru);
        list_push_front(&c->lru, &e->lru);
        hmap_put(&c->map, hex, e);
    }
    pthread_mutex_unlock(&c->lock);
}

void chain_cache_stats(struct chain_cache *c, struct chain_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->st;
    out->entries = c->map.count;
    pthread_mutex_unlock(&c->lock);
}

/* hmap: see hmap.h. */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util.h"

uint64_t hmap_hash_str(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    /* Final avalanche (splitmix64) so low bits depend on every input octet. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

void hmap_init(struct hmap *m)
{
    m->nbuckets = 64;
    m->count = 0;
    m->buckets = xcalloc(m->nbuckets, sizeof(*m->buckets));
    if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != (ssize_t)sizeof(m->seed))
        m->seed = (uint64_t)(uintptr_t)m ^ 0x9e3779b97f4a7c15ULL;
}

static void grow(struct hmap *m)
{
    size_t nb = m->nbuckets * 2;
    struct hmap_entry **b = xcalloc(nb, sizeof(*b));
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct hmap_entry *e = m->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

static struct hmap_entry **find(const struct hmap *m, const char *key, uint64_t h)
{
    struct hmap_entry **pp = &m->buckets[h & (m->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
            return pp;
    return pp;
}

void *hmap_get(const struct hmap *m, const char *key)
{
    struct hmap_entry **pp = find(m, key, hmap_hash_str(m->seed, key));
    return *pp ? (*pp)->val : NULL;
}

void *hmap_put(struct hmap *m, const char *key, void *val)
{
    uint64_t h = hmap_hash_str(m->seed, key);
    struct hmap_entry **pp = find(m, key, h);
    if (*pp) {
        void *old = (*pp)->val;
        (*pp)->val = val;
        return old;
    }
    size_t klen = strlen(key);
    struct hmap_entry *e = xmalloc(sizeof(*e) + klen + 1);
    memcpy(e->key, key, klen + 1);
    e->hash = h;
    e->val = val;
    e->next = NULL;
    *pp = e;
    if (++m->count > m->nbuckets)
        grow(m);
    return NULL;
}

void *hmap_del(struct hmap *m, const char *key)
{
    struct hmap_entry **pp = find(m, key, hmap_hash_str(m->seed, key));
    struct hmap_entry *e = *pp;
    if (!e)
        return NULL;
    void *val = e->val;
    *pp = e->next;
    free(e);
    m->count--;
    return val;
}

void hmap_foreach(const struct hmap *m, void (*fn)(void *arg, const char *key, void *val), void *arg)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct hmap_entry *e = m->buckets[i]; e; e = e->next)
            fn(arg, e->key, e->val);
}

void hmap_free(struct hmap *m, void (*free_val)(void *val))
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct hmap_entry *e = m->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            if (free_val)
                free_val(e->val);
            free(e);
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = m->count = 0;
}

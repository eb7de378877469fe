/* hmap: a string-keyed hash map with separate chaining. Keys are copied and owned by the map;
 * values are the caller's (hmap_free can free them through a callback). The hash is FNV-1a
 * mixed with a per-map random seed, so names chosen by a zone operator cannot be made to
 * collide ahead of time. Not thread-safe: one map per loop. */
#ifndef MXS_HMAP_H
#define MXS_HMAP_H
#include <stddef.h>
#include <stdint.h>

struct hmap_entry {
    struct hmap_entry *next;
    uint64_t hash;
    void *val;
    char key[]; /* NUL-terminated copy */
};

struct hmap {
    struct hmap_entry **buckets;
    size_t nbuckets, count;
    uint64_t seed;
};

void hmap_init(struct hmap *m);
/* The value stored under key, or NULL. */
void *hmap_get(const struct hmap *m, const char *key);
/* Stores val under key (replacing and returning any previous value, else NULL). */
void *hmap_put(struct hmap *m, const char *key, void *val);
/* Removes key; returns its value or NULL. */
void *hmap_del(struct hmap *m, const char *key);
/* Calls fn for every entry (order unspecified); fn must not change the map. */
void hmap_foreach(const struct hmap *m, void (*fn)(void *arg, const char *key, void *val), void *arg);
/* Frees the map's memory; free_val (may be NULL) is called on every value. */
void hmap_free(struct hmap *m, void (*free_val)(void *val));

/* The table's string hash: seeded FNV-1a with a splitmix64 finaliser, so that every octet
 * moves every bit (also for a set that keeps only some of them, input/seen.c). */
uint64_t hmap_hash_str(uint64_t seed, const char *s);

#endif

/* seen: see seen.h. Open addressing with linear probing over a power-of-two table, grown at
 * three quarters full; hash 0 marks an empty slot (a name hashing to 0 is stored as 1). */
#include "seen.h"

#include <stdlib.h>
#include <sys/random.h>

#include "core/util.h"

struct seen_slot {
    uint64_t hash;
    uint64_t line;
    uint64_t off;
};

struct seen {
    struct seen_slot *slots;
    size_t cap, count;
    uint64_t seed;
};

/* FNV-1a over the seeded state, then a 64-bit finaliser (splitmix64) so that the low bits,
 * which pick the slot, depend on every octet. */
static uint64_t hash_name(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h ? h : 1;
}

struct seen *seen_new(void)
{
    struct seen *s = xcalloc(1, sizeof(*s));
    if (getrandom(&s->seed, sizeof(s->seed), GRND_NONBLOCK) != (ssize_t)sizeof(s->seed))
        s->seed = (uint64_t)(uintptr_t)s ^ 0x9e3779b97f4a7c15ULL;
    return s;
}

void seen_free(struct seen *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

static void grow(struct seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    struct seen_slot *n = xcalloc(cap, sizeof(*n));
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].hash)
            continue;
        size_t k = (size_t)s->slots[i].hash & (cap - 1);
        while (n[k].hash)
            k = (k + 1) & (cap - 1);
        n[k] = s->slots[i];
    }
    free(s->slots);
    s->slots = n;
    s->cap = cap;
}

unsigned long seen_add(struct seen *s, const char *name, unsigned long line, uint64_t off,
                       seen_same_fn same, void *arg)
{
    if ((s->count + 1) * 4 > s->cap * 3)
        grow(s);
    uint64_t h = hash_name(s->seed, name);
    size_t k = (size_t)h & (s->cap - 1);
    for (; s->slots[k].hash; k = (k + 1) & (s->cap - 1))
        if (s->slots[k].hash == h && same(arg, s->slots[k].off, name))
            return (unsigned long)s->slots[k].line;
    s->slots[k] = (struct seen_slot){.hash = h, .line = line, .off = off};
    s->count++;
    return 0;
}

size_t seen_count(const struct seen *s)
{
    return s->count;
}

size_t seen_bytes(const struct seen *s)
{
    return s->cap * sizeof(struct seen_slot);
}

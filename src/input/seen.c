/* seen: see seen.h. Open addressing with linear probing over a power-of-two table, grown
 * (doubled) at three quarters full. A slot is 16 octets: a 32-bit tag of the name's hash,
 * which picks the slot (Fibonacci hashing, so the table can be regrown from the tags alone)
 * and tells names apart (an equal tag is then checked exactly), the line (32 bits: a line
 * past 4,294,967,295 is not remembered, so its later copies are scanned again) and the
 * offset. Line 0 marks an empty slot. */
#include "seen.h"

#include <stdlib.h>
#include <sys/random.h>

#include "core/hmap.h"
#include "core/util.h"

struct seen_slot {
    uint32_t tag;
    uint32_t line; /* 0: empty */
    uint64_t off;
};

struct seen {
    struct seen_slot *slots;
    size_t cap, count;
    unsigned bits; /* cap == 1 << bits */
    uint64_t seed;
};

/* The top 32 bits of the hash map's string hash (hmap_hash_str: its finaliser moves every
 * bit, so any 32 of them will do). */
static uint32_t tag_of(uint64_t seed, const char *s)
{
    return (uint32_t)(hmap_hash_str(seed, s) >> 32);
}

static size_t home(uint32_t tag, unsigned bits)
{
    return (size_t)(((uint64_t)tag * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
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
    unsigned bits = s->cap ? s->bits + 1 : 10;
    size_t cap = (size_t)1 << bits;
    struct seen_slot *n = xcalloc(cap, sizeof(*n));
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].line)
            continue;
        size_t k = home(s->slots[i].tag, bits);
        while (n[k].line)
            k = (k + 1) & (cap - 1);
        n[k] = s->slots[i];
    }
    free(s->slots);
    s->slots = n;
    s->cap = cap;
    s->bits = bits;
}

unsigned long seen_add(struct seen *s, const char *name, unsigned long line, uint64_t off,
                       seen_same_fn same, void *arg)
{
    if ((s->count + 1) * 4 > s->cap * 3)
        grow(s);
    uint32_t tag = tag_of(s->seed, name);
    size_t k = home(tag, s->bits);
    for (; s->slots[k].line; k = (k + 1) & (s->cap - 1))
        if (s->slots[k].tag == tag && same(arg, s->slots[k].off, name))
            return s->slots[k].line;
    if (line > UINT32_MAX)
        return 0;
    s->slots[k] = (struct seen_slot){.tag = tag, .line = (uint32_t)line, .off = off};
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

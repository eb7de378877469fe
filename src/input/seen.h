/* seen: the names a domain list has already given, so that a domain listed again is scanned
 * once (its later lines become `duplicate` records pointing at the first). A list of ten
 * million lines must not cost ten million strings, so the set keeps no name: each entry is
 * a 32-bit hash of the normalised name, the line that gave it first and where that line
 * starts in the file (16 octets; docs/performance.md has the figure per million names). An
 * equal hash is only a candidate: the caller's `same` callback checks the name exactly
 * (input.c re-reads the first line at its offset), so two names that share a hash are never
 * taken for one. The hash is seeded at random per set, so a list cannot be built to collide.
 *
 * Ownership: seen_new pairs with seen_free; the set copies nothing the caller passes. */
#ifndef MXS_SEEN_H
#define MXS_SEEN_H
#include <stddef.h>
#include <stdint.h>

struct seen;

/* 1 when the line that starts at offset off holds name (normalised), else 0. */
typedef int (*seen_same_fn)(void *arg, uint64_t off, const char *name);

struct seen *seen_new(void);
void seen_free(struct seen *s); /* NULL is fine */
/* Looks name up: returns the line of its first occurrence when the set has it (same says so),
 * else adds it with line and off and returns 0. */
unsigned long seen_add(struct seen *s, const char *name, unsigned long line, uint64_t off,
                       seen_same_fn same, void *arg);
size_t seen_count(const struct seen *s); /* distinct names */
size_t seen_bytes(const struct seen *s); /* memory held by the table */

#endif

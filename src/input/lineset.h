/* lineset: a set of input line numbers (1-based), as a bit array: which lines of the domain
 * list already have their record in domains.jsonl (scan --resume skips them; pending.txt
 * lists the others). 10 million lines take 1.25 MB.
 *
 * Ownership: the struct is the caller's; lineset_free releases the bits. */
#ifndef MXS_LINESET_H
#define MXS_LINESET_H
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct lineset {
    unsigned char *bits;
    unsigned long nbits; /* room for lines 0 .. nbits - 1 */
    unsigned long count; /* distinct lines in the set */
};

static inline int lineset_has(const struct lineset *s, unsigned long line)
{
    return line < s->nbits && (s->bits[line >> 3] >> (line & 7) & 1);
}

static inline void lineset_add(struct lineset *s, unsigned long line)
{
    if (line >= s->nbits) {
        unsigned long n = s->nbits ? s->nbits : 8192;
        while (n <= line)
            n *= 2;
        s->bits = xrealloc(s->bits, n / 8);
        memset(s->bits + s->nbits / 8, 0, (n - s->nbits) / 8);
        s->nbits = n;
    }
    if (!lineset_has(s, line)) {
        s->bits[line >> 3] |= (unsigned char)(1u << (line & 7));
        s->count++;
    }
}

static inline void lineset_free(struct lineset *s)
{
    free(s->bits);
    memset(s, 0, sizeof(*s));
}

#endif

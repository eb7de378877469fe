/* fuzz.h: what every harness under tests/fuzz/ shares. A harness is one fuzz_NAME.c defining
 * LLVMFuzzerTestOneInput(); it aborts (REQUIRE) on any broken invariant, so libFuzzer
 * (`make fuzz`) and the replay driver (tests/fuzz/replay.c, `make fuzz-replay`, run by
 * tests/run) both see a failure as a crash. Owned by the fuzzing layer (docs/testing.md). */
#ifndef MXS_FUZZ_H
#define MXS_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                              \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz: %s:%d: broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                               \
        }                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of data[0..n) in a block exactly n octets long (plus a NUL after it, which the
 * callee is not told about), so ASan sees any read past the end. Caller frees. */
static inline char *fuzz_dup(const uint8_t *data, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        abort();
    if (n)
        memcpy(p, data, n);
    p[n] = '\0';
    return p;
}

/* Splits data at the first occurrence of each '\n' into at most max fields; returns how many
 * (each a NUL-terminated copy in out[], NULs inside a field cut it short as C strings do). */
static inline size_t fuzz_fields(const uint8_t *data, size_t size, char **out, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || data[i] == '\n') {
            out[n++] = fuzz_dup(data + start, i - start);
            start = i + 1;
        }
    }
    return n;
}

#endif

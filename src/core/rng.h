/* rng: unpredictable numbers for values an off-path attacker must not guess (DNS query IDs).
 * mbedTLS's CTR_DRBG (NIST SP 800-90A, AES-256) seeded from its entropy collector (the
 * kernel's getrandom). One state per user — no global state — so each event loop keeps its own.
 * Ownership: rng_init pairs with rng_free. */
#ifndef MXS_RNG_H
#define MXS_RNG_H
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

struct rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
};

/* Seeds r. Returns 0, or -1 when no entropy could be had (r is then already freed). */
int rng_init(struct rng *r);
void rng_free(struct rng *r);
void rng_bytes(struct rng *r, void *out, size_t n);
uint16_t rng_u16(struct rng *r);

#endif

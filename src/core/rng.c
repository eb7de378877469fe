/* rng: see rng.h. */
#include "rng.h"

#include <stdlib.h>
#include <stdio.h>

int rng_init(struct rng *r)
{
    static const char pers[] = "mxsurvey dns ids";
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
        rng_free(r);
        return -1;
    }
    return 0;
}

void rng_free(struct rng *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

void rng_bytes(struct rng *r, void *out, size_t n)
{
    /* The DRBG reseeds itself from the entropy source as needed; a failure here means the
     * kernel stopped giving entropy, and guessable DNS IDs are not acceptable. */
    unsigned char *p = out;
    while (n > 0) {
        size_t k = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
        if (mbedtls_ctr_drbg_random(&r->drbg, p, k) != 0) {
            fprintf(stderr, "mxsurvey: random number generator failed\n");
            abort();
        }
        p += k;
        n -= k;
    }
}

uint16_t rng_u16(struct rng *r)
{
    unsigned char b[2];
    rng_bytes(r, b, sizeof(b));
    return (uint16_t)(b[0] << 8 | b[1]);
}

#include "core/rng.h"
#include "test.h"

TEST(rng_streams)
{
    struct rng a, b;
    CHECK_INT(rng_init(&a), 0);
    CHECK_INT(rng_init(&b), 0);
    unsigned char x[64], y[64];
    rng_bytes(&a, x, sizeof(x));
    rng_bytes(&b, y, sizeof(y));
    CHECK(memcmp(x, y, sizeof(x)) != 0); /* independently seeded states differ */
    /* 4096 IDs: all 16 high nibbles seen and no value dominates (a crude sanity check that
     * the IDs are not constant or counting). */
    int seen[16] = {0}, same = 0;
    uint16_t prev = rng_u16(&a);
    for (int i = 0; i < 4096; i++) {
        uint16_t v = rng_u16(&a);
        seen[v >> 12]++;
        same += v == prev || v == (uint16_t)(prev + 1);
        prev = v;
    }
    for (int i = 0; i < 16; i++)
        CHECK(seen[i] > 128 && seen[i] < 400);
    CHECK(same < 4);
    unsigned char big[3000]; /* larger than one DRBG request */
    rng_bytes(&a, big, sizeof(big));
    rng_free(&a);
    rng_free(&b);
}

/* rng: see rng.h. */
#include "rng.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                                    \
    (a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12),    \
     a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

void chacha20_block(const uint32_t in[16], uint8_t out[64])
{
    uint32_t x[16];
    memcpy(x, in, sizeof(x));
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + in[i];
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

void rng_init_key(struct rng *r, const uint8_t key[32])
{
    static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    memset(r, 0, sizeof(*r));
    memcpy(r->state, sigma, sizeof(sigma));
    for (int i = 0; i < 8; i++)
        r->state[4 + i] = (uint32_t)key[4 * i] | (uint32_t)key[4 * i + 1] << 8 |
                          (uint32_t)key[4 * i + 2] << 16 | (uint32_t)key[4 * i + 3] << 24;
    r->pos = sizeof(r->buf); /* empty: the first draw computes block 0 */
}

int rng_init(struct rng *r)
{
    uint8_t key[32];
    size_t got = 0;
    while (got < sizeof(key)) {
        ssize_t n = getrandom(key + got, sizeof(key) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    rng_init_key(r, key);
    memset(key, 0, sizeof(key));
    return 0;
}

void rng_bytes(struct rng *r, void *out, size_t n)
{
    uint8_t *p = out;
    while (n > 0) {
        if (r->pos == sizeof(r->buf)) {
            chacha20_block(r->state, r->buf);
            /* words 12-13 are a 64-bit block counter: it never wraps in practice */
            if (++r->state[12] == 0)
                r->state[13]++;
            r->pos = 0;
        }
        size_t k = sizeof(r->buf) - r->pos;
        if (k > n)
            k = n;
        memcpy(p, r->buf + r->pos, k);
        /* wipe what was handed out, so a later memory disclosure cannot replay it */
        memset(r->buf + r->pos, 0, k);
        r->pos += (unsigned)k;
        p += k;
        n -= k;
    }
}

uint16_t rng_u16(struct rng *r)
{
    uint8_t b[2];
    rng_bytes(r, b, sizeof(b));
    return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t rng_u32(struct rng *r)
{
    uint8_t b[4];
    rng_bytes(r, b, sizeof(b));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

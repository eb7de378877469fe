/* rng: a small CSPRNG (ChaCha20 in counter mode, RFC 8439 block function) keyed from the
 * kernel's getrandom(). One state per user — no global state, so each event loop keeps its
 * own — for values an off-path attacker must not guess: DNS query IDs. */
#ifndef MXS_RNG_H
#define MXS_RNG_H
#include <stddef.h>
#include <stdint.h>

struct rng {
    uint32_t state[16]; /* constants, key, 64-bit block counter, zero nonce */
    uint8_t buf[64];    /* the current keystream block */
    unsigned pos;       /* octets of buf already handed out */
};

/* Keys r from getrandom(). Returns 0, or a negative errno when the kernel gives no entropy. */
int rng_init(struct rng *r);
/* Keys r with a fixed key: reproducible output, for tests only. */
void rng_init_key(struct rng *r, const uint8_t key[32]);
void rng_bytes(struct rng *r, void *out, size_t n);
uint16_t rng_u16(struct rng *r);
uint32_t rng_u32(struct rng *r);

/* The RFC 8439 §2.3 block function: 64 octets of keystream from a 16-word input state. */
void chacha20_block(const uint32_t in[16], uint8_t out[64]);

#endif

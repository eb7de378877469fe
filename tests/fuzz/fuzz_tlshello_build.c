/* libFuzzer harness for tlshello_build() (src/probe/tlshello.c): the input supplies the SNI name (any
 * octets up to the first NUL) and the caller's 96 random octets. The record must fit
 * TLSHELLO_BUILD_MAX, its lengths must add up, the name must be sent exactly when tlshello.h says
 * so, a buffer one octet short must fail, and the ServerHello reader must refuse our own
 * ClientHello as "not a ServerHello". Built and run by `make fuzz` (docs/testing.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/tlshello.h"

#define REQUIRE(cond)                                                                     \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_tlshello_build: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t rnd[96] = {0};
    memcpy(rnd, data, size < 96 ? size : 96);
    size_t off = size < 96 ? size : 96;
    char sni[400];
    size_t n = size - off < sizeof(sni) - 1 ? size - off : sizeof(sni) - 1;
    memcpy(sni, data + off, n);
    sni[n] = '\0';
    size_t sni_len = strlen(sni);

    static uint8_t out[TLSHELLO_BUILD_MAX];
    size_t len = tlshello_build(out, sizeof(out), sni, rnd, rnd + 32, rnd + 64);
    REQUIRE(len > 0 && len <= TLSHELLO_BUILD_MAX);
    REQUIRE(out[0] == 22 && g16(out + 1) == 0x0301 && g16(out + 3) == len - 5);
    REQUIRE(out[5] == 1 && ((size_t)out[6] << 16 | g16(out + 7)) == len - 9);
    REQUIRE(memcmp(out + 11, rnd, 32) == 0 && out[43] == 32 && memcmp(out + 44, rnd + 32, 32) == 0);
    REQUIRE(memcmp(out + len - 32, rnd + 64, 32) == 0);
    /* Walk the extensions: they must exactly fill their block. */
    size_t p = 76;
    p += 2 + g16(out + p); /* suites */
    p += 1 + out[p];       /* compression */
    REQUIRE(p + 2 <= len && g16(out + p) == len - p - 2);
    p += 2;
    int has_sni = 0;
    while (p < len) {
        REQUIRE(p + 4 <= len && p + 4 + g16(out + p + 2) <= len);
        if (g16(out + p) == 0) {
            has_sni = 1;
            size_t hl = g16(out + p + 7);
            REQUIRE(hl >= 1 && hl <= 255 && g16(out + p + 2) == 5 + hl);
            REQUIRE(hl == sni_len || (hl == sni_len - 1 && sni[sni_len - 1] == '.'));
            REQUIRE(memcmp(out + p + 9, sni, hl) == 0);
            for (size_t i = 0; i < hl; i++)
                REQUIRE(out[p + 9 + i] > 0x20 && out[p + 9 + i] < 0x7f);
        }
        p += 4 + g16(out + p + 2);
    }
    REQUIRE(p == len);
    if (sni_len >= 1 && sni_len <= 255 && sni[0] != '[' && !strchr(sni, ':') &&
        strspn(sni, "abcdefghijklmnopqrstuvwxyz-") == sni_len)
        REQUIRE(has_sni); /* a plain name is always sent */
    static uint8_t short_buf[TLSHELLO_BUILD_MAX]; /* a failed build leaves its buffer unspecified */
    REQUIRE(tlshello_build(short_buf, len - 1, sni, rnd, rnd + 32, rnd + 64) == 0);

    static struct tlshello_reader r;
    tlshello_reader_init(&r);
    size_t used;
    REQUIRE(tlshello_reader_feed(&r, out, len, &used) == TLSHELLO_ERROR);
    REQUIRE(strstr(r.error, "not a ServerHello") != NULL);
    return 0;
}

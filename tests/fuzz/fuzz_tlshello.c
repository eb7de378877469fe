/* libFuzzer harness for the ServerHello reader (src/probe/tlshello.c): arbitrary octets fed whole,
 * split in two at a point taken from the input, and one octet at a time. Any difference in
 * verdict between the three, or a verdict that breaks the reader's contract (tlshello.h), aborts.
 * Seeds: tests/fuzz/corpus/tlshello/ (real answers recorded from OpenSSL and mbedTLS servers,
 * plus crafted alerts and impostors). Built and run by `make fuzz` (docs/testing.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/tlshello.h"

#define REQUIRE(cond)                                                               \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_tlshello: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                \
        }                                                                           \
    } while (0)

struct run {
    enum tlshello_status status;
    const char *error;
    struct tlshello_result res;
    size_t consumed;
};

/* Feeds data in pieces cut at the offsets in cuts[0..ncuts) (ascending), then the rest. */
static void feed(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts, size_t every,
                 struct run *out)
{
    static struct tlshello_reader r; /* 8 KB; one harness thread */
    tlshello_reader_init(&r);
    size_t at = 0, c = 0;
    while (at < size && r.status == TLSHELLO_NEED_MORE) {
        size_t end = size;
        if (every)
            end = at + every < size ? at + every : size;
        else if (c < ncuts && cuts[c] > at)
            end = cuts[c];
        if (!every && c < ncuts && cuts[c] <= at) {
            c++;
            continue;
        }
        /* A copy exactly as long as the piece, so ASan sees any read past it. */
        size_t n = end - at, used = (size_t)-1;
        uint8_t *piece = malloc(n ? n : 1);
        memcpy(piece, data + at, n);
        enum tlshello_status st = tlshello_reader_feed(&r, piece, n, &used);
        free(piece);
        REQUIRE(st == r.status);
        REQUIRE(used <= n);
        if (st == TLSHELLO_NEED_MORE)
            REQUIRE(used == n);
        at += used;
    }
    if (r.status != TLSHELLO_NEED_MORE) {
        size_t used = (size_t)-1;
        REQUIRE(tlshello_reader_feed(&r, data, size, &used) == r.status && used == 0);
    }
    out->status = r.status;
    out->error = r.error;
    out->res = r.result;
    out->consumed = at;
}

static void check_contract(const struct run *v, size_t size)
{
    REQUIRE(v->consumed <= size);
    const struct tlshello_result *res = &v->res;
    REQUIRE(res->warnings <= TLSHELLO_MAX_WARNINGS);
    switch (v->status) {
    case TLSHELLO_NEED_MORE:
        REQUIRE(v->consumed == size && !v->error);
        break;
    case TLSHELLO_ERROR:
        REQUIRE(v->error && *v->error);
        break;
    case TLSHELLO_DONE:
        REQUIRE(!v->error);
        if (res->kind == TLSHELLO_ALERT) {
            REQUIRE(res->alert_level == 2 || (res->alert_level == 1 && res->alert_desc == 0));
            char buf[TLS_ALERT_NAME_LEN];
            REQUIRE(strlen(tls_alert_format(res->alert_desc, buf, sizeof(buf))) < sizeof(buf) - 1);
        } else {
            REQUIRE(res->kind == TLSHELLO_SERVER_HELLO || res->kind == TLSHELLO_HELLO_RETRY);
            REQUIRE(tls_version_name(res->version) != NULL);
            REQUIRE(res->version >= 0x0300 && res->version <= 0x0304);
            if (res->kind == TLSHELLO_HELLO_RETRY)
                REQUIRE(res->version == 0x0304);
            if (res->version < 0x0304)
                REQUIRE(res->group == 0 && res->version == res->legacy_version);
            char buf[TLS_CIPHER_NAME_LEN];
            REQUIRE(*tls_cipher_name(res->cipher, buf, sizeof(buf)));
            (void)tls_group_name(res->group);
            /* A ServerHello needs at least a record header, a handshake header and 38 octets. */
            REQUIRE(v->consumed >= 5 + 4 + 38);
        }
        break;
    }
}

static void same(const struct run *a, const struct run *b)
{
    REQUIRE(a->status == b->status);
    REQUIRE(a->consumed == b->consumed);
    if (a->status == TLSHELLO_ERROR)
        REQUIRE(strcmp(a->error, b->error) == 0);
    if (a->status == TLSHELLO_DONE) {
        const struct tlshello_result *x = &a->res, *y = &b->res;
        REQUIRE(x->kind == y->kind && x->version == y->version &&
                x->legacy_version == y->legacy_version && x->cipher == y->cipher &&
                x->compression == y->compression && x->group == y->group &&
                x->alert_level == y->alert_level && x->alert_desc == y->alert_desc &&
                x->warnings == y->warnings && x->last_warning == y->last_warning);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run whole, split, bytes;
    feed(data, size, NULL, 0, 0, &whole);
    check_contract(&whole, size);
    /* The split point comes from the input's own last octets, so the seeds stay real answers
     * and the fuzzer still steers the cut. */
    size_t cut = size ? ((size_t)data[size - 1] << 8 | data[size / 2]) % (size + 1) : 0;
    feed(data, size, &cut, 1, 0, &split);
    check_contract(&split, size);
    same(&whole, &split);
    feed(data, size, NULL, 0, 1, &bytes);
    same(&whole, &bytes);
    return 0;
}

/* dane_driver: DANE (src/classify/dane.c) on a chain a server really sent, for
 * tests/integration/test_dnssec.py, which compares it with OpenSSL's own DANE verifier
 * (openssl s_client -dane_tlsa_rrdata) on the same world endpoints. Not part of the main build.
 *
 *   dane_driver CHAIN.pem REFNAME RRDATA...
 *     CHAIN.pem  the certificates as the server sent them, leaf first (s_client -showcerts)
 *     REFNAME    the reference name for DANE-TA's name check (the MX host)
 *     RRDATA     one TLSA record's presentation rdata: "USAGE SELECTOR MTYPE HEX"
 *
 * Output: one line "VERDICT MATCHED DEPTH" (dane_verdict_str; the record's index and the
 * matched certificate's depth, -1 when none). Exit 0 when it printed, 2 on bad usage or input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pem.h>

#include "classify/classify.h"
#include "classify/dane.h"
#include "core/util.h"

#define MAX_CERTS 16
#define MAX_RECS 16

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reads every PEM certificate of path into chain[]; returns how many, or -1. */
static int read_chain(const char *path, struct cert_info **chain)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    int count = 0;
    const char *p = text;
    while (count < MAX_CERTS && (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL) {
        mbedtls_pem_context pem;
        mbedtls_pem_init(&pem);
        size_t used = 0;
        if (mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----",
                                    "-----END CERTIFICATE-----", (const unsigned char *)p, NULL,
                                    0, &used) != 0) {
            mbedtls_pem_free(&pem);
            break;
        }
        chain[count++] = cert_info_from_der(pem.buf, pem.buflen); /* 2.28: fields are public */
        mbedtls_pem_free(&pem);
        p += used;
    }
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: dane_driver CHAIN.pem REFNAME \"U S M HEX\"...\n");
        return 2;
    }
    struct cert_info *chain[MAX_CERTS];
    int nchain = read_chain(argv[1], chain);
    if (nchain < 0) {
        perror(argv[1]);
        return 2;
    }
    struct dane_tlsa recs[MAX_RECS];
    unsigned char *bufs[MAX_RECS];
    size_t nrecs = 0;
    for (int a = 3; a < argc && nrecs < MAX_RECS; a++) {
        unsigned u, s, m;
        char hex[4200];
        if (sscanf(argv[a], "%u %u %u %4199s", &u, &s, &m, hex) != 4 || strlen(hex) % 2) {
            fprintf(stderr, "dane_driver: bad rdata %s\n", argv[a]);
            return 2;
        }
        size_t len = strlen(hex) / 2;
        unsigned char *d = xmalloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                fprintf(stderr, "dane_driver: bad hex in %s\n", argv[a]);
                return 2;
            }
            d[i] = (unsigned char)(hi << 4 | lo);
        }
        bufs[nrecs] = d;
        recs[nrecs++] = (struct dane_tlsa){u, s, m, d, len};
    }
    psl_ctx_t *psl = classify_psl_load();
    const char *refs[] = {argv[2]};
    struct dane_result r;
    dane_check(recs, nrecs, chain, (size_t)nchain, psl, refs, 1, &r);
    printf("%s %d %d\n", dane_verdict_str(r.verdict), r.matched, r.matched_depth);
    psl_free(psl);
    for (size_t i = 0; i < nrecs; i++)
        free(bufs[i]);
    for (int i = 0; i < nchain; i++)
        cert_info_free(chain[i]);
    return 0;
}

/* tlshello_driver: sends the version probe's ClientHello (src/probe/tlshello.c) to a real server and
 * reads the answer with the ServerHello reader, printing one JSON object on stdout. Built and
 * run by tests/integration/test_tlshello.py (blocking sockets, no libuv); also the tool that
 * records the captures under tests/unit/data/tlshello/. Not part of the main build.
 *
 *   tlshello_driver [-s] [-n SNI] [-w FILE] [-c FILE] [-t MS] IP PORT
 *     -s       SMTP first: read the greeting, EHLO, STARTTLS, expect 220 (RFC 3207)
 *     -n SNI   server name for the ClientHello (default: none)
 *     -w FILE  write every octet the server sent after the ClientHello to FILE (a capture:
 *              the reader's verdict first, then up to 300 ms more of the same flight)
 *     -c FILE  write the ClientHello sent to FILE
 *     -t MS    overall timeout (default 5000)
 *
 * Output: {"status":"done"|"error"|"eof"|"timeout"|"smtp", "kind":..., "version":...,
 * "legacy_version":N, "cipher":..., "cipher_id":N, "compression":N, "group":..., "alert":...,
 * "alert_level":N, "warnings":N, "last_warning":..., "error":..., "consumed":N, "received":N,
 * "one_by_one":"same"|"differs"} — one_by_one: the received octets fed again one at a time
 * give the same verdict. Exit 0 whenever it printed a result, 2 for usage or socket errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "driver_smtp.h"
#include "probe/tlshello.h"

#define RECV_MAX 65536

static void save(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void jstr(const char *key, const char *v)
{
    if (v)
        printf(",\"%s\":\"%s\"", key, v); /* every value here is our own static text */
    else
        printf(",\"%s\":null", key);
}

static const char *kind_name(enum tlshello_kind k)
{
    return k == TLSHELLO_SERVER_HELLO ? "server_hello"
           : k == TLSHELLO_HELLO_RETRY ? "hello_retry_request"
                                       : "alert";
}

static int same_verdict(const struct tlshello_reader *a, const struct tlshello_reader *b)
{
    if (a->status != b->status)
        return 0;
    if (a->status == TLSHELLO_ERROR)
        return strcmp(a->error, b->error) == 0;
    if (a->status == TLSHELLO_DONE) {
        const struct tlshello_result *x = &a->result, *y = &b->result;
        return x->kind == y->kind && x->version == y->version && x->cipher == y->cipher &&
               x->group == y->group && x->alert_level == y->alert_level &&
               x->alert_desc == y->alert_desc && x->warnings == y->warnings;
    }
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: tlshello_driver [-s] [-n SNI] [-w FILE] [-c FILE] [-t MS] IP PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int smtp = 0, opt;
    const char *sni = NULL, *wfile = NULL, *cfile = NULL;
    long timeout = 5000;
    while ((opt = getopt(argc, argv, "sn:w:c:t:")) != -1) {
        switch (opt) {
        case 's': smtp = 1; break;
        case 'n': sni = optarg; break;
        case 'w': wfile = optarg; break;
        case 'c': cfile = optarg; break;
        case 't': timeout = atol(optarg); break;
        default: usage();
        }
    }
    if (argc - optind != 2)
        usage();

    int fd = tcp_connect(argv[optind], atoi(argv[optind + 1]));
    if (fd < 0) {
        perror("connect");
        return 2;
    }
    long long deadline = now_ms() + timeout;

    if (smtp) {
        int code = smtp_starttls(fd, "tlshello-driver.invalid", deadline);
        if (code != 220) {
            printf("{\"status\":\"smtp\",\"smtp_code\":%d}\n", code);
            return 0;
        }
    }

    uint8_t rnd[96], hello[TLSHELLO_BUILD_MAX];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        perror("getrandom");
        return 2;
    }
    size_t hlen = tlshello_build(hello, sizeof(hello), sni, rnd, rnd + 32, rnd + 64);
    if (!hlen || write_all(fd, hello, hlen) != 0) {
        fprintf(stderr, "tlshello_driver: cannot build or send the ClientHello\n");
        return 2;
    }
    if (cfile)
        save(cfile, hello, hlen);

    static uint8_t got[RECV_MAX];
    size_t received = 0, consumed_total = 0;
    struct tlshello_reader r;
    tlshello_reader_init(&r);
    const char *status = "timeout";
    while (received < sizeof(got)) {
        ssize_t n = read_some(fd, got + received, sizeof(got) - received, deadline);
        if (n == 0) {
            status = "eof";
            break;
        }
        if (n < 0)
            break;
        size_t used;
        tlshello_reader_feed(&r, got + received, (size_t)n, &used);
        consumed_total += used;
        received += (size_t)n;
        if (r.status != TLSHELLO_NEED_MORE) {
            status = r.status == TLSHELLO_DONE ? "done" : "error";
            break;
        }
    }
    if (wfile) { /* the rest of the flight, for a realistic capture */
        long long quiet = now_ms() + 300;
        ssize_t n;
        while (received < sizeof(got) &&
               (n = read_some(fd, got + received, sizeof(got) - received, quiet)) > 0)
            received += (size_t)n;
        save(wfile, got, received);
    }
    close(fd);

    /* The same octets one at a time must give the same verdict. */
    struct tlshello_reader one;
    tlshello_reader_init(&one);
    for (size_t i = 0, used; i < consumed_total && one.status == TLSHELLO_NEED_MORE; i++)
        tlshello_reader_feed(&one, got + i, 1, &used);

    const struct tlshello_result *res = &r.result;
    char cname[TLS_CIPHER_NAME_LEN], aname[TLS_ALERT_NAME_LEN], wname[TLS_ALERT_NAME_LEN];
    printf("{\"status\":\"%s\"", status);
    int done = r.status == TLSHELLO_DONE;
    jstr("kind", done ? kind_name(res->kind) : NULL);
    int hello_kind = done && res->kind != TLSHELLO_ALERT;
    jstr("version", hello_kind ? tls_version_name(res->version) : NULL);
    printf(",\"legacy_version\":%u", (unsigned)res->legacy_version);
    jstr("cipher", hello_kind ? tls_cipher_name(res->cipher, cname, sizeof(cname)) : NULL);
    printf(",\"cipher_id\":%u,\"compression\":%u", (unsigned)res->cipher,
           (unsigned)res->compression);
    jstr("group", hello_kind && res->group ? tls_group_name(res->group) : NULL);
    jstr("alert", done && res->kind == TLSHELLO_ALERT
                      ? tls_alert_format(res->alert_desc, aname, sizeof(aname))
                      : NULL);
    printf(",\"alert_level\":%u,\"warnings\":%u", (unsigned)res->alert_level, res->warnings);
    jstr("last_warning", res->warnings ? tls_alert_format(res->last_warning, wname, sizeof(wname))
                                       : NULL);
    jstr("error", r.error);
    printf(",\"consumed\":%zu,\"received\":%zu", consumed_total, received);
    jstr("one_by_one", same_verdict(&r, &one) ? "same" : "differs");
    printf("}\n");
    return 0;
}

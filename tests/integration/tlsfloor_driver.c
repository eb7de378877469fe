/* tlsfloor_driver: the floor for the scanner's CPU per handshake. It makes N STARTTLS
 * handshakes one after another with nothing but blocking sockets and mbedTLS, configured by
 * the scanner's own tls_config_new (src/probe/tls.c: the same offered versions, suites, curves
 * and signature hashes, so the same key exchange is negotiated), and prints the client CPU
 * (user + system, getrusage) per handshake. scripts/bench-tls divides the scanner's CPU per
 * handshake by this figure, measured in the same run against the same servers: what is above
 * 1 is the scanner's own overhead (event loop, DNS, parsing, classification, records).
 *
 *   tlsfloor_driver [-n N] [-c] [-s SNI] [-e EHLO] IP PORT [IP PORT ...]
 *     -n N     handshakes in all (default 100), spread round-robin over the endpoints
 *     -c       stop after the server's Certificate message (the floor of --mode cert)
 *     -s SNI   server name to send (default: none)
 *     -e EHLO  EHLO argument (default floor.invalid)
 *
 * Output, one JSON object: {"handshakes":N,"failed":N,"cpu_ms_per_handshake":X,
 * "wall_ms_per_handshake":X,"version":"TLSv1.2","ciphersuite":"...","error":"..."|null}.
 * Exit 0 when every handshake succeeded, 1 when some failed, 2 for usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "driver_smtp.h"
#include "probe/tls.h"

#define TIMEOUT_MS 10000

struct bio {
    int fd;
    long long deadline;
};

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct bio *b = ctx;
    return write_all(b->fd, buf, len) == 0 ? (int)len : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct bio *b = ctx;
    ssize_t n = read_some(b->fd, buf, len, b->deadline);
    if (n < 0)
        return MBEDTLS_ERR_NET_RECV_FAILED;
    return n == 0 ? MBEDTLS_ERR_NET_CONN_RESET : (int)n;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* One handshake; 0, or -1 with why in err. version/suite: what was negotiated. */
static int one(const struct tls_config *cfg, const char *ip, int port, const char *sni,
               const char *ehlo, int cert_only, char *err, size_t errlen, char *version,
               char *suite)
{
    int fd = tcp_connect(ip, port);
    if (fd < 0) {
        snprintf(err, errlen, "connect %s:%d: %s", ip, port, strerror(errno));
        return -1;
    }
    struct bio b = {.fd = fd, .deadline = now_ms() + TIMEOUT_MS};
    int code = smtp_starttls(fd, ehlo, b.deadline);
    if (code != 220) {
        snprintf(err, errlen, "%s:%d: STARTTLS answered %d", ip, port, code);
        close(fd);
        return -1;
    }
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    int rc = mbedtls_ssl_setup(&ssl, &cfg->conf);
    if (rc == 0 && sni)
        rc = mbedtls_ssl_set_hostname(&ssl, sni);
    mbedtls_ssl_set_bio(&ssl, &b, bio_send, bio_recv, NULL);
    while (rc == 0 && ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        if (cert_only && ssl.state > MBEDTLS_SSL_SERVER_CERTIFICATE)
            break; /* the Certificate message has been parsed */
        rc = mbedtls_ssl_handshake_step(&ssl);
    }
    if (rc != 0) {
        char e[200];
        mbedtls_strerror(rc, e, sizeof(e));
        snprintf(err, errlen, "%s:%d: handshake: %s (-0x%04x)", ip, port, e, -rc);
    } else if (!cert_only) {
        snprintf(version, 32, "%s", mbedtls_ssl_get_version(&ssl));
        snprintf(suite, 128, "%s", mbedtls_ssl_get_ciphersuite(&ssl));
        mbedtls_ssl_close_notify(&ssl);
    }
    mbedtls_ssl_free(&ssl);
    close(fd);
    return rc == 0 ? 0 : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: tlsfloor_driver [-n N] [-c] [-s SNI] [-e EHLO] IP PORT [IP PORT ...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long n = 100;
    int cert_only = 0, opt;
    const char *sni = NULL, *ehlo = "floor.invalid";
    while ((opt = getopt(argc, argv, "n:cs:e:")) != -1) {
        switch (opt) {
        case 'n': n = atol(optarg); break;
        case 'c': cert_only = 1; break;
        case 's': sni = optarg; break;
        case 'e': ehlo = optarg; break;
        default: usage();
        }
    }
    int neps = (argc - optind) / 2;
    if (n < 1 || neps < 1 || (argc - optind) % 2 != 0)
        usage();
    char err[512] = "";
    struct tls_config *cfg = tls_config_new(err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "tlsfloor_driver: %s\n", err);
        return 2;
    }
    char version[32] = "", suite[128] = "", first_err[512] = "";
    long failed = 0;
    double c0 = cpu_ms();
    long long w0 = now_ms();
    for (long i = 0; i < n; i++) {
        int k = (int)(i % neps);
        if (one(cfg, argv[optind + 2 * k], atoi(argv[optind + 2 * k + 1]), sni, ehlo, cert_only,
                err, sizeof(err), version, suite) != 0) {
            if (!failed++)
                snprintf(first_err, sizeof(first_err), "%s", err);
        }
    }
    double cpu = cpu_ms() - c0;
    long long wall = now_ms() - w0;
    /* every string printed is our own or mbedTLS's static text, or an address we were given */
    printf("{\"handshakes\":%ld,\"failed\":%ld,\"cpu_ms_per_handshake\":%.4f,"
           "\"wall_ms_per_handshake\":%.4f,\"version\":%s%s%s,\"ciphersuite\":%s%s%s,"
           "\"error\":%s%s%s}\n",
           n, failed, cpu / (double)n, (double)wall / (double)n, version[0] ? "\"" : "",
           version[0] ? version : "null", version[0] ? "\"" : "", suite[0] ? "\"" : "",
           suite[0] ? suite : "null", suite[0] ? "\"" : "", first_err[0] ? "\"" : "",
           first_err[0] ? first_err : "null", first_err[0] ? "\"" : "");
    tls_config_free(cfg);
    return failed ? 1 : 0;
}

/* tlsfloor_driver: the floor for the scanner's CPU per handshake. It makes N STARTTLS
 * handshakes one after another with nothing but blocking sockets and mbedTLS, configured by
 * the scanner's own tls_config_new (src/probe/tls.c: the same offered versions, suites, curves
 * and signature hashes, so the same key exchange is negotiated), and prints the client CPU
 * (user + system, CLOCK_THREAD_CPUTIME_ID) per handshake. scripts/bench-tls divides the
 * scanner's CPU per handshake by this figure, measured in the same run against the same
 * servers: what is above 1 is the scanner's own overhead (event loop, DNS, parsing,
 * classification, records).
 *
 *   tlsfloor_driver [-n N] [-t T] [-c] [-s SNI] [-e EHLO] IP PORT [IP PORT ...]
 *     -n N     handshakes in all (default 100), spread round-robin over the endpoints
 *     -t T     T threads at once (default 1), each with its own TLS configuration and DRBG
 *              (tls_config_new, as each of the scanner's probe loops has), sharing the N
 *              handshakes: the floor of a scan with --threads T, which pays what the library
 *              costs threads that run at once (docs/performance.md: Debian's mbedTLS counts
 *              curve multiplications in one process-wide variable)
 *     -c       stop after the server's Certificate message (the floor of --mode cert)
 *     -s SNI   server name to send (default: none)
 *     -e EHLO  EHLO argument (default floor.invalid)
 *
 * Output, one JSON object: {"handshakes":N,"threads":T,"failed":N,"cpu_ms_per_handshake":X,
 * "wall_ms_per_handshake":X,"version":"TLSv1.2","ciphersuite":"...","error":"..."|null}: CPU is
 * the threads' user + system time from their first handshake to their last, over N.
 * Exit 0 when every handshake succeeded, 1 when some failed, 2 for usage errors. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "driver_smtp.h"
#include "probe/tls.h"

#define TIMEOUT_MS 10000
#define MAX_THREADS 64

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

/* The calling thread's CPU time (user + system), from its first handshake on: the setup of its
 * TLS configuration (the system's trust anchors parsed) is no part of a handshake. */
static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
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
    fprintf(stderr, "usage: tlsfloor_driver [-n N] [-t T] [-c] [-s SNI] [-e EHLO] IP PORT [IP PORT ...]\n");
    exit(2);
}

/* What the threads share (read only, but the counters under mu) and what each one is. */
struct run {
    char **eps; /* IP PORT pairs */
    int neps, cert_only;
    const char *sni, *ehlo;
    long n, next;        /* handshakes in all, and the next one to make (under mu) */
    long failed;         /* under mu */
    double cpu_ms;       /* the threads' CPU over their handshakes (under mu) */
    char version[32], suite[128], first_err[512]; /* under mu */
    pthread_mutex_t mu;
};

struct worker {
    struct run *r;
    pthread_t t;
    int setup_failed;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->r;
    char err[512] = "", version[32] = "", suite[128] = "";
    struct tls_config *cfg = tls_config_new(err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "tlsfloor_driver: %s\n", err);
        w->setup_failed = 1;
        return NULL;
    }
    double c0 = thread_cpu_ms();
    for (;;) {
        pthread_mutex_lock(&r->mu);
        long i = r->next < r->n ? r->next++ : -1;
        pthread_mutex_unlock(&r->mu);
        if (i < 0)
            break;
        int k = (int)(i % r->neps);
        int rc = one(cfg, r->eps[2 * k], atoi(r->eps[2 * k + 1]), r->sni, r->ehlo, r->cert_only, err,
                     sizeof(err), version, suite);
        pthread_mutex_lock(&r->mu);
        if (rc != 0 && !r->failed++)
            snprintf(r->first_err, sizeof(r->first_err), "%s", err);
        if (rc == 0 && version[0]) {
            memcpy(r->version, version, sizeof(version));
            memcpy(r->suite, suite, sizeof(suite));
        }
        pthread_mutex_unlock(&r->mu);
    }
    double used = thread_cpu_ms() - c0;
    pthread_mutex_lock(&r->mu);
    r->cpu_ms += used;
    pthread_mutex_unlock(&r->mu);
    tls_config_free(cfg);
    return NULL;
}

int main(int argc, char **argv)
{
    struct run r = {.n = 100, .ehlo = "floor.invalid"};
    int threads = 1, opt;
    while ((opt = getopt(argc, argv, "n:t:cs:e:")) != -1) {
        switch (opt) {
        case 'n': r.n = atol(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'c': r.cert_only = 1; break;
        case 's': r.sni = optarg; break;
        case 'e': r.ehlo = optarg; break;
        default: usage();
        }
    }
    r.neps = (argc - optind) / 2;
    r.eps = argv + optind;
    if (r.n < 1 || threads < 1 || threads > MAX_THREADS || r.neps < 1 || (argc - optind) % 2 != 0)
        usage();
    pthread_mutex_init(&r.mu, NULL);
    struct worker w[MAX_THREADS] = {{0}};
    long long w0 = now_ms();
    int started = 0, setup_failed = 0;
    for (; started < threads; started++) {
        w[started].r = &r;
        if (pthread_create(&w[started].t, NULL, worker_main, &w[started]) != 0) {
            fprintf(stderr, "tlsfloor_driver: cannot start a thread\n");
            setup_failed = 1;
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].t, NULL);
        setup_failed |= w[i].setup_failed;
    }
    double cpu = r.cpu_ms;
    long long wall = now_ms() - w0;
    pthread_mutex_destroy(&r.mu);
    if (setup_failed)
        return 2;
    /* every string printed is our own or mbedTLS's static text, or an address we were given */
    printf("{\"handshakes\":%ld,\"threads\":%d,\"failed\":%ld,\"cpu_ms_per_handshake\":%.4f,"
           "\"wall_ms_per_handshake\":%.4f,\"version\":%s%s%s,\"ciphersuite\":%s%s%s,"
           "\"error\":%s%s%s}\n",
           r.n, threads, r.failed, cpu / (double)r.n, (double)wall / (double)r.n, r.version[0] ? "\"" : "",
           r.version[0] ? r.version : "null", r.version[0] ? "\"" : "", r.suite[0] ? "\"" : "",
           r.suite[0] ? r.suite : "null", r.suite[0] ? "\"" : "", r.first_err[0] ? "\"" : "",
           r.first_err[0] ? r.first_err : "null", r.first_err[0] ? "\"" : "");
    return r.failed ? 1 : 0;
}

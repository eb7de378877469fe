/* eccthreads_driver: what a second thread costs mbedTLS's elliptic-curve arithmetic. It times the
 * client's X25519 key generation (mbedtls_ecdh_gen_public on Curve25519: half of the ECDHE work
 * of every handshake the scanner makes with a server that picks X25519) three ways, in rounds,
 * alternately:
 *
 *   one thread alone;
 *   two threads of one process at once (what two probe loops, --threads 2, are);
 *   two processes at once (what two `mxsurvey probe --shard` processes are).
 *
 * Each worker has its own DRBG, group and key: nothing of ours is shared. Debian builds mbedTLS
 * 2.28 with MBEDTLS_SELF_TEST, under which ecp.c counts every field multiplication in a
 * process-wide variable, so two threads doing curve arithmetic at once write one cache line
 * from two cores; two processes each have their own. scripts/bench-tls prints the three
 * figures beside the scanner's with one and two loops (docs/performance.md).
 *
 *   eccthreads_driver [-n N] [-r ROUNDS]
 *     -n N       key generations per worker and round (default 300)
 *     -r ROUNDS  rounds (default 5)
 *
 * Output, one JSON object: {"op":"x25519-keygen","n":N,"rounds":R,"one_thread_us":X,
 * "two_threads_us":X,"two_processes_us":X}: the median over the rounds (and the two workers) of
 * each worker's CPU time (CLOCK_THREAD_CPUTIME_ID) per key generation, in microseconds.
 * Exit 0; 1 when mbedTLS or the system failed (said on stderr); 2 for usage errors. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/entropy.h>

#define MAX_ROUNDS 100

static long n_ops = 300;

/* One worker: n_ops key generations; its CPU time per one in microseconds, or -1. */
static double keygens(void)
{
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    double us = -1;
    struct timespec a, b;
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) == 0 &&
        mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519) == 0 &&
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0) {
        long i = 0;
        while (i < n_ops && mbedtls_ecdh_gen_public(&grp, &d, &q, mbedtls_ctr_drbg_random, &drbg) == 0)
            i++;
        if (i == n_ops && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b) == 0)
            us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n_ops;
    }
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return us;
}

static void *thread_main(void *arg)
{
    *(double *)arg = keygens();
    return NULL;
}

/* Two threads at once: both figures into out[0..1]; 0, or -1. */
static int two_threads(double out[2])
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, thread_main, &out[i]) != 0)
            return -1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return out[0] > 0 && out[1] > 0 ? 0 : -1;
}

/* Two processes at once, each writing its figure to a pipe: out[0..1]; 0, or -1. */
static int two_processes(double out[2])
{
    int fd[2][2];
    pid_t pid[2];
    for (int i = 0; i < 2; i++) {
        if (pipe(fd[i]) < 0 || (pid[i] = fork()) < 0)
            return -1;
        if (pid[i] == 0) {
            double us = keygens();
            _exit(write(fd[i][1], &us, sizeof(us)) == (ssize_t)sizeof(us) ? 0 : 1);
        }
        close(fd[i][1]);
    }
    int ok = 0;
    for (int i = 0; i < 2; i++) {
        ok += read(fd[i][0], &out[i], sizeof(out[i])) == (ssize_t)sizeof(out[i]) && out[i] > 0;
        close(fd[i][0]);
        int st;
        waitpid(pid[i], &st, 0);
    }
    return ok == 2 ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
    fprintf(stderr, "usage: eccthreads_driver [-n N] [-r ROUNDS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int rounds = 5, opt;
    while ((opt = getopt(argc, argv, "n:r:")) != -1) {
        switch (opt) {
        case 'n': n_ops = atol(optarg); break;
        case 'r': rounds = atoi(optarg); break;
        default: usage();
        }
    }
    if (optind != argc || n_ops < 1 || rounds < 1 || rounds > MAX_ROUNDS)
        usage();
    double one[MAX_ROUNDS], threads[2 * MAX_ROUNDS], procs[2 * MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        one[r] = keygens();
        if (one[r] < 0 || two_threads(&threads[2 * r]) < 0 || two_processes(&procs[2 * r]) < 0) {
            fprintf(stderr, "eccthreads_driver: a key generation, a thread or a process failed\n");
            return 1;
        }
    }
    printf("{\"op\":\"x25519-keygen\",\"n\":%ld,\"rounds\":%d,\"one_thread_us\":%.1f,"
           "\"two_threads_us\":%.1f,\"two_processes_us\":%.1f}\n",
           n_ops, rounds, median(one, rounds), median(threads, 2 * rounds), median(procs, 2 * rounds));
    return 0;
}

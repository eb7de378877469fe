/* replay: the regression driver of the fuzz harnesses, for machines without clang/libFuzzer.
 * Linked with one tests/fuzz/fuzz_NAME.c (its LLVMFuzzerTestOneInput) and the library objects
 * of a gcc ASan + UBSan build (`make fuzz-replay`, run by tests/run):
 *
 *   replay [-t SECONDS] [-s SEED] [-o CRASHFILE] PATH...
 *
 * runs every file of each PATH (a file or a folder of seeds) through the harness once, then for
 * SECONDS (default 2) runs simple mutations of them (bit flips, octet changes, insertions,
 * deletions, duplicated and spliced pieces, truncation: what libFuzzer does, without its
 * coverage guidance) from a fixed SEED (default 1), so a failure is reproducible. A broken
 * invariant aborts, a sanitizer report ends the process; either way the input that did it is
 * written to CRASHFILE first (default replay-crash.bin), to become a corpus file and a unit
 * test. Prints "replay: N files, M mutations, no failure" and exits 0; 2 on bad usage. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_MAX (64 * 1024)

struct seed {
    uint8_t *data;
    size_t len;
};

/* The input being run, for the crash handlers (async-signal-safe: a static buffer, write()). */
static uint8_t cur[REPLAY_MAX];
static size_t cur_len;
static const char *crash_path = "replay-crash.bin";

static void save_input(void)
{
    int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, cur, cur_len);
        (void)w;
        close(fd);
    }
    static const char msg[] = "replay: the failing input is written to the crash file\n";
    ssize_t w = write(2, msg, sizeof(msg) - 1);
    (void)w;
}

static void on_abort(int sig)
{
    save_input();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Called by ASan/UBSan before they end the process (weak: absent without a sanitizer). */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void run(const uint8_t *data, size_t len)
{
    cur_len = len < REPLAY_MAX ? len : REPLAY_MAX;
    memcpy(cur, data, cur_len);
    /* A copy exactly as long as the input, as libFuzzer hands it, so ASan sees overreads. */
    uint8_t *copy = malloc(cur_len ? cur_len : 1);
    memcpy(copy, cur, cur_len);
    LLVMFuzzerTestOneInput(copy, cur_len);
    free(copy);
}

static int load(const char *path, struct seed **seeds, size_t *n, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = malloc(REPLAY_MAX);
    size_t len = fread(buf, 1, REPLAY_MAX, f);
    fclose(f);
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *seeds = realloc(*seeds, *cap * sizeof(**seeds));
    }
    (*seeds)[(*n)++] = (struct seed){buf, len};
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(const char *path, struct seed **seeds, size_t *n, size_t *cap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return load(path, seeds, n, cap);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t nn = 0, nc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (nn == nc) {
            nc = nc ? nc * 2 : 64;
            names = realloc(names, nc * sizeof(*names));
        }
        if (asprintf(&names[nn], "%s/%s", path, e->d_name) < 0)
            abort();
        nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof(*names), cmp_str); /* the same order on every machine */
    for (size_t i = 0; i < nn; i++) {
        if (load(names[i], seeds, n, cap) != 0)
            fprintf(stderr, "replay: skipped %s: %s\n", names[i], strerror(errno));
        free(names[i]);
    }
    free(names);
    return 0;
}

/* xorshift64*: the driver's own generator, seeded, so a run is reproducible. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* One to four mutations of buf (len octets, room for REPLAY_MAX) with other as splice donor. */
static size_t mutate(uint8_t *buf, size_t len, const struct seed *other, uint64_t *s)
{
    static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, '\n', '\r', '\\', '.', '*',
                                          '"', '<', '&', 0x9b, 0x1b, 0xc0, 0xe0, 0xf4, ' '};
    int k = 1 + (int)(rnd(s) % 4);
    while (k--) {
        size_t pos = len ? rnd(s) % len : 0;
        switch (rnd(s) % 8) {
        case 0: /* flip a bit */
            if (len)
                buf[pos] ^= (uint8_t)(1u << (rnd(s) % 8));
            break;
        case 1: /* an interesting octet */
            if (len)
                buf[pos] = interesting[rnd(s) % sizeof(interesting)];
            break;
        case 2: /* insert an octet */
            if (len < REPLAY_MAX) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = (uint8_t)rnd(s);
                len++;
            }
            break;
        case 3: { /* delete a run */
            size_t n = len - pos ? 1 + rnd(s) % (len - pos < 16 ? len - pos : 16) : 0;
            memmove(buf + pos, buf + pos + n, len - pos - n);
            len -= n;
            break;
        }
        case 4: { /* duplicate a piece */
            size_t n = len - pos ? 1 + rnd(s) % (len - pos) : 0;
            if (n > 256)
                n = 256;
            if (len + n <= REPLAY_MAX) {
                memmove(buf + pos + n, buf + pos, len - pos);
                memcpy(buf + pos + n, buf + pos, n < len - pos ? n : len - pos);
                len += n;
            }
            break;
        }
        case 5: { /* splice in a piece of another seed */
            if (other->len) {
                size_t from = rnd(s) % other->len;
                size_t n = 1 + rnd(s) % (other->len - from);
                if (len + n <= REPLAY_MAX) {
                    memmove(buf + pos + n, buf + pos, len - pos);
                    memcpy(buf + pos, other->data + from, n);
                    len += n;
                }
            }
            break;
        }
        case 6: /* truncate */
            len = pos;
            break;
        default: /* a random octet */
            if (len)
                buf[pos] = (uint8_t)rnd(s);
            break;
        }
    }
    return len;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    uint64_t seed = 1;
    int opt;
    while ((opt = getopt(argc, argv, "t:s:o:")) != -1) {
        switch (opt) {
        case 't': seconds = atof(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'o': crash_path = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-o CRASHFILE] PATH...\n", argv[0]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-o CRASHFILE] PATH...\n", argv[0]);
        return 2;
    }
    signal(SIGABRT, on_abort);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(save_input);

    struct seed *seeds = NULL;
    size_t n = 0, cap = 0;
    for (int i = optind; i < argc; i++)
        if (load_path(argv[i], &seeds, &n, &cap) != 0)
            return 2;
    run((const uint8_t *)"", 0);
    for (size_t i = 0; i < n; i++)
        run(seeds[i].data, seeds[i].len);

    unsigned long mutations = 0;
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL | 1;
    static uint8_t buf[REPLAY_MAX];
    double end = now() + seconds;
    while (n && now() < end) {
        for (int batch = 0; batch < 64; batch++) {
            const struct seed *a = &seeds[rnd(&s) % n], *b = &seeds[rnd(&s) % n];
            memcpy(buf, a->data, a->len);
            size_t len = mutate(buf, a->len, b, &s);
            run(buf, len);
            mutations++;
        }
    }
    printf("replay: %zu files, %lu mutations in %.0f s, no failure\n", n, mutations, seconds);
    for (size_t i = 0; i < n; i++)
        free(seeds[i].data);
    free(seeds);
    return 0;
}

/* targets.jsonl's reader (src/sched/targets_reader.c) over several files, an empty one among
 * them, with long lines, and its errors as "PATH:LINE: why" (a cut last line, damaged lines, a
 * record refused, a file that cannot be opened); survey_shard (targets.c): pinned values, the
 * range, the spread, and independence from the hash that shares a run's addresses among its
 * loops. */
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "sched/targets.h"
#include "test.h"
#include "testfs.h"

/* ------------------------------------------------------------------ the reader */

static void write_records(const char *dir, const char *name, int first_line, int n, const char *tail)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < n; i++) {
        char domain[64];
        snprintf(domain, sizeof(domain), "d%d.example", first_line + i);
        /* a long line: 100 MX hosts with two addresses each */
        char hosts[100][96], *ips[] = {"192.0.2.1", "2001:db8::1"};
        struct resolve_mx mx[100];
        for (int k = 0; k < 100; k++) {
            snprintf(hosts[k], sizeof(hosts[k]), "mx%d.%s", k, domain);
            mx[k] = (struct resolve_mx){.host = hosts[k], .pref = (unsigned)k, .ips = ips, .nips = 2,
                                        .resolved = 1};
        }
        struct resolve_result rr = {.domain = domain, .status = RESOLVE_OK, .mx = mx, .nmx = 100};
        json_t *j = targets_domain_json((unsigned long)(first_line + i), domain, &rr, NULL);
        char *s = json_dumps(j, JSON_COMPACT);
        fprintf(f, "%s\n", s);
        free(s);
        json_decref(j);
    }
    if (tail)
        fputs(tail, f);
    fclose(f);
}

/* Reads every record of paths; returns how many were read before the end or an error (rc:
 * the last targets_next result, err its message). */
static int read_all(const char *const *paths, size_t n, int *rc, char *err, size_t errlen)
{
    struct targets_reader *r = targets_reader_open(paths, n, err, errlen);
    CHECK(r != NULL);
    if (!r)
        return -1;
    struct target t;
    int count = 0;
    while ((*rc = targets_next(r, &t, err, errlen)) == 1) {
        count++;
        char want[64];
        snprintf(want, sizeof(want), "d%lu.example", t.line);
        CHECK_STR(t.domain, want);
        CHECK(t.rr && t.rr->nmx == 100 && t.rr->mx[99].nips == 2);
        target_clear(&t);
    }
    if (*rc < 0) { /* the error stays */
        char again[512];
        CHECK_INT(targets_next(r, &t, again, sizeof(again)), -1);
        CHECK_STR(again, err);
    }
    targets_reader_close(r);
    return count;
}

TEST(targets_reader_files)
{
    char *dir = tfs_mkdtemp("mxs-targets");
    char a[512], e[512], b[512], cut[512], bad[512], none[512];
    snprintf(a, sizeof(a), "%s/targets.0.jsonl", dir);
    snprintf(e, sizeof(e), "%s/targets.1.jsonl", dir);
    snprintf(b, sizeof(b), "%s/targets.2.jsonl", dir);
    snprintf(cut, sizeof(cut), "%s/cut.jsonl", dir);
    snprintf(bad, sizeof(bad), "%s/bad.jsonl", dir);
    snprintf(none, sizeof(none), "%s/none.jsonl", dir);
    write_records(dir, "targets.0.jsonl", 1, 2, NULL);
    write_records(dir, "targets.1.jsonl", 0, 0, NULL); /* empty */
    write_records(dir, "targets.2.jsonl", 3, 3, NULL);
    char err[512] = "", want[600];
    int rc;
    /* in order, across the empty file */
    CHECK_INT(read_all((const char *const[]){a, e, b}, 3, &rc, err, sizeof(err)), 5);
    CHECK_INT(rc, 0);
    CHECK_INT(read_all(NULL, 0, &rc, err, sizeof(err)), 0);
    CHECK_INT(rc, 0);

    /* a last line without its newline: a stage that did not finish */
    write_records(dir, "cut.jsonl", 6, 1, "{\"line\":7,\"kind\":\"duplicate\",\"domain\":\"a.example\",\"duplicate_of\":1}");
    CHECK_INT(read_all((const char *const[]){a, cut, b}, 3, &rc, err, sizeof(err)), 3);
    CHECK_INT(rc, -1);
    snprintf(want, sizeof(want), "%s:2: cut line: the stage that wrote it did not finish", cut);
    CHECK_STR(err, want);

    /* a damaged line: named by path and line, the record's own why after it */
    write_records(dir, "bad.jsonl", 8, 1, "{\"line\":9,\"kind\":\"domain\",\"domain\":\"x.example\",\"resolve\":7}\n");
    CHECK_INT(read_all((const char *const[]){bad}, 1, &rc, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s:2: resolve: not an object or null", bad);
    CHECK_STR(err, want);
    write_records(dir, "bad.jsonl", 8, 1, "[1,2]\n");
    CHECK_INT(read_all((const char *const[]){bad}, 1, &rc, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s:2: not a JSON object (an array)", bad);
    CHECK_STR(err, want);
    write_records(dir, "bad.jsonl", 8, 1, "\n");
    CHECK_INT(read_all((const char *const[]){bad}, 1, &rc, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s:2: malformed JSON", bad);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    write_records(dir, "bad.jsonl", 8, 0, "{\"line\":1,\"kind\":\"invalid\",\"input\":\"a\xff\",\"error\":\"x\"}\n");
    CHECK_INT(read_all((const char *const[]){bad}, 1, &rc, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s:1: malformed JSON", bad); /* invalid UTF-8 */
    CHECK(strncmp(err, want, strlen(want)) == 0);

    /* a file that cannot be opened: said before any record is read */
    CHECK(targets_reader_open((const char *const[]){a, none}, 2, err, sizeof(err)) == NULL);
    snprintf(want, sizeof(want), "cannot open %s: No such file or directory", none);
    CHECK_STR(err, want);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ survey_shard */

TEST(survey_shard_values)
{
    /* Pinned: a change of the function would split the shards of a survey written before. */
    CHECK_INT(survey_shard("example.com", 11, 1000), 86);
    CHECK_INT(survey_shard("192.0.2.1", 9, 7), 5);
    CHECK_INT(survey_shard("bad\0line\xff", 9, 1000), 594);
    /* every octet counts, a NUL and what follows it too */
    CHECK(survey_shard("a\0b", 3, 1000) != survey_shard("a\0c", 3, 1000));
    /* only len octets count, whatever follows */
    CHECK_INT(survey_shard("example.comX", 11, 1000), 86);
    for (unsigned n = 1; n <= 9; n++)
        for (int i = 0; i < 200; i++) {
            char k[32];
            int len = snprintf(k, sizeof(k), "host%d.example", i);
            unsigned s = survey_shard(k, (size_t)len, n);
            CHECK(s < n);
            if (n == 1)
                CHECK_INT(s, 0);
        }
}

TEST(survey_shard_spread)
{
    enum { N = 10000 };
    unsigned count[3] = {0, 0, 0}, loop_of[2] = {0, 0}, in0 = 0;
    for (int i = 0; i < N; i++) {
        char ip[64];
        int len = i % 2 ? snprintf(ip, sizeof(ip), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255)
                        : snprintf(ip, sizeof(ip), "2001:db8::%x", i);
        count[survey_shard(ip, (size_t)len, 3)]++;
        /* independence: of the addresses of probe shard 0 of 2, the run's loop hash (seed 0,
         * run_loop_of) still sends about half to each of two loops */
        if (survey_shard(ip, (size_t)len, 2) == 0) {
            in0++;
            loop_of[hmap_hash_str(0, ip) % 2]++;
        }
    }
    for (int s = 0; s < 3; s++) {
        if (count[s] < N / 3 * 9 / 10 || count[s] > N / 3 * 11 / 10)
            fprintf(stderr, "  shard %d of 3: %u of %d\n", s, count[s], N);
        CHECK(count[s] >= N / 3 * 9 / 10 && count[s] <= N / 3 * 11 / 10);
    }
    CHECK(in0 > N / 2 * 9 / 10 && in0 < N / 2 * 11 / 10);
    for (int l = 0; l < 2; l++) {
        if (loop_of[l] < in0 / 2 * 9 / 10 || loop_of[l] > in0 / 2 * 11 / 10)
            fprintf(stderr, "  loop %d of 2: %u of %u\n", l, loop_of[l], in0);
        CHECK(loop_of[l] >= in0 / 2 * 9 / 10 && loop_of[l] <= in0 / 2 * 11 / 10);
    }
}

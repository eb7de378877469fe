/* linebuf: whole lines only. A write cut short (here by RLIMIT_FSIZE: write(2) stops at the
 * limit, then fails with EFBIG, as a full disk stops with ENOSPC) leaves the file at its last
 * whole line and the error sticky; a tied file (`first`) reaches the disk first; a file a
 * killed writer left is continued without its cut last line. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/linebuf.h"
#include "test.h"
#include "testfs.h"

static void path_of(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

TEST(linebuf_cut_write_truncated_to_whole_lines)
{
    char *dir = tfs_mkdtemp("mxs-linebuf");
    if (!dir)
        return;
    char path[512];
    path_of(path, sizeof(path), dir, "a.jsonl");
    struct linebuf lb;
    CHECK_INT(linebuf_open(&lb, path), 0);
    char line[100];
    memset(line, 'x', sizeof(line));
    /* 10 lines of 101 octets, flushed; then the file may grow to 1500 octets only */
    for (int i = 0; i < 10; i++)
        CHECK_INT(linebuf_put(&lb, line, sizeof(line)), 0);
    CHECK_INT(linebuf_flush(&lb), 0);
    struct rlimit old, lim = {.rlim_cur = 1500, .rlim_max = RLIM_INFINITY};
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; i < 10; i++) /* the write stops at 1500: inside line 15 */
        linebuf_put(&lb, line, sizeof(line));
    CHECK_INT(linebuf_flush(&lb), -EFBIG);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK_INT(lb.error, EFBIG);
    CHECK_INT(linebuf_put(&lb, line, sizeof(line)), -EFBIG); /* sticky: never written */
    CHECK_INT(linebuf_flush(&lb), -EFBIG);
    CHECK_INT(linebuf_close(&lb), -EFBIG);
    char *text = tfs_read(dir, "a.jsonl");
    CHECK(text != NULL);
    if (text) {
        size_t n = strlen(text);
        CHECK_INT(n, 14 * 101); /* 14 whole lines: the 15th, cut at 1500, is gone */
        CHECK(n > 0 && text[n - 1] == '\n');
    }
    free(text);
    tfs_rmtree(dir);
    free(dir);
}

TEST(linebuf_first_reaches_the_disk_first)
{
    char *dir = tfs_mkdtemp("mxs-linebuf");
    if (!dir)
        return;
    char hp[512], dp[512];
    path_of(hp, sizeof(hp), dir, "hosts.jsonl");
    path_of(dp, sizeof(dp), dir, "domains.jsonl");
    struct linebuf hosts, domains;
    CHECK_INT(linebuf_open(&hosts, hp), 0);
    CHECK_INT(linebuf_open(&domains, dp), 0);
    domains.first = &hosts;
    CHECK_INT(linebuf_put(&hosts, "h1", 2), 0);
    /* domains.jsonl fills its buffer first: hosts.jsonl's line goes out before */
    char big[40000];
    memset(big, 'd', sizeof(big));
    CHECK_INT(linebuf_put(&domains, big, sizeof(big)), 0);
    char *h = tfs_read(dir, "hosts.jsonl"), *d = tfs_read(dir, "domains.jsonl");
    CHECK_STR(h, "h1\n");
    CHECK(d && strlen(d) == sizeof(big) + 1);
    free(h);
    free(d);
    /* hosts.jsonl can no longer be written: domains.jsonl writes nothing more either */
    hosts.error = ENOSPC;
    CHECK_INT(linebuf_put(&hosts, "h2", 2), -ENOSPC);
    CHECK_INT(linebuf_put(&domains, "d2", 2), 0);
    CHECK_INT(linebuf_flush(&domains), -ENOSPC);
    CHECK_INT(linebuf_close(&domains), -ENOSPC);
    CHECK_INT(linebuf_close(&hosts), -ENOSPC);
    d = tfs_read(dir, "domains.jsonl");
    CHECK(d && strlen(d) == sizeof(big) + 1);
    free(d);
    tfs_rmtree(dir);
    free(dir);
}

TEST(linebuf_append_drops_a_cut_last_line)
{
    char *dir = tfs_mkdtemp("mxs-linebuf");
    if (!dir)
        return;
    char path[512];
    path_of(path, sizeof(path), dir, "a.jsonl");
    tfs_write(dir, "a.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\"b\":\"cu");
    struct linebuf lb;
    size_t dropped = 99;
    CHECK_INT(linebuf_open_append(&lb, path, &dropped), 0);
    CHECK_INT(dropped, 14);
    CHECK_INT(linebuf_put(&lb, "{\"a\":3}", 7), 0);
    CHECK_INT(linebuf_close(&lb), 0);
    char *t = tfs_read(dir, "a.jsonl");
    CHECK_STR(t, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    free(t);
    /* whole lines only: nothing dropped; no line at all: everything dropped */
    CHECK_INT(linebuf_open_append(&lb, path, &dropped), 0);
    CHECK_INT(dropped, 0);
    CHECK_INT(linebuf_close(&lb), 0);
    tfs_write(dir, "a.jsonl", "{\"a\":");
    CHECK_INT(linebuf_open_append(&lb, path, &dropped), 0);
    CHECK_INT(dropped, 5);
    CHECK_INT(linebuf_close(&lb), 0);
    t = tfs_read(dir, "a.jsonl");
    CHECK_STR(t, "");
    free(t);
    path_of(path, sizeof(path), dir, "missing.jsonl"); /* made */
    CHECK_INT(linebuf_open_append(&lb, path, &dropped), 0);
    CHECK_INT(dropped, 0);
    CHECK_INT(linebuf_close(&lb), 0);
    CHECK(tfs_exists(dir, "missing.jsonl"));
    path_of(path, sizeof(path), dir, "no/such/folder.jsonl");
    CHECK_INT(linebuf_open_append(&lb, path, &dropped), -ENOENT);
    tfs_rmtree(dir);
    free(dir);
}

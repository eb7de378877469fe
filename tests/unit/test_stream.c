/* stream.c: stream_write_copy() over one end of a socketpair (uv_pipe_t), the other end read
 * directly. The caller's buffer is copied (reused at once without harm), writes arrive whole
 * and in order however small or large, every done callback comes once with the write's status,
 * and a stream closed with writes queued cancels them (UV_ECANCELED) before its close callback. */
#include "core/stream.h"
#include "core/util.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct done_log {
    int calls, ok, cancelled, other;
    int closed;             /* the stream's close callback has run */
    int cancelled_after_close; /* a done callback came after it */
};

static void done_cb(void *arg, int status)
{
    struct done_log *d = arg;
    d->calls++;
    if (status == 0)
        d->ok++;
    else if (status == UV_ECANCELED)
        d->cancelled++;
    else
        d->other++;
    if (d->closed)
        d->cancelled_after_close++;
}

static void closed_cb(uv_handle_t *h)
{
    struct done_log *d = h->data;
    d->closed = 1;
}

/* Reads what is waiting on fd (non-blocking) into buf at *len. */
static void drain(int fd, unsigned char *buf, size_t cap, size_t *len)
{
    for (;;) {
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n <= 0)
            return;
        *len += (size_t)n;
    }
}

TEST(stream_write_copy_in_order)
{
    int sv[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_pipe_t pipe;
    uv_pipe_init(&loop, &pipe, 0);
    CHECK_INT(uv_pipe_open(&pipe, sv[0]), 0);
    struct done_log d = {0};

    /* One octet at a time from one buffer the caller overwrites at once, then odd sizes. */
    enum { TOTAL = 1000 + 7 + 13 + 4099 };
    unsigned char *want = xmalloc(TOTAL), *got = xmalloc(TOTAL + 16);
    for (size_t i = 0; i < TOTAL; i++)
        want[i] = (unsigned char)(i * 7 + i / 256);
    unsigned char scratch[4099];
    size_t off = 0, gotlen = 0;
    int writes = 0;
    for (; off < 1000; off++, writes++) {
        scratch[0] = want[off];
        CHECK_INT(stream_write_copy((uv_stream_t *)&pipe, scratch, 1, done_cb, &d), 0);
        scratch[0] ^= 0xff; /* the copy was taken: this must not reach the wire */
    }
    static const size_t sizes[] = {7, 13, 4099};
    for (size_t k = 0; k < ARRAY_LEN(sizes); k++, writes++) {
        memcpy(scratch, want + off, sizes[k]);
        CHECK_INT(stream_write_copy((uv_stream_t *)&pipe, scratch, sizes[k], done_cb, &d), 0);
        memset(scratch, 0, sizes[k]);
        off += sizes[k];
    }
    CHECK(stream_write_copy((uv_stream_t *)&pipe, "x", 1, NULL, NULL) == 0); /* done may be NULL */
    for (int i = 0; i < 1000 && (d.calls < writes || gotlen < TOTAL + 1); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        drain(sv[1], got, TOTAL + 16, &gotlen);
    }
    CHECK_INT(d.calls, writes);
    CHECK_INT(d.ok, writes);
    CHECK_INT(gotlen, TOTAL + 1);
    CHECK(memcmp(got, want, TOTAL) == 0);
    CHECK(gotlen == TOTAL + 1 && got[TOTAL] == 'x');

    pipe.data = &d;
    uv_close((uv_handle_t *)&pipe, closed_cb);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    close(sv[1]);
    free(want);
    free(got);
}

TEST(stream_write_copy_cancelled_by_close)
{
    int sv[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_pipe_t pipe;
    uv_pipe_init(&loop, &pipe, 0);
    CHECK_INT(uv_pipe_open(&pipe, sv[0]), 0);
    struct done_log d = {0};
    pipe.data = &d;

    /* More than the socket buffers hold: nobody reads, so writes stay queued. */
    enum { BIG = 1 << 20 };
    unsigned char *big = xcalloc(1, BIG);
    for (int i = 0; i < 4; i++)
        CHECK_INT(stream_write_copy((uv_stream_t *)&pipe, big, BIG, done_cb, &d), 0);
    free(big); /* the copies are the stream's */
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(d.calls < 4);
    uv_close((uv_handle_t *)&pipe, closed_cb);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(d.closed, 1);
    CHECK_INT(d.calls, 4);
    CHECK(d.cancelled >= 1);
    CHECK_INT(d.other, 0);
    CHECK_INT(d.cancelled_after_close, 0); /* libuv: before the close callback */
    CHECK_INT(uv_loop_close(&loop), 0);

    /* A write the stream refuses: a negative uv error, no callback, nothing kept. */
    uv_loop_init(&loop);
    uv_pipe_init(&loop, &pipe, 0);
    struct done_log none = {0};
    CHECK(stream_write_copy((uv_stream_t *)&pipe, "abc", 3, done_cb, &none) < 0); /* no fd */
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(none.calls, 0);
    uv_close((uv_handle_t *)&pipe, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    close(sv[1]);
}

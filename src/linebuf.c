/* linebuf: see linebuf.h. */
#include "linebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

#include "util.h"

int linebuf_open(struct linebuf *lb, const char *path)
{
    memset(lb, 0, sizeof(*lb));
    lb->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (lb->fd < 0)
        return -errno;
    lb->cap = 1 << 16;
    lb->flush_at = 1 << 15;
    lb->buf = xmalloc(lb->cap);
    return 0;
}

int linebuf_flush(struct linebuf *lb)
{
    size_t off = 0;
    while (off < lb->len) {
        ssize_t w = write(lb->fd, lb->buf + off, lb->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (!lb->error)
                lb->error = errno;
            /* Keep what was not written: a later flush may succeed (space freed). */
            memmove(lb->buf, lb->buf + off, lb->len - off);
            lb->len -= off;
            return -lb->error;
        }
        off += (size_t)w;
    }
    lb->len = 0;
    return 0;
}

int linebuf_put(struct linebuf *lb, const char *s, size_t n)
{
    if (lb->len + n + 1 > lb->cap) {
        while (lb->len + n + 1 > lb->cap)
            lb->cap *= 2;
        lb->buf = xrealloc(lb->buf, lb->cap);
    }
    memcpy(lb->buf + lb->len, s, n);
    lb->buf[lb->len + n] = '\n';
    lb->len += n + 1;
    if (lb->len >= lb->flush_at)
        return linebuf_flush(lb);
    return 0;
}

int linebuf_close(struct linebuf *lb)
{
    if (lb->fd < 0)
        return 0;
    linebuf_flush(lb);
    if (fsync(lb->fd) < 0 && errno != EINVAL && !lb->error)
        lb->error = errno;
    if (close(lb->fd) < 0 && !lb->error)
        lb->error = errno;
    lb->fd = -1;
    free(lb->buf);
    lb->buf = NULL;
    return lb->error ? -lb->error : 0;
}

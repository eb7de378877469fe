/* linebuf: see linebuf.h. */
#include "linebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>

#include "util.h"

static void init(struct linebuf *lb)
{
    lb->cap = 1 << 16;
    lb->flush_at = 1 << 15;
    lb->buf = xmalloc(lb->cap);
}

int linebuf_open(struct linebuf *lb, const char *path)
{
    memset(lb, 0, sizeof(*lb));
    /* O_APPEND: after a cut write is truncated away, nothing can land past the end. */
    lb->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (lb->fd < 0)
        return -errno;
    init(lb);
    return 0;
}

/* The offset just past the last '\n' of fd's file of size n (0 when it has none). */
static off_t whole_lines_end(int fd, off_t n, int *e)
{
    char buf[65536];
    while (n > 0) {
        size_t want = n < (off_t)sizeof(buf) ? (size_t)n : sizeof(buf);
        ssize_t r = pread(fd, buf, want, n - (off_t)want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)want) {
            *e = r < 0 ? errno : EIO;
            return -1;
        }
        for (size_t i = want; i > 0; i--)
            if (buf[i - 1] == '\n')
                return n - (off_t)want + (off_t)i;
        n -= (off_t)want;
    }
    return 0;
}

int linebuf_open_append(struct linebuf *lb, const char *path, size_t *dropped)
{
    memset(lb, 0, sizeof(*lb));
    if (dropped)
        *dropped = 0;
    lb->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (lb->fd < 0)
        return -errno;
    struct stat st;
    int e = 0;
    off_t end = fstat(lb->fd, &st) < 0 ? (e = errno, -1) : whole_lines_end(lb->fd, st.st_size, &e);
    if (end >= 0 && end < st.st_size && ftruncate(lb->fd, end) < 0)
        e = errno;
    if (e) {
        close(lb->fd);
        lb->fd = -1;
        return -e;
    }
    if (dropped)
        *dropped = (size_t)(st.st_size - end);
    lb->size = end;
    init(lb);
    return 0;
}

/* A write stopped short after `done` octets of the buffer: the file keeps the whole lines
 * among them and loses the rest, the cut line included. */
static int cut_back(struct linebuf *lb, size_t done, int e)
{
    size_t keep = done;
    while (keep > 0 && lb->buf[keep - 1] != '\n')
        keep--;
    if (keep < done && ftruncate(lb->fd, lb->size + (off_t)keep) < 0 && !e)
        e = errno;
    lb->size += (off_t)keep;
    lb->lost += lb->len - keep;
    lb->len = 0;
    lb->error = e ? e : EIO;
    return -lb->error;
}

int linebuf_flush(struct linebuf *lb)
{
    if (lb->error)
        return -lb->error;
    if (lb->first && lb->len) {
        int rc = linebuf_flush(lb->first);
        if (rc < 0) { /* this file's lines may name what the other could not write */
            lb->lost += lb->len;
            lb->len = 0;
            lb->error = -rc;
            return rc;
        }
    }
    size_t off = 0;
    while (off < lb->len) {
        ssize_t w = write(lb->fd, lb->buf + off, lb->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) /* ENOSPC and the like: a short write came first, or none at all */
            return cut_back(lb, off, w < 0 ? errno : EIO);
        off += (size_t)w;
    }
    lb->size += (off_t)lb->len;
    lb->len = 0;
    return 0;
}

int linebuf_put(struct linebuf *lb, const char *s, size_t n)
{
    if (lb->error) {
        lb->lost += n + 1;
        return -lb->error;
    }
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

/* linebuf: an append-only file written in whole lines. Lines are collected in a buffer and
 * handed to write(2) only as complete lines, so a run stopped at any point (a signal, a crash
 * after the last flush, a full disk) leaves a file of complete lines, never a half-written
 * record. Used by every line-oriented output (JSONL, CSV). */
#ifndef MXS_LINEBUF_H
#define MXS_LINEBUF_H
#include <stddef.h>

struct linebuf {
    int fd;
    char *buf;
    size_t len, cap;
    size_t flush_at; /* flush once this many octets are waiting */
    int error;       /* errno of the first failed write, 0 if none */
};

/* Creates (truncates) path. Returns 0, or -errno. */
int linebuf_open(struct linebuf *lb, const char *path);
/* Appends one line: s[0..n) then '\n'. s must not contain '\n'. Returns 0 or -errno. */
int linebuf_put(struct linebuf *lb, const char *s, size_t n);
/* Writes everything waiting. Returns 0 or -errno. */
int linebuf_flush(struct linebuf *lb);
/* Flushes, fsyncs, closes. Returns 0 or the first -errno seen. */
int linebuf_close(struct linebuf *lb);

#endif

/* linebuf: an append-only file written in whole lines. Lines are collected in a buffer and
 * handed to write(2) only as complete lines, so a run stopped at any point (a signal, a crash
 * after the last flush) leaves a file of complete lines, never a half-written record. Used by
 * every line-oriented output (JSONL, CSV).
 *
 * The rules scan --resume relies on (docs/schema.md, "Resuming a scan"):
 *   - a full disk never leaves a cut line: when write(2) stops short (ENOSPC, EIO, EFBIG), the
 *     file is truncated back to the last whole line it holds and the error is sticky: nothing
 *     more is written to it (the lines still buffered are lost, and said to be);
 *   - a file can be tied to another that must be ahead of it (`first`): every flush of this
 *     one flushes that one before, and writes nothing when that failed. hosts.jsonl is the
 *     `first` of domains.jsonl, so a domain record never reaches the disk before the records
 *     of the endpoints it names;
 *   - the caller flushes at a bounded interval (the scan: every SCHED_FLUSH_MS), besides the
 *     flush once flush_at octets wait;
 *   - linebuf_open_append continues a file a killed writer left: a last line without its
 *     newline (a write cut by the kill) is dropped first.
 *
 * Ownership: the struct is the caller's; open/close pair up. */
#ifndef MXS_LINEBUF_H
#define MXS_LINEBUF_H
#include <stddef.h>
#include <sys/types.h>

struct linebuf {
    int fd;
    char *buf;
    size_t len, cap;
    size_t flush_at;       /* flush once this many octets are waiting */
    int error;             /* errno of the first failed write, 0 if none; sticky */
    off_t size;            /* octets in the file, all of them whole lines */
    size_t lost;           /* octets of lines never written because of the error */
    struct linebuf *first; /* flushed before this one (NULL: none); set by the caller */
};

/* Creates (truncates) path. Returns 0, or -errno. */
int linebuf_open(struct linebuf *lb, const char *path);
/* Opens path to append to it (created when missing); a last line without its newline is cut
 * off first, and *dropped (unless NULL) gets how many octets that was. Returns 0, or -errno. */
int linebuf_open_append(struct linebuf *lb, const char *path, size_t *dropped);
/* Appends one line: s[0..n) then '\n'. s must not contain '\n'. Returns 0 or -errno (the
 * sticky error: the line is not kept). */
int linebuf_put(struct linebuf *lb, const char *s, size_t n);
/* Writes everything waiting (lb->first's lines before). Returns 0 or -errno. */
int linebuf_flush(struct linebuf *lb);
/* Flushes, fsyncs, closes. Returns 0 or the first -errno seen. */
int linebuf_close(struct linebuf *lb);

#endif

/* targets_reader: the reader of targets.jsonl files (targets.h): several files one after the
 * other, a line at a time, each line by the JSONL files' rule (core/jsonl.h, jsonl_parse) and
 * then targets_parse; the first damaged line ends the reading, "PATH:LINE: why".
 *
 * Ownership: the reader owns its open file, its line buffer and its error; it borrows the
 * paths until targets_reader_close. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonl.h"
#include "core/util.h"
#include "targets.h"

struct targets_reader {
    const char *const *paths; /* borrowed */
    size_t n, cur;            /* the files, and the one being read */
    FILE *f;                  /* paths[cur], open; NULL between files */
    unsigned long lineno;     /* of the line last read in paths[cur] */
    char *buf;                /* the line (at most JSONL_LINE_MAX octets of it) */
    size_t len, cap;
    int newline, too_long;
    char *failed;             /* the error that ended reading: every later call repeats it */
};

struct targets_reader *targets_reader_open(const char *const *paths, size_t n, char *err,
                                           size_t errlen)
{
    /* Each file is opened now, so that a missing one is said before any record is read, and
     * closed again: one is open at a time however many shards a survey has. */
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "r");
        if (!f) {
            snprintf(err, errlen, "cannot open %s: %s", paths[i], strerror(errno));
            return NULL;
        }
        fclose(f);
    }
    struct targets_reader *r = xcalloc(1, sizeof(*r));
    r->paths = paths;
    r->n = n;
    return r;
}

/* The next line of r->f: 1, 0 at its end, -1 on a read error. As jsonl.c reads: octet by
 * octet, so NULs are kept, and at most JSONL_LINE_MAX octets of a longer line are held. */
static int read_line(struct targets_reader *r)
{
    int ch, any = 0;
    r->len = 0;
    r->newline = r->too_long = 0;
    while ((ch = getc_unlocked(r->f)) != EOF) {
        any = 1;
        if (ch == '\n') {
            r->newline = 1;
            break;
        }
        if (r->len >= JSONL_LINE_MAX) {
            r->too_long = 1;
            continue;
        }
        if (r->len + 1 >= r->cap) {
            r->cap = r->cap ? 2 * r->cap : 4096;
            r->buf = xrealloc(r->buf, r->cap);
        }
        r->buf[r->len++] = (char)ch;
    }
    if (ferror(r->f))
        return -1;
    return any;
}

static int reader_fail(struct targets_reader *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int reader_fail(struct targets_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->failed = xstrdup(msg);
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int targets_next(struct targets_reader *r, struct target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (r->failed) {
        snprintf(err, errlen, "%s", r->failed);
        return -1;
    }
    for (;;) {
        if (!r->f) {
            if (r->cur >= r->n)
                return 0;
            r->f = fopen(r->paths[r->cur], "r");
            if (!r->f)
                return reader_fail(r, err, errlen, "cannot open %s: %s", r->paths[r->cur], strerror(errno));
            r->lineno = 0;
        }
        const char *path = r->paths[r->cur];
        int got = read_line(r);
        if (got < 0)
            return reader_fail(r, err, errlen, "cannot read %s: %s", path, strerror(errno));
        if (got == 0) {
            fclose(r->f);
            r->f = NULL;
            r->cur++;
            continue;
        }
        r->lineno++;
        if (!r->newline)
            return reader_fail(r, err, errlen, "%s:%lu: cut line: the stage that wrote it did not finish",
                               path, r->lineno);
        char why[512];
        json_t *rec = jsonl_parse(r->buf ? r->buf : "", r->too_long ? (size_t)JSONL_LINE_MAX + 1 : r->len,
                                  1, why, sizeof(why));
        int rc = rec ? targets_parse(rec, t, why, sizeof(why)) : -1;
        json_decref(rec);
        if (rc < 0)
            return reader_fail(r, err, errlen, "%s:%lu: %s", path, r->lineno, why);
        return 1;
    }
}

void targets_reader_close(struct targets_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->failed);
    free(r);
}

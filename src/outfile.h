/* outfile: a file written whole or not at all. The text goes to a temporary file in the
 * target's folder; outfile_commit() flushes, fsyncs and renames it over the target, so a
 * reader never sees half a file and an old version survives a failed write. */
#ifndef MXS_OUTFILE_H
#define MXS_OUTFILE_H
#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *f;         /* write here between open and commit/abort */
    char path[4096]; /* the target, DIR/NAME */
    char tmp[4096];  /* DIR/.NAME.XXXXXX */
};

/* Opens a temporary file for DIR/NAME (mode 0644). Returns 0, or -1 with err set
 * ("cannot write DIR/NAME: reason"). */
int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen);

/* Flushes, fsyncs, closes and renames the temporary file onto the target. Returns 0, or -1
 * with err set and the temporary file removed (also when a write before failed). */
int outfile_commit(struct outfile *o, char *err, size_t errlen);

/* Closes and removes the temporary file; the target is left as it was. */
void outfile_abort(struct outfile *o);

#endif

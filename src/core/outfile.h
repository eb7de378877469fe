/* outfile: a file written whole or not at all. The text goes to a temporary file in the
 * target's folder; committing flushes, fsyncs and renames it over the target, so a reader
 * never sees half a file and an old version survives a failed write. Every file mxsurvey
 * writes in one piece (summary.json, the CSVs, report.html, diff.*, trend.*) goes through here. */
#ifndef MXS_OUTFILE_H
#define MXS_OUTFILE_H
#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *f;         /* write here between open and commit/abort */
    char path[4096]; /* the target */
    char tmp[4096];  /* beside it, .NAME.XXXXXX; "" when there is none (any more) */
    int no_fsync;    /* set after create: renamed whole but not fsynced (chains/: many small
                        files a loop writes, each of which a resumed scan writes again) */
};

/* Opens a temporary file for the target path (mode 0644), in path's folder. Returns 0, or
 * -errno (-ENAMETOOLONG for a path that does not fit). */
int outfile_create(struct outfile *o, const char *path);
/* outfile_create of DIR/NAME. Returns 0, or -1 with err set ("cannot write DIR/NAME: reason"). */
int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen);

/* Flushes, fsyncs and closes the n files, then renames each onto its target: when a write,
 * flush or fsync fails, no target is touched. Returns 0, or -errno of the first failure after
 * removing every temporary file not yet renamed; *failed (unless NULL) is then that file. */
int outfile_finish(struct outfile *const *o, size_t n, struct outfile **failed);
/* outfile_finish of one file. Returns 0, or -1 with err set ("cannot write PATH: reason"). */
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* outfile_finish of n files, err set as outfile_commit for the one that failed. */
int outfile_commit_all(struct outfile *const *o, size_t n, char *err, size_t errlen);

/* Sets err to "cannot write PATH: strerror(e)" and returns -1. */
int outfile_error(const struct outfile *o, int e, char *err, size_t errlen);

/* Closes and removes the temporary file; the target is left as it was. Harmless after a
 * failed open, a commit, or another abort. */
void outfile_abort(struct outfile *o);

#endif

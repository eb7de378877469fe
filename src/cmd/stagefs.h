/* stagefs: what the survey's stages (stage.c) keep in a survey folder besides their records
 * (docs/cluster.md): the completion markers DIR/done/STAGE.I-of-N.json (STAGE resolve or
 * probe; merge's is DIR/done/merge.json), a shard's lock, the files of a stage's shards, and
 * the check that a later stage runs with the options the first recorded. Every shard writes
 * only files of its own (a marker through outfile: whole or absent), so shards on several
 * machines may share the folder (NFS, Lustre).
 *
 * Ownership: the JSON returned belongs to the caller (json_decref). */
#ifndef MXS_STAGEFS_H
#define MXS_STAGEFS_H
#include <stddef.h>

#include <jansson.h>

/* DIR/done/STAGE.I-of-N.json, or DIR/done/merge.json when stage is "merge". */
void stagefs_marker_path(char *buf, size_t len, const char *dir, const char *stage, unsigned i,
                         unsigned n);
/* 1 when the marker is there (the shard ran to its end). */
int stagefs_done(const char *dir, const char *stage, unsigned i, unsigned n);
/* Writes the marker (rec: what the shard did), making DIR/done when needed. 0, or -1 with
 * err. */
int stagefs_mark(const char *dir, const char *stage, unsigned i, unsigned n, json_t *rec,
                 char *err, size_t errlen);
/* Every shard of stage finished? The shard count N is read off the markers (one N only).
 * Returns N, or 0 with err ("resolve shard 2 of 3 is not complete (no DIR/done/...)", "no
 * resolve shard has finished", "markers of 3 and 4 resolve shards"). */
unsigned stagefs_complete(const char *dir, const char *stage, char *err, size_t errlen);
/* Shard i of n's marker, read (NULL with err). */
json_t *stagefs_read_marker(const char *dir, const char *stage, unsigned i, unsigned n, char *err,
                            size_t errlen);

/* A marker of any shard of stage (the first found, read), or NULL when there is none. */
json_t *stagefs_any_marker(const char *dir, const char *stage);

/* Takes the lock of shard i of n of stage (flock on DIR/done/.STAGE.I-of-N.lock, held while
 * the descriptor is open: a killed shard's lock goes with it). The descriptor, or -1 with err
 * ("another mxsurvey probe is running shard 1 of 3 in DIR"). */
int stagefs_lock(const char *dir, const char *stage, unsigned i, unsigned n, char *err,
                 size_t errlen);

/* The targets file of resolve shard i of n, relative to the folder: targets.jsonl (n = 1),
 * targets.I.jsonl; the endpoint records of probe shard i: probe/hosts.I.jsonl. */
void stagefs_targets_name(char *buf, size_t len, unsigned i, unsigned n);
void stagefs_hosts_name(char *buf, size_t len, unsigned i);

/* 0 when the options object now has the verdict-changing options of the first stage's
 * (core/runopts.h: those that set the pace may differ), else -1 with err naming each. */
int stagefs_same_options(const json_t *first, const json_t *now, char *err, size_t errlen);

/* Copies the whole lines of each of n files (relative to dir), in order, into dir/out, whole
 * or not at all (outfile). A file whose last line is cut is an error (a shard that finished
 * never leaves one). 0, or -1 with err. */
int stagefs_concat(const char *dir, const char *const *files, size_t n, const char *out,
                   char *err, size_t errlen);

#endif

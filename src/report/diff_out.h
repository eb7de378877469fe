/* diff_out: the writers of one `mxsurvey diff` comparison (the state of diff.h, built by
 * diff.c): diff.json, diff.csv and the readable summary, and the headline shares they show.
 * Used by diff.c only; reads diff.h, never diff.c's internals. */
#ifndef MXS_DIFF_OUT_H
#define MXS_DIFF_OUT_H
#include <stdio.h>

#include <jansson.h>

#include "diff.h"

/* The headline shares, in output order, and one of them in a summary (NULL when absent). */
extern const char *const diff_share_names[DIFF_NSHARES];
const json_t *diff_share(const json_t *summary, const char *name);

/* Writes dir/diff.json and dir/diff.csv, each to a temporary file renamed into place once
 * complete. Returns 0, or -1 with err set (neither file is left half-written). */
int diff_write_files(const struct diff *x, const char *dir, char *err, size_t errlen);
/* The readable summary: counts, shares, then at most lines domains per kind. */
void diff_write_text(const struct diff *x, FILE *f, size_t lines);

#endif

/* diff_out: the writers of one `mxsurvey diff` comparison (the state of diff.h, built by
 * diff.c): diff.json, diff.csv and the readable summary, and the headline shares they show.
 * Used by diff.c only; reads diff.h, never diff.c's internals. */
#ifndef MXS_DIFF_OUT_H
#define MXS_DIFF_OUT_H
#include <stdio.h>

#include <jansson.h>

#include "diff.h"

/* The headline shares, in output order, and one of them in a summary (NULL when absent). */
/* Compares the two folders (diff_compute), writes out_dir/diff.json and out_dir/diff.csv (each
 * atomically: a temporary file, then a rename), the options warning on standard error
 * (diff_write_warning) and the text. Fills *c (may be NULL). Returns a
 * diff_status; on DIFF_ERROR err says why and nothing is written. */
int diff_dirs(const struct diff_opts *o, struct diff_counts *c, char *err, size_t errlen);

/* Writes dir/diff.json and dir/diff.csv, each to a temporary file renamed into place once
 * complete. Returns 0, or -1 with err set (neither file is left half-written). */
int diff_write_files(const struct diff *x, const char *dir, char *err, size_t errlen);
/* The warning that the runs used different verdict-changing options (x->options_differ), one
 * line on f naming each ("--ehlo: a.example in OLD, b.example in NEW"), the files' text shown
 * visible; nothing when none differ or it is unknown. */
void diff_write_warning(const struct diff *x, FILE *f);
/* The readable summary: counts, shares, then at most lines domains per kind. */
void diff_write_text(const struct diff *x, FILE *f, size_t lines);

#endif

/* trend: the headline figures of several scan folders side by side (trend.c): trend.csv and
 * trend.svg. The command line is src/cmd/trendcmd.c. */
#ifndef MXS_TREND_H
#define MXS_TREND_H
#include <stddef.h>

struct trend_opts {
    const char *out; /* where trend.csv and trend.svg go; NULL: "." */
    int quiet;       /* no line on success */
    int lenient;     /* when a summary.json is made: skip damaged JSONL lines (jsonl.h) */
};

/* The outcome, which is also the exit code of `mxsurvey trend`. */
enum trend_status {
    TREND_OK = 0,    /* written */
    TREND_FAIL = 1,  /* the files could not be written */
    TREND_USAGE = 2, /* no finished scan among dirs, or a folder that is missing or unreadable
                      * (its summary.json, or the JSONL files it is made from) */
};

/* Reads each of the n folders' summary.json (made first when missing; an unfinished scan is
 * skipped with a warning), orders them by meta.started and writes o->out/trend.csv and
 * o->out/trend.svg. Says what went wrong on standard error, prefixed "mxsurvey trend: ".
 * Returns an enum trend_status. */
int trend_run(const struct trend_opts *o, char *const *dirs, size_t n);

#endif

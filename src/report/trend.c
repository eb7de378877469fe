/* trend: `mxsurvey trend [--out DIR] SCANDIR...`: the headline figures of several scans side by
 * side. Reads each folder's summary.json (made first from the folder's JSONL files through
 * summary_write() when it is missing), orders the runs by meta.started, and writes into --out
 * trend.csv (one row per run, fixed columns: docs/schema.md "trend.csv") and trend.svg (a
 * line chart of the headline shares over the runs). */
#include "trend.h"
#include "csvw.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "classify/classify.h"
#include "core/jsonl.h"
#include "core/outdir.h"
#include "core/outfile.h"
#include "core/rundir.h"
#include "summary.h"
#include "svg.h"
#include "core/util.h"

/* The shares of summary.json, in the columns' and the chart's order, with their legend. */
static const struct {
    const char *key;
    const char *legend;
    int color;
} shares[] = {
    {"starttls", "STARTTLS", 2},
    {"strict", "strict names", 0},
    {"multilabel_accepted", "multi-label accepted", 3},
    {"rfc9525", "RFC 9525 (SAN only)", 6},
    {"valid_chain", "valid chain", 5},
};

struct run {
    const char *dir;    /* as given */
    json_t *summary;
    const char *started; /* meta.started, NULL when absent */
    size_t order;        /* position on the command line */
};

/* Loads dir's summary.json into run->summary, making it when the file is missing. Returns 0,
 * 1 when the folder is an unfinished scan (skipped, with a warning), or -1 after printing
 * why. */
static int load_run(struct run *run, int lenient)
{
    struct jsonl_opts jo = {.lenient = lenient, .prog = "mxsurvey trend"};
    char err[4400], path[4096];
    struct stat st;
    if (stat(run->dir, &st) < 0) {
        fprintf(stderr, "mxsurvey trend: %s: %s\n", run->dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mxsurvey trend: %s: not a directory\n", run->dir);
        return -1;
    }
    /* `trend ROOT/20*` must not fail on the one night whose scan is still running or died:
     * that folder is left out, and said so. */
    switch (rundir_state(run->dir, err, sizeof(err))) {
    case RUNDIR_UNFINISHED:
        fprintf(stderr, "mxsurvey trend: warning: skipped: %s\n", err);
        return 1;
    case RUNDIR_ERROR:
        fprintf(stderr, "mxsurvey trend: %s\n", err);
        return -1;
    default:
        break;
    }
    snprintf(path, sizeof(path), "%s/summary.json", run->dir);
    if (stat(path, &st) < 0 && errno == ENOENT) {
        int rc = summary_write_opts(run->dir, &jo, err, sizeof(err));
        if (rc == SUMMARY_WRITE_ERROR) {
            /* A read-only folder: use the summary without keeping it. */
            fprintf(stderr, "mxsurvey trend: %s (using it unsaved)\n", err);
            jo.silent = 1; /* the same lines as just now */
            if (summary_build_opts(run->dir, &jo, &run->summary, err, sizeof(err)) != SUMMARY_OK) {
                fprintf(stderr, "mxsurvey trend: %s\n", err);
                return -1;
            }
        } else if (rc != SUMMARY_OK) {
            fprintf(stderr, "mxsurvey trend: %s\n", err);
            return -1;
        }
    }
    if (!run->summary) {
        run->summary = jsonl_read_object(path, err, sizeof(err));
        if (!run->summary) {
            fprintf(stderr, "mxsurvey trend: %s\n", err);
            return -1;
        }
    }
    run->started = json_string_value(json_object_get(json_object_get(run->summary, "meta"), "started"));
    return 0;
}

/* By start time (ISO 8601 UTC compares as text), runs without one last, then as given. */
static int cmp_runs(const void *x, const void *y)
{
    const struct run *a = x, *b = y;
    if (a->started && b->started) {
        int c = strcmp(a->started, b->started);
        if (c)
            return c;
    } else if (a->started || b->started) {
        return a->started ? -1 : 1;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

/* One CSV field, by csvw.c's rules (RFC 4180 quoting, formula cells neutralised). */
static void csv_field(FILE *f, const char *s)
{
    csv_write_cell(f, s);
}

/* shares.<key>.share of a summary, NaN when absent or null. */
static double share_of(const json_t *s, const char *key)
{
    const json_t *v = json_object_get(json_object_get(json_object_get(s, "shares"), key), "share");
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void write_csv(FILE *f, const struct run *runs, size_t n)
{
    fputs("started,dir,domains", f);
    for (size_t i = 0; i < ARRAY_LEN(shares); i++)
        fprintf(f, ",%s", shares[i].key);
    /* every pattern (classify.h), one column each, named as every CSV names its columns
     * (csvw.h: pattern_mx_exact; `pattern.mx-exact` before 0.2, docs/schema.md) */
    char col[64];
    for (size_t i = 0; i < PATTERN_COUNT; i++)
        fprintf(f, ",%s", csv_column_word("pattern", classify_pattern_words[i], col, sizeof(col)));
    fputs("\r\n", f);
    for (size_t r = 0; r < n; r++) {
        const json_t *s = runs[r].summary, *d = json_object_get(s, "domains");
        csv_field(f, runs[r].started);
        fputc(',', f);
        csv_field(f, runs[r].dir);
        fprintf(f, ",%lld", jsonl_int(d, "total"));
        for (size_t i = 0; i < ARRAY_LEN(shares); i++) {
            double v = share_of(s, shares[i].key);
            if (isnan(v))
                fputc(',', f);
            else
                fprintf(f, ",%.15g", v);
        }
        const json_t *bp = json_object_get(d, "by_pattern");
        for (size_t i = 0; i < PATTERN_COUNT; i++)
            fprintf(f, ",%lld", jsonl_int(bp, classify_pattern_words[i]));
        fputs("\r\n", f);
    }
}

static void write_svg(FILE *f, const struct run *runs, size_t n)
{
    char **labels = xcalloc(n + 1, sizeof(*labels));
    double *ys = xcalloc((n + 1) * ARRAY_LEN(shares), sizeof(*ys));
    struct svg_series series[ARRAY_LEN(shares)];
    for (size_t r = 0; r < n; r++) {
        /* "2026-11-29T12:52:45Z" -> "2026-11-29 12:52"; the folder when there is no time. */
        const char *st = runs[r].started;
        if (st && strlen(st) >= 16 && st[10] == 'T') {
            labels[r] = xstrndup(st, 16);
            labels[r][10] = ' ';
        } else {
            const char *slash = strrchr(runs[r].dir, '/');
            labels[r] = xstrdup(st ? st : slash && slash[1] ? slash + 1 : runs[r].dir);
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(shares); i++) {
        for (size_t r = 0; r < n; r++)
            ys[i * n + r] = share_of(runs[r].summary, shares[i].key);
        series[i] = (struct svg_series){.name = shares[i].legend, .y = ys + i * n,
                                        .color = shares[i].color};
    }
    svg_line_chart(f, "mxsurvey: headline shares over runs", (const char *const *)labels, n,
                   series, ARRAY_LEN(shares), SVG_STANDALONE | SVG_SHOW_TITLE);
    for (size_t r = 0; r < n; r++)
        free(labels[r]);
    free(labels);
    free(ys);
}

/* Writes out/name with fn; returns 0 or -1 after printing why. */
static int write_out(const char *out, const char *name, const struct run *runs, size_t n,
                     void (*fn)(FILE *, const struct run *, size_t))
{
    char err[4400];
    struct outfile o;
    if (outfile_open(&o, out, name, err, sizeof(err)) < 0) {
        fprintf(stderr, "mxsurvey trend: %s\n", err);
        return -1;
    }
    fn(o.f, runs, n);
    if (outfile_commit(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "mxsurvey trend: %s\n", err);
        return -1;
    }
    return 0;
}

int trend_run(const struct trend_opts *o, char *const *dirs, size_t n)
{
    const char *out = o->out ? o->out : ".";
    struct run *runs = xcalloc(n, sizeof(*runs));
    int rc = TREND_OK;
    size_t kept = 0, given = n;
    for (size_t i = 0; i < given && rc == TREND_OK; i++) {
        struct run *r = &runs[kept];
        r->dir = dirs[i];
        r->order = i;
        int st = load_run(r, o->lenient);
        if (st < 0)
            rc = TREND_USAGE;
        else if (st == 0)
            kept++;
        else
            memset(r, 0, sizeof(*r)); /* skipped: its slot is reused */
    }
    n = kept;
    if (rc == TREND_OK && n == 0) {
        fprintf(stderr, "mxsurvey trend: no finished scan among the %zu folder%s given\n", given,
                given == 1 ? "" : "s");
        rc = TREND_USAGE;
    }
    if (rc == TREND_OK) {
        qsort(runs, n, sizeof(*runs), cmp_runs);
        char made[4096];
        int e = outdir_make(out, made, sizeof(made)); /* with its parents, as scan's --out */
        if (e < 0) {
            fprintf(stderr, "mxsurvey trend: cannot create %s: %s\n", out, strerror(-e));
            rc = TREND_FAIL;
        } else if (write_out(out, "trend.csv", runs, n, write_csv) < 0 ||
                   write_out(out, "trend.svg", runs, n, write_svg) < 0) {
            rc = TREND_FAIL;
        } else if (!o->quiet) {
            fprintf(stderr, "mxsurvey trend: %zu runs; wrote %s/trend.csv and %s/trend.svg\n", n,
                    out, out);
        }
    }
    for (size_t i = 0; i < given; i++) /* the slot of a folder that failed to load too */
        json_decref(runs[i].summary);
    free(runs);
    return rc;
}

/* out_csvrec: the output `csv`: hosts.csv and domains.csv written as the records are made, a
 * row per record (out_csv.h's csv_record_row: the columns and escaping `mxsurvey report DIR`
 * writes from the JSONL files), and endpoints_by_domain.csv, a row per domain and endpoint
 * (csv_tidy.h, which keeps each endpoint's cells for the domains to come), so that the end of
 * a scan has no CSV left to make from the files it just wrote.
 *
 * Each file is written to a temporary file beside it (outfile.h) and renamed over hosts.csv /
 * domains.csv / endpoints_by_domain.csv when the output closes (all, or none when a write failed: the scan then
 * remakes them from the JSONL files, which hold what reached the disk). A reader never sees a
 * part of a file; a killed scan leaves the previous files (or none) and its temporary files,
 * which the next `--resume` removes.
 *
 * scan --resume (w->append): the rows of the records the folder keeps come first, read from
 * hosts.jsonl and domains.jsonl as resume keeps them (whole lines only: a killed writer's cut
 * last line is no record, in the JSONL nor here), then the rows of this round's records, in
 * the order they are appended to the JSONL files: the CSVs stay the JSONL files' rows, in
 * file order, however many rounds made them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jsonl.h"
#include "csv_tidy.h"
#include "out_csv.h"
#include "output.h"
#include "summary.h"
#include "core/util.h"

struct csvrec {
    struct csv_file hosts, domains;
    struct csv_file tidy;     /* endpoints_by_domain.csv (csv_tidy.h) */
    struct csv_tidy *joined;  /* its endpoint cells, for the domains to come */
    struct csv_row row;
    int err; /* the first write error (-errno); the files are then not committed */
};

/* The temporary files of a killed scan's CSVs (outfile.h: DIR/.NAME.XXXXXX) go: a resumed
 * scan makes its own, and nothing else writes these names into a locked scan folder. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        for (int t = CSV_HOSTS; t <= CSV_DOMAINS + 1; t++) {
            const char *name = t <= CSV_DOMAINS ? csv_table_file((enum csv_table)t) : CSV_TIDY_FILE;
            size_t n = strlen(name);
            if (e->d_name[0] == '.' && strncmp(e->d_name + 1, name, n) == 0 &&
                e->d_name[n + 1] == '.' && strlen(e->d_name + n + 2) == 6) {
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                unlink(path);
            }
        }
    }
    closedir(d);
}

/* Puts the row under construction into cf. */
static int put(struct csvrec *c, struct csv_file *cf)
{
    int rc = c->err ? c->err : csv_file_put(cf, &c->row);
    csv_row_clear(&c->row);
    if (rc < 0 && !c->err)
        c->err = rc;
    return rc;
}

/* Creates DIR/<t's file>'s temporary file with its header, and with append the rows of
 * DIR/<jsonl>'s whole lines. Returns 0, or -1 with err set. */
static int open_table(struct csvrec *c, struct csv_file *cf, enum csv_table t, const char *dir,
                      const char *jsonl, int append, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, csv_table_file(t));
    int rc = csv_file_open(cf, path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
        return -1;
    }
    csv_header_row(t, &c->row);
    if (put(c, cf) < 0) {
        outfile_error(&cf->out, -c->err, err, errlen);
        return -1;
    }
    if (!append)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", dir, jsonl);
    /* silent: sched_resume and resume_read_lines read these lines first, and refused the
     * folder for a damaged one. */
    struct jsonl_opts jo = {.whole_lines_only = 1, .silent = 1};
    return csv_rows_from_jsonl(cf, &c->row, t, path, &jo, err, errlen) == SUMMARY_OK ? 0 : -1;
}

/* endpoints_by_domain.csv's temporary file with its header, and with append the rows of the
 * folder's whole lines (the endpoints kept first, for the domains' join). */
static int open_tidy(struct csvrec *c, const char *dir, int append, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CSV_TIDY_FILE);
    int rc = csv_file_open(&c->tidy, path);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
        return -1;
    }
    c->joined = csv_tidy_new();
    csv_tidy_header(&c->row);
    if (put(c, &c->tidy) < 0) {
        outfile_error(&c->tidy.out, -c->err, err, errlen);
        return -1;
    }
    if (!append)
        return 0;
    struct jsonl_opts jo = {.whole_lines_only = 1, .silent = 1}; /* as open_table's */
    return csv_tidy_rows_from_dir(c->joined, &c->tidy, &c->row, dir, &jo, err, errlen) ==
                   SUMMARY_OK
               ? 0
               : -1;
}

static int csvrec_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    struct csvrec *c = xcalloc(1, sizeof(*c));
    csv_row_init(&c->row);
    if (w->append)
        remove_stale(w->dir);
    if (open_table(c, &c->hosts, CSV_HOSTS, w->dir, "hosts.jsonl", w->append, err, errlen) < 0) {
        csv_file_abort(&c->hosts);
        goto fail;
    }
    if (open_table(c, &c->domains, CSV_DOMAINS, w->dir, "domains.jsonl", w->append, err,
                   errlen) < 0) {
        csv_file_abort(&c->hosts);
        csv_file_abort(&c->domains);
        goto fail;
    }
    if (open_tidy(c, w->dir, w->append, err, errlen) < 0) {
        csv_file_abort(&c->hosts);
        csv_file_abort(&c->domains);
        csv_file_abort(&c->tidy);
        goto fail;
    }
    *state = c;
    return 0;
fail:
    csv_tidy_free(c->joined);
    csv_row_free(&c->row);
    free(c);
    return -1;
}

static int csvrec_endpoint(void *state, json_t *rec)
{
    struct csvrec *c = state;
    csv_record_row(CSV_HOSTS, rec, &c->row);
    csv_tidy_endpoint(c->joined, rec);
    return put(c, &c->hosts);
}

static int csvrec_domain(void *state, json_t *rec)
{
    struct csvrec *c = state;
    csv_record_row(CSV_DOMAINS, rec, &c->row);
    int rc = put(c, &c->domains);
    if (rc < 0)
        return rc;
    rc = c->err ? c->err : csv_tidy_domain(c->joined, rec, &c->tidy, &c->row);
    csv_row_clear(&c->row);
    if (rc < 0 && !c->err)
        c->err = rc;
    return rc;
}

static int csvrec_close(void *state)
{
    struct csvrec *c = state;
    int rc = c->err;
    if (rc < 0) {
        csv_file_abort(&c->hosts);
        csv_file_abort(&c->domains);
        csv_file_abort(&c->tidy);
    } else {
        struct outfile *o[] = {&c->hosts.out, &c->domains.out, &c->tidy.out};
        rc = outfile_finish(o, ARRAY_LEN(o), NULL);
    }
    csv_tidy_free(c->joined);
    csv_row_free(&c->row);
    free(c);
    return rc;
}

const struct output_ops out_csv_ops = {
    .name = "csv",
    .open = csvrec_open,
    .endpoint = csvrec_endpoint,
    .domain = csvrec_domain,
    .close = csvrec_close,
};

/* output: the peers that turn records (JSON objects from record.c) into files or text. Each
 * output is a table of callbacks filled by field name (as zmap's output modules); the
 * scheduler's run side calls them as records complete, in completion order, and knows no
 * output by name: the command picks them from output_table (output_find).
 *
 *   name      what                                                 file
 *   "jsonl"   hosts.jsonl and domains.jsonl (linebuf: whole lines;  out_jsonl.c
 *             or the files struct out_jsonl_files names)
 *   "chains"  chains/<leaf sha256>.pem, one per distinct leaf        out_chains.c
 *             (outfile: whole files or none)
 *   "text"    check's printer: the records for a person, on stdout  out_text.c
 *   "csv"     hosts.csv, domains.csv (a row per record) and            out_csvrec.c
 *             endpoints_by_domain.csv (a row per domain and endpoint; written
 *             whole at close, through outfile)
 *   "summary" the records into the caller's summary aggregator        out_summary.c
 *             (arg: a struct summary_acc *; summary.h)
 *
 * Every callback but open and close may be NULL (the output takes no such thing). */
#ifndef MXS_OUTPUT_H
#define MXS_OUTPUT_H
#include <stddef.h>

#include <jansson.h>

#include "probe/probe.h"

/* Where and how an output opens. */
struct output_where {
    const char *dir; /* the scan folder (exists); NULL when there is none (check) */
    int append;      /* scan --resume: go on writing the folder's files */
    void *arg;       /* the output's own argument (out_text: struct out_text_result;
                        out_summary: struct summary_acc) */
};

struct output_ops {
    const char *name;
    /* Creates the output's files in w->dir, or with w->append opens the files there to go on
     * writing them. Returns 0 and sets *state, or -errno (or -1) with a message in err. */
    int (*open)(void **state, const struct output_where *w, char *err, size_t errlen);
    /* An endpoint's certificate chain (res->chain_len > 0), before its record is made: the
     * file the record names. Returns 1 when it wrote the file now, 0 when it was there
     * before (rel set either way: "chains/<sha256>.pem"), or -errno (nothing written, rel
     * ""). */
    int (*chain)(void *state, const struct probe_result *res, char *rel, size_t rellen);
    /* One endpoint record (hosts.jsonl schema); borrowed. Returns 0 or -errno. */
    int (*endpoint)(void *state, json_t *rec);
    /* One domain record (domains.jsonl schema); borrowed. Returns 0 or -errno. */
    int (*domain)(void *state, json_t *rec);
    /* Writes what waits (the scheduler calls it at a bounded interval). Returns 0 or -errno. */
    int (*flush)(void *state);
    /* Flushes and closes; frees state. Returns 0 or the first -errno seen. */
    int (*close)(void *state);
};

/* out_jsonl's argument (NULL: hosts.jsonl and domains.jsonl): the files, relative to the
 * folder, its endpoint and its domain records go to; NULL: that kind is not written (a stage
 * of a survey: the probe stage's probe/hosts.I.jsonl, the resolve stage's targets). */
struct out_jsonl_files {
    const char *hosts, *domains;
};

/* What out_text saw: tls_ok is set when an endpoint record has status "ok", or "cert-seen"
 * (--mode cert: the certificate, which is what that mode asks for, was received). */
struct out_text_result {
    int tls_ok;
};

extern const struct output_ops out_jsonl_ops, out_chains_ops, out_text_ops, out_csv_ops,
    out_summary_ops;

/* Every output, NULL-terminated. */
extern const struct output_ops *const output_table[];
/* The output called name, or NULL. */
const struct output_ops *output_find(const char *name);

#endif

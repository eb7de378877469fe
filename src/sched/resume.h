/* resume: what a scan folder holds and what it still lacks, for `scan --resume DIR FILE` and
 * for pending.txt. docs/schema.md ("Resuming a scan", "pending.txt") states the rules:
 *
 *   - a folder is continued only by the scan it was started with: the same list (its SHA-256
 *     is run.json's input_sha256), the same mxsurvey version, and the same options except
 *     those that change how fast or through which resolver it scans, never what a record says
 *     (resume_may_differ: --concurrency, --per-ip, --rate, --max-domains, --dns-concurrency,
 *     --resolver, --retry-delay, --max-dns-errors, --quiet); an option this file does not
 *     know of must be equal, so a new option is verdict-changing until listed here;
 *   - the input lines already done are those with a record in domains.jsonl (its `line`);
 *     every other line that is not blank or a comment is pending: scanned by --resume,
 *     listed in pending.txt (in input order, each as the input had it) by a run that stops
 *     before the end.
 *
 * Ownership: plain functions; the caller owns what it passes and what it gets. */
#ifndef MXS_RESUME_H
#define MXS_RESUME_H
#include <stddef.h>

#include <jansson.h>

#include "input/lineset.h"

/* 1 when the option (its long name) may differ between a scan and its resumption. */
int resume_may_differ(const char *option);

/* What the new round is, for resume_check. */
struct resume_req {
    const char *dir;
    const char *input;        /* FILE as given now ("-" for standard input) */
    const char *input_sha256; /* of what will be scanned (the spool for standard input) */
    const json_t *options;    /* the options as given now, in run.json's form */
    const char *ehlo;         /* what EHLO sends now ("address-literal" for the literal) */
    int version_probe;
    const char *started;      /* this round's start, ISO 8601 */
};

/* Reads DIR/run.json and checks the new round against it: a scan's run.json, the same
 * version, list and options (every difference named: "--timeout: 2 in run.json, 5 now").
 * On success *run is the run.json to write at the round's start: the old one with
 * `finished` null, its end (`finished`, `interrupted`, `counts`, `dns_errors`) moved into a
 * new last element of `resumed`. Returns 0, or -1 with err set (nothing changed). */
int resume_check(const struct resume_req *rq, json_t **run, char *err, size_t errlen);
/* Every verdict-changing option whose value differs between old and now (core/runopts.h), in
 * words into diffs ("--port: 25 WHERE, 2525 now; ..."; "" when none). */
void resume_option_diffs(const json_t *old, const json_t *now, const char *where, char *diffs,
                         size_t len);

/* What domains.jsonl holds: the lines with a record, how many records and how many invalid
 * and duplicate ones, and the octets of a cut last line (ignored: the record a killed scan
 * was writing). */
struct resume_kept {
    unsigned long domains, invalid, duplicates;
    long long torn;
};

/* Reads DIR/domains.jsonl (whole lines only) into done and k. A damaged line, a record
 * without an integer `line` from 1 to the number of lines of input, or two records of one
 * line are errors (err names file:line). Returns 0 or -1. */
int resume_read_lines(const char *dir, const char *input, struct lineset *done,
                      struct resume_kept *k, char *err, size_t errlen);

/* Writes DIR/pending.txt (whole, atomically): every line of input that is not blank or a
 * comment and not in done, in input order, each as the input had it, with a line feed.
 * *count gets the number of lines. Returns 0 or -1 with err set. */
int pending_write(const char *dir, const char *input, const struct lineset *done,
                  unsigned long *count, char *err, size_t errlen);
/* Removes DIR/pending.txt when there is one (a run that completed lacks nothing). */
void pending_remove(const char *dir);

#endif

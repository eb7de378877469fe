/* jsonl: the one reader of the JSONL files a scan writes (hosts.jsonl, domains.jsonl), for
 * everything that reads them back: summary.json (report, trend, the end of scan), the CSVs,
 * diff, and scan --resume. One rule for every reader:
 *
 *   - a line is the octets up to '\n'; a blank line (spaces, tabs, CR only) is skipped;
 *   - every other line must be one JSON object, in UTF-8, at most JSONL_LINE_MAX octets: a
 *     line that is not (malformed JSON, invalid UTF-8, a NUL octet, an array or a number, an
 *     over-long line, a last line cut before its newline that is not a whole object) is
 *     damaged; so is a record the caller's callback refuses (a field it cannot do without);
 *   - a damaged line is an error naming the file and line ("DIR/hosts.jsonl:12: not a JSON
 *     object (an array)"), or, with `lenient`, skipped with a warning in those words on
 *     standard error (the first JSONL_MAX_WARNINGS of a file; then one line with the count).
 *
 * A last line without its newline that is a whole JSON object is read (a hand-edited file);
 * one that is not is named as cut ("no newline at the end: a cut write?"). Memory: one line
 * at a time, never more than JSONL_LINE_MAX octets of it, however long the line in the file.
 *
 * Ownership: plain functions; a record handed to the callback is borrowed for the call. */
#ifndef MXS_JSONL_H
#define MXS_JSONL_H
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* The longest line read: a real record is a few KB (a certificate with thousands of names
 * tens of KB); anything longer is damage, and is not held in memory to find out. */
#define JSONL_LINE_MAX (16u << 20)
/* Warnings printed per file in lenient mode before they are only counted. */
#define JSONL_MAX_WARNINGS 10

struct jsonl_opts {
    int lenient;        /* skip damaged lines with a warning instead of failing */
    const char *prog;   /* the warnings' prefix ("mxsurvey report"); NULL: "mxsurvey" */
    int silent;         /* no warnings (the caller read the same files before and said them) */
    int whole_lines_only; /* a last line without its newline is not read, nor an error: the
                           * record a killed writer was writing (scan --resume cuts it off) */
    long long torn;     /* out: with whole_lines_only, the octets of that line (0: none) */
    unsigned long skipped; /* out: lines skipped (lenient) over every call with these opts */
};

/* One record: the object, where it is. */
struct jsonl_rec {
    json_t *obj;           /* borrowed: valid during the callback */
    const char *path;
    unsigned long line;    /* 1-based */
    long long offset;      /* of the line's first octet in the file */
};

enum {
    JSONL_OK = 0,
    JSONL_ERROR = -1,   /* err says why: the file cannot be read, or a damaged line */
    JSONL_STOPPED = -2, /* the callback said JSONL_STOP: the reason is the caller's */
};

/* What a callback returns: 0 to go on, JSONL_REFUSE with `why` set when the record lacks
 * what this reader needs (treated as a damaged line: an error, or skipped when lenient),
 * JSONL_STOP to stop reading (the caller keeps its own reason). */
enum { JSONL_REFUSE = 1, JSONL_STOP = 2 };
typedef int (*jsonl_cb)(void *arg, const struct jsonl_rec *r, char *why, size_t whylen);

/* Feeds every record of path to cb in file order. o may be NULL (strict). Returns JSONL_OK,
 * JSONL_ERROR (err: "PATH: No such file or directory", "PATH:12: malformed JSON at column
 * 5: ...") or JSONL_STOPPED. */
int jsonl_each(const char *path, struct jsonl_opts *o, jsonl_cb cb, void *arg, char *err,
               size_t errlen);

/* The rule for one line, line[0..len) without its '\n' (newline: it had one): the object, or
 * NULL with why set to the damage in words ("not a JSON object (an array)"). A len above
 * JSONL_LINE_MAX is refused before line is read. For readers of lines from elsewhere (a
 * fuzzing harness). Caller decrefs. */
json_t *jsonl_parse(const char *line, size_t len, int newline, char *why, size_t whylen);

/* For the writers of records (report/record.c) and targets (sched/targets.c), one spelling of
 * each: the octets as lowercase hex (TLSA data as dig and the RFCs print it), and a word or
 * null. New references; caller owns them. */
json_t *jsonl_hex(const unsigned char *p, size_t n);
json_t *jsonl_word(const char *w);

/* The record whose line starts at offset in path (an offset jsonl_each gave), for a reader
 * that comes back to a line it has seen. Returns a new object (caller decrefs), or NULL with
 * err set. */
json_t *jsonl_read_at(const char *path, long long offset, char *err, size_t errlen);

/* The one JSON object of a whole file (summary.json, run.json: the files that come with the
 * JSONL records), for every reader of them. Returns a new object (caller decrefs), or NULL
 * with err in the JSONL readers' words: "PATH:3: end of file expected near ']'" (file:line
 * when jansson knows the line), "PATH: unable to open ...", "PATH: not a JSON object". */
json_t *jsonl_read_object(const char *path, char *err, size_t errlen);

/* Reading summary-like objects: obj's member key as an integer, 0 when absent or not an integer. */
long long jsonl_int(const json_t *obj, const char *key);

/* The entries of map whose values are counts (a non-integer counts 0), most first, then by
 * key in byte order; *n set. The keys are borrowed from map. Caller frees the array. */
struct jsonl_count {
    const char *key;
    long long n;
};
struct jsonl_count *jsonl_counts_sorted(const json_t *map, size_t *n);

#endif

/* diff_out: the state of one `mxsurvey diff` comparison (built by diff.c) and its writers
 * (diff_out.c): diff.json, diff.csv and the readable summary. Internal to the two files. */
#ifndef MXS_DIFF_OUT_H
#define MXS_DIFF_OUT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "diff.h"
#include "core/hmap.h"

enum diff_trust { TRUST_NULL, TRUST_TRUE, TRUST_FALSE }; /* a primary endpoint's trust.valid */

#define DIFF_MX_DIGEST 16 /* octets of SHA-256 kept per MX set */
#define DIFF_NSHARES 5

/* The new values of a changed domain. */
struct dnew {
    uint32_t pattern, sha; /* string ids */
    uint8_t trust;         /* enum diff_trust */
    json_t *mx, *old_mx;   /* the new and old MX sets (diff.json's form), when they differ */
};

/* One domain. In the old run (in_old): its old values; appeared (only in_new): its pattern.
 * now is set for a domain of both runs with some change (kinds). */
struct dstate {
    long long off;         /* offset of its line in OLD/domains.jsonl */
    uint32_t pattern, sha; /* string ids, 0 for null */
    uint8_t trust;         /* enum diff_trust */
    uint8_t in_old, in_new;
    uint8_t kinds;         /* bit (1 << enum diff_kind) per kind of change */
    unsigned char mx[DIFF_MX_DIGEST];
    struct dnew *now;
};

struct diff_item {
    const char *key; /* the domain (the table's copy) */
    struct dstate *st;
};

struct diff_strtab {
    struct hmap ids; /* string -> id (index + 1) */
    char **s;
    size_t n, cap;
};

struct diff {
    const struct diff_opts *o;
    struct diff_strtab strs;
    struct hmap eps;  /* endpoint key -> packed trust and certificate id, of one run */
    struct hmap doms; /* domain -> struct dstate */
    char *key;        /* scratch for endpoint keys */
    size_t key_cap;
    json_t *sum_old, *sum_new; /* the summaries */
    struct diff_item *appeared, *vanished, *changed; /* sorted by key */
    size_t nappeared, nvanished, nchanged, cap[3];
    struct diff_counts c;
    struct jsonl_opts *jo; /* how the JSONL files are read (--lenient) */
};

/* The string of an id (NULL for 0). */
const char *diff_str(const struct diff *x, uint32_t id);
/* The headline shares, in output order, and one of them in a summary (NULL when absent). */
extern const char *const diff_share_names[DIFF_NSHARES];
const json_t *diff_share(const json_t *summary, const char *name);

/* Writes dir/diff.json and dir/diff.csv, each to a temporary file renamed into place once
 * complete. Returns 0, or -1 with err set (neither file is left half-written). */
int diff_write_files(const struct diff *x, const char *dir, char *err, size_t errlen);
/* The readable summary: counts, shares, then at most lines domains per kind. */
void diff_write_text(const struct diff *x, FILE *f, size_t lines);

#endif

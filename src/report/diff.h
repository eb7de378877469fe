/* diff: `mxsurvey diff OLD_DIR NEW_DIR`: what changed between two scan folders, domain by
 * domain. A domain is keyed by the `domain` string of domains.jsonl (for an invalid line, its
 * raw text). The comparison reports domains that appeared or vanished, and for a domain in
 * both runs whether its pattern, its primary endpoint's trust.valid and cert.sha256 (joined
 * through `primary` with hosts.jsonl), or its MX set (the set of (pref, host)) changed; plus
 * old, new and delta of each headline share of summary.json. docs/schema.md ("diff.json",
 * "diff.csv") defines the outputs.
 *
 * Memory: the old run's compact per-domain state (interned pattern and certificate ids, trust,
 * an MX-set digest, the record's offset) and one run's endpoint table at a time; the new run
 * is streamed against it. Only the values of changed domains are kept beyond that; the old MX
 * set of a domain whose MX set changed is read back from its line when the output is written.
 * diff.json is written element by element, never built whole.
 *
 * The command line (options, usage, exit codes) is src/cmd/diffcmd.c; the writers of the
 * outputs are diff_out.h, which reads the structures below (diff.c builds them). */
#ifndef MXS_DIFF_H
#define MXS_DIFF_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/hmap.h"

/* The kinds of change of a domain present in both runs, in output order. */
enum diff_kind {
    DIFF_PATTERN,     /* "pattern" */
    DIFF_TRUST_VALID, /* "trust_valid" */
    DIFF_CERT_SHA256, /* "cert_sha256" */
    DIFF_MX,          /* "mx" */
    DIFF_POLICY,      /* "policy": what a sender enforces (diff_policy_view) */
    DIFF_NKINDS,
};

/* The kind's key in diff.json and diff.csv. */
const char *diff_kind_str(enum diff_kind k);

/* The outcome, which is also the exit code of `mxsurvey diff`. */
enum diff_status {
    DIFF_SAME = 0,    /* no domain appeared, vanished or changed, and no share changed */
    DIFF_CHANGED = 1, /* some did */
    DIFF_ERROR = 2,   /* usage, a missing or unreadable folder or file, a malformed line, or
                         diff.json/diff.csv could not be written (err says which, file:line) */
};

struct diff_counts {
    unsigned long old_domains, new_domains; /* distinct keys in each run */
    unsigned long appeared, vanished;
    unsigned long changed;   /* domains in both runs with at least one kind of change */
    unsigned long unchanged; /* domains in both runs without */
    unsigned long kind[DIFF_NKINDS]; /* domains with that kind of change */
    unsigned long shares_changed;    /* headline shares whose numerator, denominator or value
                                        differ */
};

struct diff_opts {
    const char *old_dir, *new_dir;
    const char *out_dir; /* where diff.json and diff.csv go; NULL: new_dir */
    FILE *text;          /* the readable summary; NULL for none */
    size_t text_lines;   /* domains listed per kind in the text; 0: DIFF_TEXT_LINES */
    int lenient;         /* skip damaged JSONL lines with a warning (jsonl.h) */
};

#define DIFF_TEXT_LINES 50


/* ---- the state of one comparison: built by diff.c, written by diff_out.c ---- */

struct jsonl_opts;

enum diff_trust { TRUST_NULL, TRUST_TRUE, TRUST_FALSE }; /* a primary endpoint's trust.valid */

#define DIFF_MX_DIGEST 16 /* octets of SHA-256 kept per MX set */
#define DIFF_NSHARES 5

/* The new values of a changed domain. */
struct dnew {
    uint32_t pattern, sha, policy; /* string ids */
    uint8_t trust;         /* enum diff_trust */
    json_t *mx, *old_mx;   /* the new and old MX sets (diff.json's form), when they differ */
};

/* One domain. In the old run (in_old): its old values; appeared (only in_new): its pattern.
 * now is set for a domain of both runs with some change (kinds). */
struct dstate {
    long long off;         /* offset of its line in OLD/domains.jsonl */
    uint32_t pattern, sha; /* string ids, 0 for null */
    uint32_t policy;       /* string id of its policy view, 0 without the fields */
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
    json_t *options_differ;    /* [{option, old, new}]: the verdict-changing options of the two
                                  run.json files that differ (runopts.h); NULL when a folder
                                  has no readable run.json (unknown) */
    struct diff_item *appeared, *vanished, *changed; /* sorted by key */
    size_t nappeared, nvanished, nchanged, cap[3];
    struct diff_counts c;
    struct jsonl_opts *jo; /* how the JSONL files are read (--lenient) */
};

/* The string of an id (NULL for 0). */
const char *diff_str(const struct diff *x, uint32_t id);

/* The shares compared, as summary.json names them, and one share of a summary (NULL when
 * absent). */
extern const char *const diff_share_names[DIFF_NSHARES];
const json_t *diff_share(const json_t *summary, const char *name);

/* Reads and compares the two folders into *x (the caller's; diff_release frees what it holds,
 * whatever this returned). A folder without summary.json gets one (summary_write; built in
 * memory when the folder cannot be written). Returns DIFF_SAME, DIFF_CHANGED, or DIFF_ERROR
 * with err saying why. Writes nothing else: diff_out.c's diff_dirs writes the result. */
int diff_compute(const struct diff_opts *o, struct diff *x, char *err, size_t errlen);
void diff_release(struct diff *x);

#endif

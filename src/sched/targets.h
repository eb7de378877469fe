/* targets: the records a staged survey hands from one stage to the next (docs/cluster.md,
 * docs/schema.md "targets.jsonl"): `mxsurvey resolve` writes one per input line that becomes a
 * record (targets.jsonl, or targets.I.jsonl for shard I), and `mxsurvey probe` and `mxsurvey
 * merge` read them back instead of asking DNS again. A record holds everything the later
 * stages need of the line: its resolution (struct resolve_result, the MX set with each host's
 * addresses, DNSSEC states and TLSA RRset, the TXT RRsets) and the domain's MTA-STS state
 * (struct sts_state), or an invalid or duplicate line as the input reader gave it. What is
 * read back is what was written (targets_parse(targets_domain_json(x)) == x, field by field),
 * so that the records `merge` writes equal those `scan` writes.
 *
 * Every text that may hold octets that are not UTF-8 (an invalid line, DNS and curl error
 * words, MX host names in presentation form) is written in core/text.h's notation and decoded
 * back; TXT and TLSA RDATA as lower-case hex.
 *
 * The shard of a key (survey_shard): a fixed function of the key's octets, the same on every
 * machine and in every version of this format, so that the shards of a survey agree.
 *
 * Ownership: a struct target owns everything it points to (target_clear). A targets_reader
 * owns its files. */
#ifndef MXS_TARGETS_H
#define MXS_TARGETS_H
#include <stddef.h>

#include <jansson.h>

#include "input/input.h"
#include "resolve/resolve_result.h"

struct sts_state; /* sched_int.h */

/* Which of n shards (n >= 1) the key belongs to: a 64-bit hash of its octets with a fixed
 * seed (not the one that shares addresses among a run's loops), mod n. Domains are sharded by
 * their normalised name (an invalid line by its raw octets), endpoints by their address. */
unsigned survey_shard(const char *key, size_t len, unsigned n);

enum target_kind {
    TARGET_DOMAIN,    /* a name that was resolved: rr (and sts) */
    TARGET_INVALID,   /* input_line status INPUT_INVALID */
    TARGET_DUPLICATE, /* input_line status INPUT_DUPLICATE */
};

struct target {
    enum target_kind kind;
    unsigned long line;        /* the input line, 1-based */
    char *domain;              /* DOMAIN, DUPLICATE: the normalised name */
    char *raw;                 /* INVALID: the line's octets, NUL-terminated (may hold NULs) */
    size_t raw_len;
    char *why;                 /* INVALID: why the line is not a host name */
    unsigned long dup_of;      /* DUPLICATE: the line that gave the name first */
    struct resolve_result *rr; /* DOMAIN */
    struct sts_state *sts;     /* DOMAIN: its MTA-STS state; NULL when policy lookups were
                                  off (--no-policy) */
};
void target_clear(struct target *t);

/* The record of a resolved domain (line, name, its resolution, its MTA-STS state or NULL). */
json_t *targets_domain_json(unsigned long line, const char *domain,
                            const struct resolve_result *rr, const struct sts_state *sts);
/* The record of an invalid or a duplicate input line. */
json_t *targets_line_json(const struct input_line *l);

/* One record back into t (zeroed first). Returns 0, or -1 with why set (a record this version
 * does not write: a missing field, a word it does not know, bad hex, ...); t is then clear. */
int targets_parse(const json_t *rec, struct target *t, char *why, size_t whylen);

/* Reads the records of several files, one after the other, a line at a time (memory: one
 * record). */
struct targets_reader;
/* paths: n files, read in that order (borrowed until close). NULL with err when one cannot be
 * opened. */
struct targets_reader *targets_reader_open(const char *const *paths, size_t n, char *err,
                                           size_t errlen);
/* The next record into t (the caller clears it after use). 1: a record; 0: the end of the last
 * file; -1: a damaged line or a read error, err says "PATH:LINE: why". A last line without
 * its newline is damaged (a stage that was killed wrote it; a finished one never does). */
int targets_next(struct targets_reader *r, struct target *t, char *err, size_t errlen);
void targets_reader_close(struct targets_reader *r);

#endif

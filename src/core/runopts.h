/* runopts: the options of a scan as run.json records them (`options`: long names, typed:
 * numbers as numbers, flags as true, repeatable options as lists), and which of them change
 * verdicts. `scan --resume` (sched/resume.c) refuses a round whose verdict-changing options
 * differ from the folder's; `diff` (report/diff.c) warns when its two runs' differ. One list,
 * here, for both.
 *
 * Older run.json files (before 0.2) held every value as the text given ("10"); runopt_equal
 * takes such a text equal to the number it spells, so those folders still resume and diff. */
#ifndef MXS_RUNOPTS_H
#define MXS_RUNOPTS_H
#include <jansson.h>

/* 1 when the option (its long name) only sets the pace, the way to the answers or the folder
 * (--concurrency, --per-ip, --rate, --max-domains, --dns-concurrency, --resolver,
 * --retry-delay, --max-dns-errors, --quiet, --threads, --out, --resume), never what a record
 * says.
 * Every other option, known or future, changes verdicts. */
int runopt_sets_pace(const char *option);

/* 1 when two recorded values are the same option value: equal JSON, or a text and a number
 * where the text (an older run.json's, "20" or "20%") spells that number; lists element by
 * element. NULL (not given) equals only NULL. */
int runopt_equal(const json_t *a, const json_t *b);

/* Calls fn for every verdict-changing option whose value differs between the options
 * objects old and now (either may be NULL: no options), old's keys first, then those only
 * in now; then_v or now_v is NULL when the option was not given. Returns how many. */
typedef void (*runopt_diff_fn)(void *arg, const char *option, const json_t *then_v,
                               const json_t *now_v);
int runopt_diffs(const json_t *old, const json_t *now, runopt_diff_fn fn, void *arg);

#endif

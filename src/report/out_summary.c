/* out_summary: the output `summary`: every record, as it is made, into the caller's
 * aggregator (summary.h; output_where.arg, a struct summary_acc * the caller keeps, finishes
 * and frees once the run is over), so that the end of a scan has nothing to read back.
 *
 * scan --resume (w->append): the records the folder keeps are fed first, from hosts.jsonl then
 * domains.jsonl as resume keeps them (whole lines only), as `mxsurvey report DIR` would feed
 * them; then this round's records as they come (each domain after the endpoints it names). */
#include <stdio.h>

#include "core/jsonl.h"
#include "output.h"
#include "summary.h"

static int summary_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    struct summary_acc *a = w->arg;
    if (!a) {
        snprintf(err, errlen, "the output summary needs an aggregator");
        return -1;
    }
    if (w->append) {
        /* silent: sched_resume and resume_read_lines read these lines first, and refused the
         * folder for a damaged one. */
        struct jsonl_opts jo = {.whole_lines_only = 1, .silent = 1};
        if (summary_add_dir(a, w->dir, &jo, err, errlen) != SUMMARY_OK)
            return -1;
    }
    *state = a;
    return 0;
}

static int summary_endpoint(void *state, json_t *rec)
{
    summary_add_endpoint(state, rec);
    return 0;
}

static int summary_domain(void *state, json_t *rec)
{
    summary_add_domain(state, rec);
    return 0;
}

static int summary_close(void *state)
{
    (void)state; /* the aggregator is the caller's */
    return 0;
}

const struct output_ops out_summary_ops = {
    .name = "summary",
    .open = summary_open,
    .endpoint = summary_endpoint,
    .domain = summary_domain,
    .close = summary_close,
};

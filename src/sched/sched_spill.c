/* sched_spill: domains set aside while their endpoints wait for the end of the input
 * (sched_int.h, "sched_spill.c"; the rule in infer.c's INF_INSENSITIVE).
 *
 * Why: an inferred endpoint is written only once the input is over, so that a spot check that
 * comes later and differs still turns it into a probe instead of leaving a record the switch
 * would have had to take back. A domain that waits only for such endpoints would hold its
 * place among --max-domains until then, and with it the reading of the list: so it is written
 * to a temporary file of the folder as the staged survey's target (targets.h: its resolution,
 * MTA-STS state and line, the codec merge reads), freed, and read back once the loops have
 * released every held endpoint (CMD_FINAL), to be joined as merge joins its targets.
 *
 * Ownership: the run owns spill_path and the open file (spill_close). */
#include "sched_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "targets.h"

/* In the scan folder; a killed run's is removed when the next round starts (its domains
 * have no record, so pending.txt lists them and --resume scans them again). */
#define SPILL_NAME ".set-aside.jsonl"

void spill_open(struct scan_run *s)
{
    if (s->o->stage != SCHED_SCAN || !s->o->out_dir || !s->o->infer)
        return;
    size_t n = strlen(s->o->out_dir) + sizeof(SPILL_NAME) + 1;
    s->spill_path = xmalloc(n);
    snprintf(s->spill_path, n, "%s/%s", s->o->out_dir, SPILL_NAME);
    s->spill_paths[0] = s->spill_path;
    unlink(s->spill_path);
}

void spill_close(struct scan_run *s)
{
    if (s->spill)
        fclose(s->spill);
    s->spill = NULL;
    if (s->spill_path)
        unlink(s->spill_path);
    free(s->spill_path);
    s->spill_path = NULL;
}

/* j waits for endpoints (and nothing else), and every one of them is held to the end. */
static int only_held(const struct domain_job *j)
{
    if (j->pending == 0 || j->sts_wait || j->sts_lost)
        return 0;
    size_t waiting = 0;
    for (size_t i = 0; i < j->neps; i++) {
        const struct endpoint *ep = j->eps[i];
        if (ep->recorded)
            continue;
        if (!ep->held_end)
            return 0;
        waiting++;
    }
    return waiting == j->pending;
}

/* j no longer waits for ep (the most recent waiters are last: searched from the end). */
static void unwait(struct endpoint *ep, const struct domain_job *j)
{
    for (size_t i = ep->nwait; i-- > 0;)
        if (ep->waiters[i] == j) {
            memmove(&ep->waiters[i], &ep->waiters[i + 1], (ep->nwait - i - 1) * sizeof(*ep->waiters));
            ep->nwait--;
            return;
        }
}

/* j's target line to the file: 0, or -1 (the run stops: sched_write_failed). */
static int spill_write(struct scan_run *s, const struct domain_job *j)
{
    if (!s->spill && !(s->spill = fopen(s->spill_path, "w"))) {
        sched_write_failed(s, -errno);
        return -1;
    }
    json_t *rec = targets_domain_json(j->line, j->domain, j->rr, j->sts);
    char *txt = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    errno = 0;
    int ok = txt && fputs(txt, s->spill) >= 0 && putc('\n', s->spill) != EOF;
    free(txt);
    if (!ok) {
        sched_write_failed(s, errno ? -errno : -1);
        return -1;
    }
    return 0;
}

void spill_maybe(struct domain_job *j)
{
    struct scan_run *s = j->run;
    /* Called for every domain still waiting when one of its endpoints is done: without
     * inference nothing is ever held, and the endpoints are not walked. */
    if (!s->o->infer || s->stopping || s->o->stage == SCHED_MERGE || !only_held(j))
        return;
    if (s->o->stage == SCHED_SCAN) {
        if (!s->spill_path || spill_write(s, j) < 0)
            return; /* it waits in memory (a run without a folder), or the run is stopping */
        s->spilled++;
    }
    for (size_t i = 0; i < j->neps; i++)
        if (!j->eps[i]->recorded)
            unwait(j->eps[i], j);
    j->pending = 0;
    sched_job_aside(j);
}

void spill_held(struct scan_run *s, struct endpoint *ep)
{
    if (ep->recorded)
        return;
    ep->held_end = 1;
    if (!ep->nwait)
        return;
    /* spill_maybe takes each job off ep's list: walk a copy. */
    size_t n = ep->nwait;
    struct domain_job **w = xmalloc(n * sizeof(*w));
    memcpy(w, ep->waiters, n * sizeof(*w));
    for (size_t i = 0; i < n; i++)
        spill_maybe(w[i]);
    free(w);
}

int spill_rejoin(struct scan_run *s)
{
    if (!s->spilled || s->rejoining)
        return 0;
    int bad = s->spill && fclose(s->spill) != 0;
    s->spill = NULL;
    char err[4400];
    if (bad || !(s->tr = targets_reader_open(s->spill_paths, 1, err, sizeof(err)))) {
        if (bad)
            snprintf(err, sizeof(err), "writing %s: %s", s->spill_path, strerror(errno));
        fprintf(stderr, "mxsurvey: the domains set aside: %s\n", err);
        s->c->output_error = 1; /* their lines have no record: pending.txt lists them */
        return 0;
    }
    s->rejoining = 1;
    s->spilled = 0;
    s->eof = 0;
    sched_fill(s);
    return 1;
}

/* sched_run: the life of a run (see sched.h, sched_int.h): making and freeing a struct scan_run
 * (and its probe loops), the run's uv loop, signals, progress, the stop and the finish. The
 * join is in sched.c, the hand-over to the loops' threads in sched_thread.c. */
#include "sched_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classify/chaincache.h"
#include "classify/classify.h"
#include "progress.h"
#include "targets.h"
#include "resolve/dns.h"
#include "core/util.h"

/* ------------------------------------------------------------------ progress, stop, finish */

/* The run's figures now (progress.h). */
static void stats_snapshot(const struct scan_run *s, struct progress_stats *st)
{
    *st = (struct progress_stats){
        .elapsed_ms = uv_now(s->uvl) - s->start_ms,
        .domains_done = s->c->domains_done, .total_lines = s->total_lines,
        .endpoints = s->c->endpoints, .in_flight = s->lp_state.active,
    };
}

static void progress_draw(struct scan_run *s, int final)
{
    struct progress_stats st;
    stats_snapshot(s, &st);
    progress_render(stderr, &st, final);
    s->progress_drawn = 1;
}

static void progress_fire(uv_timer_t *t)
{
    progress_draw(container_of(t, struct scan_run, progress_timer), 0);
}

static void close_noop(uv_handle_t *h)
{
    (void)h;
}

/* Stops reading input and starting probes; probes in flight get SCHED_STOP_GRACE_MS to
 * finish. */
static void stop(struct scan_run *s)
{
    s->stopping = 1;
    run_send_all(s, CMD_STOP);
    sched_maybe_finish(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct scan_run *s = h->data;
    if (s->closed) { /* every record is out: the run is complete; the caller says so */
        if (!s->c->late_signal)
            s->c->late_signal = signum;
        return;
    }
    const char *what = signum == SIGINT ? "interrupted" : "terminated";
    s->c->interrupted = 1;
    if (s->stopping) { /* a second signal: no more grace */
        fprintf(stderr, "mxsurvey: %s again: aborting the probes in flight (%d)\n", what,
                s->lp_state.active);
        run_send_all(s, CMD_ABORT);
        return;
    }
    fprintf(stderr, "%smxsurvey: %s: finishing probes in flight (%d), then stopping\n",
            s->progress_drawn ? "\n" : "", what, s->lp_state.active);
    s->progress_drawn = 0;
    stop(s);
}

void sched_write_failed(struct scan_run *s, int rc)
{
    sched_output_failed(s->c, rc);
    if (s->stopping || s->closed)
        return;
    fprintf(stderr, "%smxsurvey: writing the records failed: %s: stopping\n",
            s->progress_drawn ? "\n" : "", rc < -1 ? strerror(-rc) : "unknown error");
    s->progress_drawn = 0;
    stop(s);
}

/* Records reach the disk at least this often, whole lines only (linebuf.h), so a killed
 * run loses at most the last second of its work (scan --resume redoes it). */
static void flush_fire(uv_timer_t *t)
{
    struct scan_run *s = container_of(t, struct scan_run, flush_timer);
    for (int i = 0; i < s->nout; i++) {
        const struct output_ops *ops = s->o->outputs[i].ops;
        int rc = ops->flush ? ops->flush(s->out_state[i]) : 0;
        if (rc < 0)
            sched_write_failed(s, rc);
    }
}

/* After each DNS result: resolvers that have not answered a single query while
 * SCHED_DNS_DEAD_AFTER failed are dead or unreachable; stop rather than write a dns-error
 * record for every domain of the list. */
void sched_dns_watch(struct scan_run *s)
{
    const struct loop_state *ls = &s->lp_state; /* as the loops' last messages said */
    if (s->stopping || s->closed || ls->dns_answered || ls->dns_failed_rcode ||
        ls->dns_failed_noreply < SCHED_DNS_DEAD_AFTER)
        return;
    s->c->dns_dead = 1;
    char list[SCHED_MAX_RESOLVERS * 66] = "", one[64];
    for (int i = 0; i < s->o->nresolvers; i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, dns_server_str(&s->o->resolvers[i], one, sizeof(one)));
    }
    fprintf(stderr, "%smxsurvey: no reply from any resolver (%s) to %lu queries: stopping\n",
            s->progress_drawn ? "\n" : "", list, ls->dns_failed_noreply);
    s->progress_drawn = 0;
    stop(s);
}

static void fill_fire(uv_timer_t *t)
{
    struct scan_run *s = t->data;
    sched_fill(s);
    run_send_dispatch(s);
    sched_maybe_finish(s);
}

void sched_fill_later(struct scan_run *s)
{
    if (!s->closed)
        uv_timer_start(&s->fill_timer, fill_fire, 0, 0);
}

void sched_maybe_finish(struct scan_run *s)
{
    if (s->closed || s->draining || !s->c) /* a drain calls again once the queue is empty */
        return;
    int input_done = s->eof || s->stopping;
    if (!input_done || s->lp_state.busy)
        return;
    if (s->stopping && !s->lp_state.stopped) /* a loop has not taken the stop yet */
        return;
    if (!s->stopping && (s->inflight_domains > 0 || !s->lp_state.idle))
        return;
    if (!s->stopping) {
        /* The input is over: the inferred endpoints held for it go (CMD_FINAL), and then the
         * domains set aside for them are joined again (sched_spill.c). */
        if (!s->final_sent) {
            s->final_sent = 1;
            s->draining = 1; /* one loop: its answers wait for this call's end */
            run_send_all(s, CMD_FINAL);
            s->draining = 0;
            run_drain(s); /* asks again at its end */
            return;
        }
        if (!s->lp_state.final)
            return;
        if (spill_rejoin(s)) { /* it read the first of them: perhaps all, and all written */
            sched_maybe_finish(s);
            return;
        }
    }
    /* Everything is out (or we are stopping and nothing is on the wire): close down. The
     * signal handles stay (unreferenced, they do not keep the loop alive) until sched_exec
     * has blocked the signals: closed here, they would give the default action back while
     * the loop still runs. */
    s->closed = 1;
    s->c->chains = s->chains_named.count;
    struct chain_cache_stats cs;
    chain_cache_stats(trust_ctx_cache(s->trust), &cs);
    s->c->chain_verifications = cs.verifications;
    s->c->chain_cache_hits = cs.hits;
    /* One loop: loop_close (its resolver's cancellations come back as messages); threaded:
     * each loop closes its handles on its own thread, which then ends (run_threads_join). */
    run_send_all(s, CMD_CLOSE);
    uv_close((uv_handle_t *)&s->progress_timer, close_noop);
    uv_close((uv_handle_t *)&s->flush_timer, close_noop);
    uv_close((uv_handle_t *)&s->fill_timer, close_noop);
    run_async_close(s);
}

/* ------------------------------------------------------------------ run */



/* Blocks (how = SIG_BLOCK) or unblocks SIGINT and SIGTERM; old (unless NULL) gets the mask
 * before. */
static void mask_stop_signals(int how, sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(how, &set, old);
}

/* Releases everything; the outputs' close errors land in s->c when there is one. */
static void release(struct scan_run *s)
{
    for (int i = 0; i < s->nout; i++) {
        int rc = s->o->outputs[i].ops->close(s->out_state[i]);
        if (rc < 0 && s->c)
            sched_output_failed(s->c, rc);
    }
    for (int i = 0; i < s->nloops; i++)
        loop_free(s->lps[i]); /* its resolver's cancellations may still post */
    s->nloops = 0;
    run_async_close(s); /* a run that never finished (sched_free, a failed start) */
    struct run_msg *m;
    while ((m = STAILQ_FIRST(&s->queue))) { /* never handled: the run is over */
        STAILQ_REMOVE_HEAD(&s->queue, link);
        if (m->kind == MSG_RESOLVED) {
            resolve_result_free(m->rr);
            sts_state_free(m->sts);
            sched_job_free(m->job);
        } else if (m->kind == MSG_STS) {
            sts_state_free(m->sts); /* its job was freed with its MSG_RESOLVED, or is freed
                                       with the run's jobs */
        }
        free(m);
    }
    trust_ctx_free(s->trust);
    if (s->psl)
        psl_free(s->psl);
    input_reader_close(s->in);
    targets_reader_close(s->tr);
    spill_close(s);
    while (!LIST_EMPTY(&s->jobs)) /* a stop left them waiting on endpoints never probed */
        sched_job_free(LIST_FIRST(&s->jobs));
    hmap_free(&s->endpoints, sched_endpoint_free);
    hmap_free(&s->chains_named, NULL);
    hmap_free(&s->first_lines, free);
    if (s->threaded) { /* the signal handles and the wake-up close; the loops' threads ended */
        uv_run(&s->own_loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&s->own_loop) != 0)
            fprintf(stderr, "mxsurvey: internal: handles left open at exit\n");
        uv_mutex_destroy(&s->mu);
    }
    free(s->lps);
    free(s->lp_states);
    free(s);
}

void sched_free(struct scan_run *s)
{
    if (s)
        release(s);
}

struct scan_run *sched_new(const struct sched_opts *o, const char *input_path, const char *domain,
                        char *err, size_t errlen)
{
    struct scan_run *s = xcalloc(1, sizeof(*s));
    s->o = o;
    s->one_domain = domain;
    hmap_init(&s->endpoints);
    hmap_init(&s->chains_named);
    hmap_init(&s->first_lines);
    LIST_INIT(&s->jobs);
    STAILQ_INIT(&s->queue);
    int n = o->threads > 1 ? o->threads : 1;
    s->lps = xcalloc((size_t)n, sizeof(*s->lps));
    s->lp_states = xcalloc((size_t)n, sizeof(*s->lp_states));
    for (int i = 0; i < n; i++)
        s->lp_states[i].idle = 1; /* until its first message: nothing given to it yet */
    s->lp_state.idle = 1;
    if (n > 1) { /* the run's own uv loop; each probe loop on a thread (sched_exec) */
        uv_loop_init(&s->own_loop);
        uv_mutex_init(&s->mu);
        s->threaded = 1;
    }
    s->trust = o->ca_file || o->ca_path ? trust_ctx_new(o->ca_file, o->ca_path, err, errlen)
                                        : trust_ctx_new(TRUST_DEFAULT_CA_FILE, NULL, err, errlen);
    if (!s->trust)
        goto fail;
    s->psl = classify_psl_load();
    if (!s->psl) {
        snprintf(err, errlen, "no public suffix list (install the publicsuffix package)");
        goto fail;
    }
    if (o->stage == SCHED_PROBE || o->stage == SCHED_MERGE) { /* the targets, not the list */
        s->tr = targets_reader_open(o->targets, o->ntargets, err, errlen);
        if (!s->tr || (o->stage == SCHED_PROBE && sched_first_lines(s, err, errlen) < 0))
            goto fail;
    } else if (!domain) {
        s->in = input_reader_open(input_path, err, errlen);
        if (!s->in)
            goto fail;
        if (o->progress && strcmp(input_path, "-") != 0)
            s->total_lines = input_count(input_path);
    }
    for (; s->nloops < n; s->nloops++) { /* TLS setup, the DNS client, each */
        s->lps[s->nloops] = loop_new(o, s, s->nloops, n, err, errlen);
        if (!s->lps[s->nloops])
            goto fail;
    }
    s->uvl = s->threaded ? &s->own_loop : &s->lps[0]->loop;
    return s;
fail:
    release(s);
    return NULL;
}

int sched_exec(struct scan_run *s, struct sched_counts *counts, char *err, size_t errlen)
{
    const struct sched_opts *o = s->o;
    memset(counts, 0, sizeof(*counts));
    /* What the folder already held (scan --resume): the counts are the folder's. */
    counts->domains_done = s->kept_domains;
    counts->invalid = s->kept_invalid;
    counts->duplicates = s->kept_duplicates;
    counts->endpoints_done = s->kept_endpoints;
    s->c = counts;
    for (; s->nout < o->noutputs; s->nout++) {
        const struct output_where w = {.dir = o->out_dir, .append = s->append,
                                       .arg = o->outputs[s->nout].arg};
        if (o->outputs[s->nout].ops->open(&s->out_state[s->nout], &w, err, errlen) < 0) {
            release(s);
            return 2;
        }
    }
    spill_open(s); /* the outputs are open: the folder is there */

    uv_loop_t *loop = s->uvl;
    for (int i = 0; i < s->nloops; i++)
        if (loop_start(s->lps[i]) < 0) {
            snprintf(err, errlen, "cannot set up the resolver");
            release(s);
            return 2;
        }
    /* Before the signals are unblocked: the loops' threads never take them. */
    if (s->threaded && run_threads_start(s, err, errlen) < 0) {
        release(s);
        return 2;
    }
    uv_timer_init(loop, &s->progress_timer);
    uv_timer_init(loop, &s->flush_timer);
    uv_timer_init(loop, &s->fill_timer);
    s->fill_timer.data = s;
    uv_signal_init(loop, &s->sigint);
    uv_signal_init(loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    /* The loop ends when the work does; the signal handles are closed after it (below). */
    uv_unref((uv_handle_t *)&s->sigint);
    uv_unref((uv_handle_t *)&s->sigterm);
    /* The handlers are in place: a signal that came before (a caller that blocked it) is
     * delivered now, and the loop handles it first. */
    mask_stop_signals(SIG_UNBLOCK, &s->entry_mask);
    s->start_ms = uv_now(loop);
    if (o->progress)
        uv_timer_start(&s->progress_timer, progress_fire, 500, 500);
    if (s->nout)
        uv_timer_start(&s->flush_timer, flush_fire, SCHED_FLUSH_MS, SCHED_FLUSH_MS);

    sched_fill(s);
    run_send_dispatch(s);
    sched_maybe_finish(s);
    uv_run(loop, UV_RUN_DEFAULT);

    if (o->progress)
        progress_draw(s, 1);
    if (s->threaded) {
        run_threads_join(s); /* each loop closed its handles; its counters are final */
    } else {
        dns_client_free(s->lps[0]->dns);
        s->lps[0]->dns = NULL;
        uv_run(loop, UV_RUN_DEFAULT); /* let the DNS client's handles close */
    }
    for (int i = 0; i < s->nloops; i++) {
        const struct probe_loop *lp = s->lps[i];
        const struct resolve_stats *rs = &lp->dns_final;
        counts->probes += lp->c.probes;
        counts->retries += lp->c.retries;
        counts->version_probes += lp->c.version_probes;
        counts->inferred += lp->inf.inferred;
        counts->inferred_down += lp->inf.inferred_down;
        counts->spot_checks += lp->inf.spot_checks;
        counts->switched += lp->inf.switched;
        counts->dns_queries += rs->q_mx + rs->q_a + rs->q_aaaa + rs->q_ptr + rs->q_txt +
                               rs->q_tlsa + rs->q_cd;
        counts->dns_policy_queries += rs->q_txt + rs->q_tlsa + rs->q_cd;
        counts->sts_fetches += lp->c.sts_fetches;
        counts->dns_cache_hits += rs->cache_hits + rs->coalesced;
        counts->dns_answered += rs->answered;
        counts->dns_failed += rs->failed_rcode + rs->failed_noreply;
        counts->dns_no_reply += rs->failed_noreply;
    }
    /* Block the signals before their handles go (closing the last handle of a signal gives
     * it back its default action: death), then let the loop take any the handlers caught
     * but the loop has not dispatched yet; later ones stay pending for the caller. */
    mask_stop_signals(SIG_BLOCK, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    uv_close((uv_handle_t *)&s->sigint, close_noop);
    uv_close((uv_handle_t *)&s->sigterm, close_noop);
    sigset_t entry = s->entry_mask;
    release(s); /* closes the outputs: their errors count too */
    pthread_sigmask(SIG_SETMASK, &entry, NULL);
    return counts->interrupted || counts->dns_dead || counts->output_error ||
                   counts->input_error ? 1 : 0;
}

static int run(const struct sched_opts *o, const char *input_path, const char *one,
               struct sched_counts *counts, char *err, size_t errlen)
{
    memset(counts, 0, sizeof(*counts));
    struct scan_run *s = sched_new(o, input_path, one, err, errlen);
    if (!s)
        return 2;
    return sched_exec(s, counts, err, errlen);
}

int sched_run(const struct sched_opts *o, const char *input_path, struct sched_counts *counts,
              char *err, size_t errlen)
{
    return run(o, input_path, NULL, counts, err, errlen);
}

int sched_run_one(const struct sched_opts *o, const char *domain, struct sched_counts *counts,
                  char *err, size_t errlen)
{
    return run(o, NULL, domain, counts, err, errlen);
}

void sched_opts_default(struct sched_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->dns_timeout_ms = 2000;
    o->dns_retries = 2;
    o->dns_concurrency = 256;
    o->port = 25;
    o->ehlo = NULL; /* the address literal of each connection's local address */
    o->timeout_ms = 10000;
    o->retries = 1;
    o->retry_delay_ms = 5000;
    o->per_ip = 2;
    o->concurrency = 500;
    o->max_domains = 1000;
    o->threads = 1;
    o->version_probe = 1;
    o->infer = 1;
    o->infer_check_pct = 5.0;
    o->policy = 1;
    o->mta_sts_port = 443;
    o->max_mx = 10;
    o->max_addrs = 4;
}

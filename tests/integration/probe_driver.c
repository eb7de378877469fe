/* probe_driver: runs probes (src/probe/probe.c) against endpoints given on the command line, all at
 * once on one loop, and prints one JSON object per result (in completion order) on stdout.
 * Built and used by tests/integration/probe.sh; not part of the main build.
 *
 *   probe_driver [-t MS] [-c] [-e EHLO] [-q MS] [-A MS] [-v] MXHOST,IP,PORT...
 *     -t MS    per-phase timeout (default 5000)
 *     -c       stop after the server Certificate message
 *     -e NAME  EHLO name (default "probe-driver.invalid")
 *     -q MS    wait this long for 221 after QUIT (default: the probe_ctx default)
 *     -A MS    probe_abort() every probe still running after MS
 *     -v       also print the transcript lines on stderr
 *
 * It also checks the probe contract and exits 3 when broken: exactly one callback per probe,
 * never from inside probe_start, and no handle left on the loop at the end. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "probe/probe.h"
#include "core/util.h"

struct job {
    struct driver *d;
    char *spec;
    char *mx, *ip;
    int port;
    struct probe *probe;
    int callbacks;
    uint64_t started;
    json_t *transcript;
};

struct driver {
    uv_loop_t *loop;
    struct job *jobs;
    size_t njobs;
    int in_start;
    int contract_broken;
    int verbose;
};

static void on_line(void *arg, char dir, const char *line)
{
    struct job *j = arg;
    char buf[1100];
    snprintf(buf, sizeof(buf), "%c: %s", dir, line);
    json_array_append_new(j->transcript, json_string(buf));
    if (j->d->verbose)
        fprintf(stderr, "[%s] %s\n", j->spec, buf);
}

/* The probe's strings (server words, errors, certificate names) are in the text notation of
 * text.h already (probe.h, cert.h): valid UTF-8, so valid JSON strings. */
static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *cert_json(const struct cert_info *ci)
{
    char *pem = cert_info_pem(ci);
    json_t *sans = json_array();
    for (size_t i = 0; i < ci->nsan; i++)
        json_array_append_new(sans, json_string(ci->san_dns[i]));
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:o,s:i,s:o,s:b,s:o,s:s}",
                     "subject_cn", jstr(ci->subject_cn), "san_dns", sans, "subject",
                     jstr(ci->subject), "issuer", jstr(ci->issuer), "not_before", ci->not_before,
                     "not_after", ci->not_after, "sha256", ci->sha256, "key_type",
                     jstr(ci->key_type), "key_bits", ci->key_bits, "sig_alg", jstr(ci->sig_alg),
                     "self_signed", ci->self_signed, "error", jstr(ci->error), "pem", pem);
    free(pem);
    return o;
}

static void on_result(void *arg, struct probe_result *res)
{
    struct job *j = arg;
    j->callbacks++;
    if (j->d->in_start || j->callbacks > 1) {
        fprintf(stderr, "probe_driver: contract broken for %s: %s\n", j->spec,
                j->d->in_start ? "callback inside probe_start" : "second callback");
        j->d->contract_broken = 1;
    }
    json_t *chain = json_array();
    for (size_t i = 0; i < res->chain_len; i++)
        json_array_append_new(chain, cert_json(res->chain[i]));
    json_t *o = json_pack(
        "{s:s,s:s,s:o,s:i,s:b,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:i,s:i,s:i,s:i,s:i,s:b,s:b,s:b}", "endpoint", j->spec, "status",
        probe_status_str(res->status), "error", jstr(res->error), "smtp_code", res->smtp_code,
        "temporary", res->temporary, "banner_host", jstr(res->banner_host), "ehlo_host",
        jstr(res->ehlo_host), "tls_version", jstr(res->tls_version), "tls_cipher",
        jstr(res->tls_cipher), "chain", chain, "elapsed_ms",
        (json_int_t)(uv_now(j->d->loop) - j->started), "transcript", j->transcript,
        "tls_alert", res->tls_alert, "vp_kind", res->vp_kind, "vp_version", (int)res->vp_version,
        "vp_cipher", (int)res->vp_cipher, "vp_group", (int)res->vp_group, "tls_started",
        res->tls_started, "starttls_injection", res->starttls_injection, "tls_client_limit",
        res->tls_client_limit);
    j->transcript = NULL; /* now owned by o */
    char *line = json_dumps(o, JSON_COMPACT);
    printf("%s\n", line);
    fflush(stdout);
    free(line);
    json_decref(o);
    probe_result_free(res);
    j->probe = NULL;
}

static void abort_cb(uv_timer_t *t)
{
    struct driver *d = t->data;
    for (size_t i = 0; i < d->njobs; i++)
        if (d->jobs[i].probe)
            probe_abort(d->jobs[i].probe);
    uv_close((uv_handle_t *)t, NULL);
}

static int parse_spec(struct job *j, const char *spec)
{
    j->spec = xstrdup(spec);
    char *tmp = xstrdup(spec);
    char *c1 = strchr(tmp, ','), *c2 = c1 ? strrchr(tmp, ',') : NULL;
    if (!c1 || c1 == c2) {
        free(tmp);
        return -1;
    }
    *c1 = *c2 = '\0';
    j->mx = xstrdup(tmp);
    j->ip = xstrdup(c1 + 1);
    j->port = atoi(c2 + 1);
    free(tmp);
    return 0;
}

int main(int argc, char **argv)
{
    struct driver d = {.loop = uv_default_loop()};
    int timeout_ms = 5000, stop_cert = 0, quit_ms = -1, abort_ms = -1, version_probe = 0, ch;
    const char *ehlo = "probe-driver.invalid";
    while ((ch = getopt(argc, argv, "t:ce:q:A:vVL")) != -1) {
        switch (ch) {
        case 't': timeout_ms = atoi(optarg); break;
        case 'c': stop_cert = 1; break;
        case 'e': ehlo = optarg; break;
        case 'q': quit_ms = atoi(optarg); break;
        case 'A': abort_ms = atoi(optarg); break;
        case 'v': d.verbose = 1; break;
        case 'V': version_probe = 1; break;
        case 'L': ehlo = NULL; break; /* EHLO: the local address literal */
        default: return 2;
        }
    }
    d.njobs = (size_t)(argc - optind);
    if (d.njobs == 0) {
        fprintf(stderr, "usage: probe_driver [-t MS] [-c] [-e EHLO | -L] [-q MS] [-A MS] [-v] [-V] "
                        "MXHOST,IP,PORT...\n");
        return 2;
    }
    char *err = NULL;
    struct probe_ctx *ctx = probe_ctx_new(&err);
    if (!ctx) {
        fprintf(stderr, "probe_driver: %s\n", err);
        free(err);
        return 1;
    }
    if (quit_ms >= 0)
        ctx->quit_wait_ms = quit_ms;
    d.jobs = xcalloc(d.njobs, sizeof(*d.jobs));
    for (size_t i = 0; i < d.njobs; i++) {
        struct job *j = &d.jobs[i];
        j->d = &d;
        j->transcript = json_array();
        if (parse_spec(j, argv[optind + (int)i]) != 0) {
            fprintf(stderr, "probe_driver: bad endpoint %s (want MXHOST,IP,PORT)\n",
                    argv[optind + (int)i]);
            return 2;
        }
        struct probe_params p = {
            .mx_host = j->mx[0] ? j->mx : NULL,
            .ip = j->ip,
            .port = j->port,
            .ehlo_name = ehlo,
            .timeout_ms = timeout_ms,
            .stop_after_certificate = stop_cert,
            .version_probe = version_probe,
            .transcript = on_line,
            .transcript_arg = j,
        };
        j->started = uv_now(d.loop);
        d.in_start = 1;
        j->probe = probe_start(ctx, d.loop, &p, on_result, j);
        d.in_start = 0;
    }
    uv_timer_t abort_timer;
    if (abort_ms >= 0) {
        uv_timer_init(d.loop, &abort_timer);
        abort_timer.data = &d;
        uv_timer_start(&abort_timer, abort_cb, (uint64_t)abort_ms, 0);
    }
    uint64_t t0 = uv_now(d.loop);
    uv_run(d.loop, UV_RUN_DEFAULT);
    uv_update_time(d.loop);
    size_t calls = 0;
    for (size_t i = 0; i < d.njobs; i++) {
        struct job *j = &d.jobs[i];
        calls += (size_t)j->callbacks;
        if (j->callbacks != 1) {
            fprintf(stderr, "probe_driver: %s called back %d times\n", j->spec, j->callbacks);
            d.contract_broken = 1;
        }
        free(j->spec);
        free(j->mx);
        free(j->ip);
    }
    free(d.jobs);
    probe_ctx_free(ctx);
    unsigned long long elapsed = (unsigned long long)(uv_now(d.loop) - t0);
    /* Every handle must be closed by now (libuv's MAKE_VALGRIND_HAPPY idea). */
    if (uv_loop_close(d.loop) != 0) {
        fprintf(stderr, "probe_driver: handles left open on the loop\n");
        d.contract_broken = 1;
    }
    fprintf(stderr, "probe_driver: %zu probes, %zu callbacks, %llu ms\n", d.njobs, calls,
            elapsed);
    return d.contract_broken ? 3 : 0;
}

/* mtasts_driver: fetches an MTA-STS policy with the scanner's HTTPS fetcher (src/probe/https.c,
 * libcurl on a libuv loop) and reads it with the policy reader (src/classify/mtasts.c), for
 * tests/integration/test_mtasts.py, which checks both against the world's web server and curl.
 * Not part of the main build.
 *
 *   mtasts_driver [-c CAFILE] [-t MS] [-k MS] [-n N] HOST IP PORT [PATH]
 *     HOST  the policy host (SNI, Host:, the certificate's name); IP: where to connect
 *     PATH  default /.well-known/mta-sts.txt
 *     -n N  N fetches at once (the same URL); one line per fetch, in the order they end
 *     -k MS close the client MS milliseconds after the start: what is in flight is cancelled,
 *           without a callback; prints {"cancelled": K} (the fetches that had not ended)
 *
 * Output: one JSON object: {"fetch": https_status_str, "http_code": N, "content_type": ...,
 * "length": N, "error": ..., "policy_error": mtasts_policy_error_str or null, "line": N,
 * "mode": ..., "max_age": N, "mx": [...]} (the policy members only for a body). Exit 0 when it
 * printed, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "classify/mtasts.h"
#include "probe/https.h"

struct run {
    struct https_client *c;
    int left;   /* fetches not ended */
    uv_timer_t kill;
};

static void print(json_t *o)
{
    char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    printf("%s\n", text);
    free(text);
    json_decref(o);
}

static void done(void *arg, struct https_result *r)
{
    struct run *run = arg;
    json_t *o = json_object();
    json_object_set_new(o, "fetch", json_string(https_status_str(r->status)));
    json_object_set_new(o, "http_code", json_integer(r->http_code));
    json_object_set_new(o, "content_type", r->content_type ? json_string(r->content_type) : json_null());
    json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
    if (r->body) {
        json_object_set_new(o, "length", json_integer((json_int_t)r->body_len));
        struct mtasts_reader rd;
        struct mtasts_policy p;
        mtasts_reader_init(&rd);
        mtasts_reader_feed(&rd, r->body, r->body_len);
        enum mtasts_policy_error e = mtasts_reader_end(&rd, &p);
        const char *es = mtasts_policy_error_str(e);
        json_object_set_new(o, "policy_error", es ? json_string(es) : json_null());
        json_object_set_new(o, "line", json_integer((json_int_t)rd.line));
        if (e == MTASTS_POLICY_OK) {
            json_object_set_new(o, "mode", json_string(mtasts_mode_str(p.mode)));
            json_object_set_new(o, "max_age", json_integer(p.max_age));
            json_t *mx = json_array();
            for (size_t i = 0; i < p.nmx; i++)
                json_array_append_new(mx, json_string(p.mx[i]));
            json_object_set_new(o, "mx", mx);
        }
        mtasts_policy_clear(&p);
    }
    https_result_clear(r);
    print(o);
    if (--run->left == 0) {
        https_client_close(run->c);
        uv_close((uv_handle_t *)&run->kill, NULL);
    }
}

static void kill_fire(uv_timer_t *t)
{
    struct run *run = t->data;
    json_t *o = json_object();
    json_object_set_new(o, "cancelled", json_integer(https_active(run->c)));
    print(o);
    https_client_close(run->c);
    uv_close((uv_handle_t *)&run->kill, NULL);
}

int main(int argc, char **argv)
{
    const char *ca = NULL;
    long ms = 5000, kill_ms = -1;
    int opt, n = 1;
    while ((opt = getopt(argc, argv, "c:t:k:n:")) != -1) {
        if (opt == 'c')
            ca = optarg;
        else if (opt == 't')
            ms = atol(optarg);
        else if (opt == 'k')
            kill_ms = atol(optarg);
        else if (opt == 'n')
            n = atoi(optarg);
        else
            return 2;
    }
    if (n < 1 || n > 1000)
        return 2;
    if (argc - optind < 3) {
        fprintf(stderr, "usage: mtasts_driver [-c CAFILE] [-t MS] HOST IP PORT [PATH]\n");
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct https_opts o = {.ca_file = ca, .connect_timeout_ms = ms, .timeout_ms = ms,
                           .user_agent = "mxsurvey-test"};
    char err[256];
    struct run run = {.left = n};
    uv_timer_init(&loop, &run.kill);
    run.kill.data = &run;
    run.c = https_client_new(&loop, &o, err, sizeof(err));
    if (!run.c) {
        fprintf(stderr, "mtasts_driver: %s\n", err);
        return 2;
    }
    const char *path = argc - optind > 3 ? argv[optind + 3] : "/.well-known/mta-sts.txt";
    for (int i = 0; i < n; i++)
        if (https_fetch(run.c, argv[optind], argv[optind + 1], atoi(argv[optind + 2]), path,
                        done, &run) != 0) {
            fprintf(stderr, "mtasts_driver: bad arguments\n");
            https_client_close(run.c);
            uv_close((uv_handle_t *)&run.kill, NULL);
            uv_run(&loop, UV_RUN_DEFAULT);
            uv_loop_close(&loop);
            return 2;
        }
    if (kill_ms >= 0)
        uv_timer_start(&run.kill, kill_fire, (uint64_t)kill_ms, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop) == 0 ? 0 : 2;
}

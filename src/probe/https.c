/* https: small HTTPS fetches through libcurl's multi-socket interface on a libuv loop (see
 * https.h for what a fetch may and may not do). The pattern is curl's own (docs/examples/
 * multi-uv.c): curl tells us which sockets to watch (sock_cb) and when to wake it (timer_fn);
 * uv_poll and uv_timer do the watching; each wake-up is one curl_multi_socket_action, after
 * which finished transfers are collected (collect). */
#include "https.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <curl/curl.h>

#include "core/util.h"

static const char *const status_words[] = {
    [HTTPS_OK] = "ok",
    [HTTPS_HTTP_STATUS] = "http-status",
    [HTTPS_REDIRECT] = "redirect",
    [HTTPS_TOO_LARGE] = "too-large",
    [HTTPS_BAD_CERTIFICATE] = "bad-certificate",
    [HTTPS_TLS_FAILED] = "tls-failed",
    [HTTPS_CONNECT_FAILED] = "connect-failed",
    [HTTPS_TIMEOUT] = "timeout",
    [HTTPS_FETCH_FAILED] = "fetch-failed",
};

const char *https_status_str(enum https_status s)
{
    return status_words[s];
}

void https_result_clear(struct https_result *r)
{
    free(r->body);
    free(r->content_type);
    free(r->error);
    memset(r, 0, sizeof(*r));
}

struct fetch {
    struct https_client *c;
    CURL *easy;
    struct curl_slist *resolve;
    char errbuf[CURL_ERROR_SIZE];
    char *body;
    size_t len, cap;
    int too_large;
    https_cb cb;
    void *arg;
    LIST_ENTRY(fetch) link;
};

struct watch {
    uv_poll_t poll;
    curl_socket_t fd;
    struct https_client *c;
};

struct https_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct https_opts o;
    LIST_HEAD(, fetch) fetches;
    int active;
    int handles; /* uv handles not yet closed (the timer, the watches) */
    int closing;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not thread-safe: once per process, before any loop's first client. */
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void handle_closed(uv_handle_t *h)
{
    struct https_client *c = h->data;
    if (h->type == UV_POLL)
        free(container_of((uv_poll_t *)h, struct watch, poll));
    if (--c->handles == 0 && c->closing)
        free(c);
}

static void fetch_free(struct fetch *f)
{
    LIST_REMOVE(f, link);
    curl_multi_remove_handle(f->c->multi, f->easy);
    curl_easy_cleanup(f->easy);
    curl_slist_free_all(f->resolve);
    free(f->body);
    f->c->active--;
    free(f);
}

static enum https_status classify(struct fetch *f, CURLcode rc, long code)
{
    if (f->too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return HTTPS_TOO_LARGE;
    switch (rc) {
    case CURLE_OK:
        if (code >= 300 && code < 400)
            return HTTPS_REDIRECT;
        return code == 200 ? HTTPS_OK : HTTPS_HTTP_STATUS;
    case CURLE_PEER_FAILED_VERIFICATION:
        return HTTPS_BAD_CERTIFICATE;
    case CURLE_SSL_CONNECT_ERROR:
        return HTTPS_TLS_FAILED;
    case CURLE_COULDNT_CONNECT:
        return HTTPS_CONNECT_FAILED;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTPS_TIMEOUT;
    default:
        return HTTPS_FETCH_FAILED;
    }
}

/* Hands every finished transfer to its callback. */
static void collect(struct https_client *c)
{
    CURLMsg *m;
    int left;
    /* A callback may close the client: then nothing more is read (its fetches are gone). */
    while (!c->closing && (m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct fetch *f = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        CURLcode rc = m->data.result;
        struct https_result r = {0};
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &r.http_code);
        r.status = classify(f, rc, r.http_code);
        char *ct = NULL;
        if (curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
            r.content_type = xstrdup(ct);
        if (rc != CURLE_OK)
            r.error = xstrdup(f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
        if (r.status == HTTPS_OK || r.status == HTTPS_HTTP_STATUS) {
            r.body = f->body ? f->body : xstrdup("");
            r.body_len = f->len;
            f->body = NULL;
        }
        https_cb cb = f->cb;
        void *arg = f->arg;
        fetch_free(f); /* before the callback, which may start fetches or close the client */
        cb(arg, &r);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct watch *w = container_of(h, struct watch, poll);
    struct https_client *c = w->c;
    if (c->closing)
        return;
    int flags = status < 0 ? CURL_CSELECT_ERR
                           : (events & UV_READABLE ? CURL_CSELECT_IN : 0) |
                                 (events & UV_WRITABLE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(c->multi, w->fd, flags, &running);
    collect(c);
}

static void timer_cb(uv_timer_t *t)
{
    struct https_client *c = t->data;
    int running;
    if (c->closing)
        return;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect(c);
}

static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    struct https_client *c = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, timer_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct https_client *c = userp;
    struct watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            /* Before curl closes fd: epoll forgets it now, the handle is freed later. */
            uv_poll_stop(&w->poll);
            curl_multi_assign(c->multi, fd, NULL);
            uv_close((uv_handle_t *)&w->poll, handle_closed);
        }
        return 0;
    }
    if (!w) {
        w = xcalloc(1, sizeof(*w));
        w->fd = fd;
        w->c = c;
        if (uv_poll_init_socket(c->loop, &w->poll, fd) != 0) {
            free(w);
            return -1;
        }
        w->poll.data = c;
        c->handles++;
        curl_multi_assign(c->multi, fd, w);
    }
    int ev = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&w->poll, ev, poll_cb);
    return 0;
}

struct https_client *https_client_new(uv_loop_t *loop, const struct https_opts *o, char *err,
                                      size_t errlen)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    struct https_client *c = xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->o = *o;
    c->multi = curl_multi_init();
    if (!c->multi) {
        snprintf(err, errlen, "libcurl: cannot make a multi handle");
        free(c);
        return NULL;
    }
    LIST_INIT(&c->fetches);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->handles = 1;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    size_t len = size * n;
    if (f->len + len > HTTPS_BODY_MAX) {
        f->too_large = 1;
        return 0; /* curl ends the transfer: CURLE_WRITE_ERROR, reported as too-large */
    }
    if (f->len + len + 1 > f->cap) {
        f->cap = f->len + len + 1 > 2 * f->cap ? f->len + len + 1 : 2 * f->cap;
        f->body = xrealloc(f->body, f->cap);
    }
    memcpy(f->body + f->len, p, len);
    f->len += len;
    f->body[f->len] = '\0';
    return len;
}

int https_fetch(struct https_client *c, const char *host, const char *ip, int port,
                const char *path, https_cb cb, void *arg)
{
    if (c->closing || !host || !ip || port <= 0 || port > 65535 || !path || path[0] != '/')
        return -1;
    char url[1200], pin[600];
    int v6 = strchr(ip, ':') != NULL;
    if ((size_t)snprintf(url, sizeof(url), "https://%s:%d%s", host, port, path) >= sizeof(url) ||
        (size_t)snprintf(pin, sizeof(pin), v6 ? "%s:%d:[%s]" : "%s:%d:%s", host, port, ip) >=
            sizeof(pin))
        return -1;
    struct fetch *f = xcalloc(1, sizeof(*f));
    f->c = c;
    f->cb = cb;
    f->arg = arg;
    f->easy = curl_easy_init();
    f->resolve = curl_slist_append(NULL, pin);
    if (!f->easy || !f->resolve) {
        curl_easy_cleanup(f->easy);
        curl_slist_free_all(f->resolve);
        free(f);
        return -1;
    }
    CURL *e = f->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->o.ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->o.ca_file);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTPS_BODY_MAX);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    if (c->o.user_agent)
        curl_easy_setopt(e, CURLOPT_USERAGENT, c->o.user_agent);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, f);
    /* One connection per fetch: policy hosts differ, and a cache would outlive the fetch. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    LIST_INSERT_HEAD(&c->fetches, f, link);
    c->active++;
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        fetch_free(f);
        return -1;
    }
    return 0;
}

int https_active(const struct https_client *c)
{
    return c->active;
}

void https_client_close(struct https_client *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    while (!LIST_EMPTY(&c->fetches))
        fetch_free(LIST_FIRST(&c->fetches));
    curl_multi_cleanup(c->multi); /* may still report sockets to remove: sock_cb closes them */
    c->multi = NULL;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, handle_closed);
}

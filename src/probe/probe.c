/* probe: the public entry of the probe stage (see probe.h). The work is done by the SMTP
 * session (smtp.c) and the TLS layer (tls.c); this file owns the per-loop context, the result
 * record and the handle the scheduler holds. */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>

#include "smtp.h"
#include "tls.h"
#include "core/util.h"

struct probe {
    struct smtp_session *session;
    probe_cb cb;
    void *arg;
};

struct probe_ctx *probe_ctx_new(char **err)
{
    char msg[256];
    struct tls_config *tls = tls_config_new(msg, sizeof(msg));
    if (!tls) {
        *err = xstrdup(msg);
        return NULL;
    }
    struct probe_ctx *ctx = xcalloc(1, sizeof(*ctx));
    ctx->tls = tls;
    ctx->quit_wait_ms = 2000;
    return ctx;
}

void probe_ctx_free(struct probe_ctx *ctx)
{
    if (!ctx)
        return;
    tls_config_free(ctx->tls);
    free(ctx);
}

const char *probe_status_str(enum probe_status s)
{
    switch (s) {
    case PROBE_OK: return "ok";
    case PROBE_NO_STARTTLS: return "no-starttls";
    case PROBE_STARTTLS_REFUSED: return "starttls-refused";
    case PROBE_TLS_FAILED: return "tls-failed";
    case PROBE_CONNECT_FAILED: return "connect-failed";
    case PROBE_TIMEOUT: return "timeout";
    case PROBE_SMTP_ERROR: return "smtp-error";
    case PROBE_BLOCKED: return "blocked";
    }
    return "unknown";
}

void probe_result_free(struct probe_result *res)
{
    if (!res)
        return;
    free(res->error);
    free(res->banner_host);
    free(res->ehlo_host);
    free(res->tls_version);
    free(res->tls_cipher);
    for (size_t i = 0; i < res->chain_len; i++)
        cert_info_free(res->chain[i]);
    free(res->chain);
    free(res);
}

static void session_done(void *arg, struct probe_result *res)
{
    struct probe *p = arg;
    probe_cb cb = p->cb;
    void *cb_arg = p->arg;
    free(p);
    cb(cb_arg, res);
}

struct probe *probe_start(struct probe_ctx *ctx, uv_loop_t *loop, const struct probe_params *params,
                          probe_cb cb, void *arg)
{
    struct probe *p = xcalloc(1, sizeof(*p));
    p->cb = cb;
    p->arg = arg;
    p->session = smtp_session_start(ctx, loop, params, session_done, p);
    return p;
}

void probe_abort(struct probe *p)
{
    smtp_session_abort(p->session);
}

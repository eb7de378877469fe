/* probe: the public entry of the probe stage (see probe.h). The work is done by the SMTP
 * session (smtp.c) and the TLS layer (tls.c); this file owns the per-loop context and the handle
 * the scheduler holds (the result record is result.c's). */
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

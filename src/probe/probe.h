/* probe: the probe stage's public entry. One probe = one TCP connection to one MX address:
 * greeting, EHLO, STARTTLS, TLS handshake (chain, version, cipher captured), QUIT. The
 * scheduler starts probes on a libuv loop and gets exactly one callback per probe.
 *
 * Ownership: the caller owns the probe_ctx (one per loop, shared by all probes on it, freed
 * after the last probe's callback); probe_start copies what it needs from the params; the
 * result passed to the callback belongs to the callee (probe_result_free).
 * Nothing here is global: several loops (threads) each use their own probe_ctx.
 */
#ifndef MXS_PROBE_H
#define MXS_PROBE_H
#include <stddef.h>

#include <sys/socket.h>
#include <uv.h>

#include "params.h"
#include "result.h"

/* Returns a new context, or NULL with *err set to a message the caller frees. */
struct probe_ctx *probe_ctx_new(char **err);
/* Frees ctx and its TLS configuration; only after every probe using it has called back. */
void probe_ctx_free(struct probe_ctx *ctx);

struct probe;

/* Starts a probe. cb is called exactly once, from the loop, never inside probe_start, after
 * every handle of the probe is closed; the probe pointer is invalid from then on. */
struct probe *probe_start(struct probe_ctx *ctx, uv_loop_t *loop, const struct probe_params *p,
                          probe_cb cb, void *arg);
/* For shutdown: stops the probe now; cb is still called once (status timeout, error
 * "aborted in <phase>"). Only valid before cb has run. */
void probe_abort(struct probe *p);

#endif

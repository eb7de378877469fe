/* result: the probe result record and its status words (see result.h). */
#include "result.h"

#include <stdlib.h>

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
    case PROBE_CERT_SEEN: return "cert-seen";
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

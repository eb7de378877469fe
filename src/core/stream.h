/* stream: small libuv stream helpers shared by the SMTP session and the TLS layer. */
#ifndef MXS_STREAM_H
#define MXS_STREAM_H
#include <stddef.h>

#include <uv.h>

/* Queues a copy of len octets of buf on stream (the caller's buffer may be reused at once).
 * done(arg, status), if not NULL, runs when libuv is finished with the write: status 0, a
 * negative uv error, or UV_ECANCELED when the stream was closed first (libuv runs these
 * before the stream's close callback, so arg may point into the object that close frees).
 * Returns 0, or a negative uv error (done is then not called). */
int stream_write_copy(uv_stream_t *stream, const void *buf, size_t len,
                      void (*done)(void *arg, int status), void *arg);

#endif

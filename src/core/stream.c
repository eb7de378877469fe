/* stream: see stream.h. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct write_req {
    uv_write_t req;
    void (*done)(void *arg, int status);
    void *arg;
    char data[]; /* the copy */
};

static void write_cb(uv_write_t *req, int status)
{
    struct write_req *w = container_of(req, struct write_req, req);
    if (w->done)
        w->done(w->arg, status);
    free(w);
}

int stream_write_copy(uv_stream_t *stream, const void *buf, size_t len,
                      void (*done)(void *arg, int status), void *arg)
{
    struct write_req *w = xmalloc(sizeof(*w) + len);
    memcpy(w->data, buf, len);
    w->done = done;
    w->arg = arg;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    int r = uv_write(&w->req, stream, &b, 1, write_cb);
    if (r < 0)
        free(w);
    return r;
}

/* out_jsonl: hosts.jsonl and domains.jsonl, one compact JSON object per line, written through
 * linebuf so the files only ever hold complete lines, and hosts.jsonl always ahead of
 * domains.jsonl: a domain record reaches the disk only after the records of its endpoints
 * (linebuf `first`), which is what scan --resume relies on (docs/schema.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/linebuf.h"
#include "output.h"
#include "core/util.h"

struct jsonl {
    struct linebuf hosts, domains;
};

static int jsonl_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    const char *dir = w->dir;
    int append = w->append;
    struct jsonl *j = xcalloc(1, sizeof(*j));
    char path[4096];
    int rc;
    snprintf(path, sizeof(path), "%s/hosts.jsonl", dir);
    if ((rc = append ? linebuf_open_append(&j->hosts, path, NULL) : linebuf_open(&j->hosts, path)) < 0)
        goto fail;
    snprintf(path, sizeof(path), "%s/domains.jsonl", dir);
    if ((rc = append ? linebuf_open_append(&j->domains, path, NULL)
                     : linebuf_open(&j->domains, path)) < 0) {
        linebuf_close(&j->hosts);
        goto fail;
    }
    j->domains.first = &j->hosts;
    *state = j;
    return 0;
fail:
    snprintf(err, errlen, "cannot %s %s: %s", append ? "append to" : "create", path, strerror(-rc));
    free(j);
    return rc;
}

static int put(struct linebuf *lb, json_t *rec)
{
    /* JSON_COMPACT output never contains a raw newline: strings escape it. */
    char *s = json_dumps(rec, JSON_COMPACT);
    if (!s)
        return -ENOMEM;
    int rc = linebuf_put(lb, s, strlen(s));
    free(s);
    return rc;
}

static int jsonl_endpoint(void *state, json_t *rec)
{
    return put(&((struct jsonl *)state)->hosts, rec);
}

static int jsonl_domain(void *state, json_t *rec)
{
    return put(&((struct jsonl *)state)->domains, rec);
}

static int jsonl_flush(void *state)
{
    struct jsonl *j = state;
    int a = linebuf_flush(&j->hosts);
    int b = linebuf_flush(&j->domains);
    return a ? a : b;
}

static int jsonl_close(void *state)
{
    struct jsonl *j = state;
    /* domains first: its flush takes hosts.jsonl's lines out before its own */
    int b = linebuf_close(&j->domains);
    int a = linebuf_close(&j->hosts);
    free(j);
    return a ? a : b;
}

const struct output_ops out_jsonl_ops = {
    .name = "jsonl",
    .open = jsonl_open,
    .endpoint = jsonl_endpoint,
    .domain = jsonl_domain,
    .flush = jsonl_flush,
    .close = jsonl_close,
};

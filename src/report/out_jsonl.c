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
    int has_hosts, has_domains; /* a stage of a survey writes one kind (struct out_jsonl_files) */
};

static int jsonl_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    const char *dir = w->dir;
    int append = w->append;
    const struct out_jsonl_files *f = w->arg;
    const char *hosts = f ? f->hosts : "hosts.jsonl", *domains = f ? f->domains : "domains.jsonl";
    struct jsonl *j = xcalloc(1, sizeof(*j));
    char path[4096];
    int rc;
    if (hosts) {
        snprintf(path, sizeof(path), "%s/%s", dir, hosts);
        if ((rc = append ? linebuf_open_append(&j->hosts, path, NULL) : linebuf_open(&j->hosts, path)) < 0)
            goto fail;
        j->has_hosts = 1;
    }
    if (domains) {
        snprintf(path, sizeof(path), "%s/%s", dir, domains);
        if ((rc = append ? linebuf_open_append(&j->domains, path, NULL)
                         : linebuf_open(&j->domains, path)) < 0) {
            if (j->has_hosts)
                linebuf_close(&j->hosts);
            goto fail;
        }
        j->has_domains = 1;
        if (j->has_hosts)
            j->domains.first = &j->hosts;
    }
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
    struct jsonl *j = state;
    return j->has_hosts ? put(&j->hosts, rec) : 0;
}

static int jsonl_domain(void *state, json_t *rec)
{
    struct jsonl *j = state;
    return j->has_domains ? put(&j->domains, rec) : 0;
}

static int jsonl_flush(void *state)
{
    struct jsonl *j = state;
    int a = j->has_hosts ? linebuf_flush(&j->hosts) : 0;
    int b = j->has_domains ? linebuf_flush(&j->domains) : 0;
    return a ? a : b;
}

static int jsonl_close(void *state)
{
    struct jsonl *j = state;
    /* domains first: its flush takes hosts.jsonl's lines out before its own */
    int b = j->has_domains ? linebuf_close(&j->domains) : 0;
    int a = j->has_hosts ? linebuf_close(&j->hosts) : 0;
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

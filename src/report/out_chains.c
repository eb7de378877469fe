/* out_chains: chains/<leaf sha256>.pem, the PEM chain of each distinct leaf certificate, once
 * per run (an endpoint whose leaf was written before names the same file; on --resume, a
 * file the folder holds is kept). Each file is
 * written whole or not at all (outfile.h: temporary file, rename; not fsynced, as the
 * records are not), so a stopped or killed scan never leaves half a chain. The record's chain_file names it (output.h chain). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hmap.h"
#include "core/outfile.h"
#include "core/util.h"
#include "output.h"

struct chains {
    char dir[4096]; /* the scan folder */
    int append;     /* scan --resume: a file already there is the same chain, kept */
    struct hmap written; /* relative names written this run */
};

static int chains_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    char path[4096];
    if (!w->dir) {
        snprintf(err, errlen, "the chains output needs a folder");
        return -EINVAL;
    }
    snprintf(path, sizeof(path), "%s/chains", w->dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) { /* --resume: it is there */
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
        return -e;
    }
    struct chains *c = xcalloc(1, sizeof(*c));
    snprintf(c->dir, sizeof(c->dir), "%s", w->dir);
    c->append = w->append;
    hmap_init(&c->written);
    *state = c;
    return 0;
}

static int chains_chain(void *state, const struct probe_result *res, char *rel, size_t rellen)
{
    struct chains *c = state;
    char name[128], path[4096 + 128];
    rel[0] = '\0';
    if (!res->chain_len)
        return 0;
    snprintf(name, sizeof(name), "chains/%s.pem", res->chain[0]->sha256);
    if (hmap_get(&c->written, name)) {
        snprintf(rel, rellen, "%s", name);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    struct stat st;
    if (c->append && stat(path, &st) == 0) { /* written by the run being resumed */
        hmap_put(&c->written, name, (void *)1);
        snprintf(rel, rellen, "%s", name);
        return 0;
    }
    struct outfile f;
    int rc = outfile_create(&f, path);
    if (rc < 0)
        return rc;
    f.no_fsync = 1;
    for (size_t i = 0; i < res->chain_len; i++) {
        char *pem = cert_info_pem(res->chain[i]); /* PEM only here, at output */
        fputs(pem, f.f);
        free(pem);
    }
    struct outfile *one = &f;
    if ((rc = outfile_finish(&one, 1, NULL)) < 0)
        return rc; /* no half chain file: outfile_finish removed it */
    hmap_put(&c->written, name, (void *)1);
    snprintf(rel, rellen, "%s", name);
    return 1;
}

static int chains_close(void *state)
{
    struct chains *c = state;
    hmap_free(&c->written, NULL);
    free(c);
    return 0;
}

const struct output_ops out_chains_ops = {
    .name = "chains",
    .open = chains_open,
    .chain = chains_chain,
    .close = chains_close,
};

const struct output_ops *const output_table[] = {&out_jsonl_ops, &out_chains_ops, &out_text_ops,
                                                 &out_csv_ops, &out_summary_ops,
                                                 NULL};

const struct output_ops *output_find(const char *name)
{
    for (size_t i = 0; output_table[i]; i++)
        if (strcmp(output_table[i]->name, name) == 0)
            return output_table[i];
    return NULL;
}

/* csv_tidy: see csv_tidy.h. */
#include "csv_tidy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/outfile.h"
#include "core/util.h"
#include "csv_json.h"
#include "summary.h"

/* A column from a record: the member key of the record, or of its member object obj. */
struct tcol {
    const char *name;
    const char *obj;
    const char *key;
};

/* The domain's part, from its domains.jsonl record. */
static const struct tcol domain_cols[] = {
    {"line", NULL, "line"},
    {"domain", NULL, "domain"},
    {"domain_status", NULL, "status"},
    {"duplicate_of", NULL, "duplicate_of"},
    {"pattern", NULL, "pattern"},
    {"provider", NULL, "provider"},
    {"consistent", NULL, "consistent"},
    {"match_domain", NULL, "match_domain"},
};

/* The domain's view of the endpoint (computed in domain_rows). */
static const char *const view_cols[] = {
    "endpoint_rank", "mx_host", "ip", "mx_pref", "is_primary", "endpoint_status",
};

/* The endpoint's part, from its hosts.jsonl record. */
static const struct tcol endpoint_cols[] = {
    {"endpoint_error", NULL, "error"},
    {"tls_version", "tls", "version"},
    {"tls_max", NULL, "tls_max"},
    {"cert_sha256", "cert", "sha256"},
    {"trust_valid", "trust", "valid"},
    {"trust_reasons", "trust", "reasons"},
    {"wildcard", NULL, "wildcard"},
    {"match_mx_host", "match", "mx_host"},
    {"match_ptr", "match", "ptr"},
    {"names_from", NULL, "names_from"},
    {"tlsrpt", NULL, "tlsrpt"},
    {"inference", NULL, "inference"},
    {"inferred_from", NULL, "inferred_from"},
    {"issuer_o", "issuer", "o"},
    {"issuer_cn", "issuer", "cn"},
    {"issuer_root", "issuer", "root"},
    {"issuer_self_signed", "issuer", "self_signed"},
    {"endpoint_provider", NULL, "provider"},
};

#define NDOMAIN ARRAY_LEN(domain_cols)
#define NVIEW ARRAY_LEN(view_cols)
#define NENDPOINT ARRAY_LEN(endpoint_cols)

const char *csv_tidy_column_name(size_t i)
{
    if (i < NDOMAIN)
        return domain_cols[i].name;
    i -= NDOMAIN;
    if (i < NVIEW)
        return view_cols[i];
    i -= NVIEW;
    return i < NENDPOINT ? endpoint_cols[i].name : NULL;
}

void csv_tidy_header(struct csv_row *r)
{
    csv_row_clear(r);
    const char *name;
    for (size_t i = 0; (name = csv_tidy_column_name(i)); i++)
        csv_str(r, name);
}

static void cols_cells(const struct tcol *cols, size_t n, const json_t *rec, struct csv_row *r)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *holder = cols[i].obj ? json_object_get(rec, cols[i].obj) : rec;
        csv_json_cell(r, json_object_get(holder, cols[i].key));
    }
}

/* ------------------------------------------------------------------ the endpoint map */

struct cells {
    size_t len;
    char text[]; /* NENDPOINT cells as a row's buffer holds them */
};

struct csv_tidy {
    struct hmap eps; /* join key -> struct cells */
    struct csv_row scratch;
    char *key;
    size_t key_cap;
};

struct csv_tidy *csv_tidy_new(void)
{
    struct csv_tidy *t = xcalloc(1, sizeof(*t));
    hmap_init(&t->eps);
    csv_row_init(&t->scratch);
    return t;
}

void csv_tidy_free(struct csv_tidy *t)
{
    if (!t)
        return;
    hmap_free(&t->eps, free);
    csv_row_free(&t->scratch);
    free(t->key);
    free(t);
}

/* "<length of ip>:<ip> <mx_host>" (summary.c's join key), in t->key; NULL when either member
 * is not a string. */
static const char *join_key(struct csv_tidy *t, const json_t *obj)
{
    const char *mx = json_string_value(json_object_get(obj, "mx_host"));
    const char *ip = json_string_value(json_object_get(obj, "ip"));
    if (!mx || !ip)
        return NULL;
    size_t need = strlen(mx) + strlen(ip) + 32;
    if (need > t->key_cap) {
        t->key = xrealloc(t->key, need);
        t->key_cap = need;
    }
    snprintf(t->key, t->key_cap, "%zu:%s %s", strlen(ip), ip, mx);
    return t->key;
}

void csv_tidy_endpoint(struct csv_tidy *t, const json_t *host)
{
    const char *key = join_key(t, host);
    if (!key)
        return;
    csv_row_clear(&t->scratch);
    cols_cells(endpoint_cols, NENDPOINT, host, &t->scratch);
    struct cells *c = xmalloc(sizeof(*c) + t->scratch.len);
    c->len = t->scratch.len;
    memcpy(c->text, t->scratch.buf, c->len);
    free(hmap_put(&t->eps, key, c)); /* a repeated endpoint: the last record wins */
}

/* ------------------------------------------------------------------ a domain's rows */

/* The preference of the MX entry of domain naming host (the first); NULL when none does. */
static const json_t *mx_pref(const json_t *domain, const json_t *host)
{
    const json_t *m;
    size_t i;
    json_array_foreach(json_object_get(domain, "mx"), i, m)
        if (json_equal(json_object_get(m, "host"), (json_t *)host))
            return json_object_get(m, "pref");
    return NULL;
}

static int put_row(struct csv_file *cf, struct csv_row *row)
{
    int rc = csv_file_put(cf, row);
    csv_row_clear(row);
    return rc;
}

int csv_tidy_domain(struct csv_tidy *t, const json_t *domain, struct csv_file *cf,
                    struct csv_row *row)
{
    const json_t *eps = json_object_get(domain, "endpoints");
    const json_t *primary = json_object_get(domain, "primary");
    size_t n = json_array_size(eps);
    csv_row_clear(row);
    if (n == 0) { /* one row, so that every domain record appears */
        cols_cells(domain_cols, NDOMAIN, domain, row);
        for (size_t i = 0; i < NVIEW + NENDPOINT; i++)
            csv_empty(row);
        return put_row(cf, row);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *ep = json_array_get(eps, i), *host = json_object_get(ep, "mx_host");
        cols_cells(domain_cols, NDOMAIN, domain, row);
        csv_int(row, (long long)i + 1);
        csv_json_cell(row, host);
        csv_json_cell(row, json_object_get(ep, "ip"));
        csv_json_cell(row, mx_pref(domain, host));
        int is_primary = json_is_object(primary) &&
                         json_equal(json_object_get(primary, "mx_host"), (json_t *)host) &&
                         json_equal(json_object_get(primary, "ip"), json_object_get(ep, "ip"));
        csv_bool(row, is_primary);
        csv_json_cell(row, json_object_get(ep, "status"));
        const char *key = join_key(t, ep);
        const struct cells *c = key ? hmap_get(&t->eps, key) : NULL;
        if (c) {
            csv_row_append(row, c->text, c->len, NENDPOINT);
        } else {
            for (size_t k = 0; k < NENDPOINT; k++)
                csv_empty(row);
        }
        int rc = put_row(cf, row);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ from the files */

struct feed {
    struct csv_tidy *t;
    struct csv_file *cf;
    struct csv_row *row;
    char *err;
    size_t errlen;
    int rc;
};

static int host_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct feed *fd = arg;
    csv_tidy_endpoint(fd->t, r->obj);
    return 0;
}

static int domain_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct feed *fd = arg;
    int e = csv_tidy_domain(fd->t, r->obj, fd->cf, fd->row);
    if (e < 0) {
        outfile_error(&fd->cf->out, -e, fd->err, fd->errlen);
        fd->rc = SUMMARY_WRITE_ERROR;
        return JSONL_STOP;
    }
    return 0;
}

int csv_tidy_rows_from_dir(struct csv_tidy *t, struct csv_file *cf, struct csv_row *row,
                           const char *dir, struct jsonl_opts *jo, char *err, size_t errlen)
{
    char path[4096];
    struct feed fd = {.t = t, .cf = cf, .row = row, .err = err, .errlen = errlen,
                      .rc = SUMMARY_OK};
    snprintf(path, sizeof(path), "%s/hosts.jsonl", dir);
    int jr = jsonl_each(path, jo, host_cb, &fd, err, errlen);
    if (jr != JSONL_OK)
        return SUMMARY_INPUT_ERROR;
    snprintf(path, sizeof(path), "%s/domains.jsonl", dir);
    jr = jsonl_each(path, jo, domain_cb, &fd, err, errlen);
    return jr == JSONL_STOPPED ? fd.rc : jr == JSONL_OK ? SUMMARY_OK : SUMMARY_INPUT_ERROR;
}

int csv_tidy_write(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CSV_TIDY_FILE);
    struct csv_file cf;
    int e = csv_file_open(&cf, path);
    if (e < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(-e));
        return SUMMARY_WRITE_ERROR;
    }
    struct csv_row row;
    csv_row_init(&row);
    struct csv_tidy *t = csv_tidy_new();
    csv_tidy_header(&row);
    e = put_row(&cf, &row);
    int rc = SUMMARY_OK;
    if (e < 0) {
        outfile_error(&cf.out, -e, err, errlen);
        rc = SUMMARY_WRITE_ERROR;
    }
    if (rc == SUMMARY_OK)
        rc = csv_tidy_rows_from_dir(t, &cf, &row, dir, jo, err, errlen);
    if (rc == SUMMARY_OK && (e = csv_file_commit(&cf)) < 0) {
        outfile_error(&cf.out, -e, err, errlen);
        rc = SUMMARY_WRITE_ERROR;
    } else if (rc != SUMMARY_OK) {
        csv_file_abort(&cf);
    }
    csv_tidy_free(t);
    csv_row_free(&row);
    return rc;
}

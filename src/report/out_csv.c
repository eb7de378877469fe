/* out_csv: see out_csv.h. The column tables below are the CSV contract; docs/schema.md
 * ("hosts.csv", "domains.csv", "summary.csv", "providers.csv") documents each column, and
 * tests/unit/test_out_csv.c checks that the two agree. */
#include "out_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "csv_json.h"
#include "csv_tidy.h"
#include "classify/policy.h"
#include "core/outfile.h"
#include "summary.h"
#include "core/util.h"

/* A list of objects (mx[], endpoints[]) flattened into one cell: item() adds the list items
 * one object gives. A field that is not an array is written as value_cell would. */
typedef void (*item_fn)(struct csvj_list *l, const json_t *obj, struct csvj_buf *tmp);

static void objects_cell(struct csv_row *r, const json_t *arr, item_fn item, struct csvj_buf *b)
{
    if (!json_is_array(arr)) {
        csvj_cell(r, arr, b);
        return;
    }
    struct csvj_list l;
    struct csvj_buf tmp = {0};
    csvj_list_start(&l, b);
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) {
        tmp.len = 0;
        csvj_put(&tmp, "", 0);
        item(&l, o, &tmp);
    }
    free(tmp.p);
    csv_text(r, b->p, b->len);
}

/* "a<sep>b" from two members of obj, as one item (a member that is null or absent gives no
 * text). */
static void pair_item(struct csvj_list *l, const json_t *obj, const char *a, const char *sep,
                      const char *bkey, struct csvj_buf *tmp)
{
    const json_t *va = json_object_get(obj, a), *vb = json_object_get(obj, bkey);
    if (!json_is_null(va))
        csvj_value(tmp, va);
    csvj_str(tmp, sep);
    if (!json_is_null(vb))
        csvj_value(tmp, vb);
    csvj_list_add(l, tmp->p, tmp->len);
}

/* domains.csv `mx`: "pref:host" per MX entry. */
static void mx_item(struct csvj_list *l, const json_t *mx, struct csvj_buf *tmp)
{
    pair_item(l, mx, "pref", ":", "host", tmp);
}

/* `mx_ips`: every address of every MX entry, in MX order. */
static void mx_ips_item(struct csvj_list *l, const json_t *mx, struct csvj_buf *tmp)
{
    const json_t *ips = json_object_get(mx, "ips"), *ip;
    size_t i;
    json_array_foreach(ips, i, ip) {
        tmp->len = 0;
        csvj_put(tmp, "", 0);
        csvj_value(tmp, ip);
        csvj_list_add(l, tmp->p, tmp->len);
    }
}

/* `mx_errors`: "host=error" for each MX entry with an error. */
static void mx_errors_item(struct csvj_list *l, const json_t *mx, struct csvj_buf *tmp)
{
    const json_t *e = json_object_get(mx, "error");
    if (e && !json_is_null(e))
        pair_item(l, mx, "host", "=", "error", tmp);
}

/* `endpoints`: "mx_host@ip". */
static void endpoint_item(struct csvj_list *l, const json_t *ep, struct csvj_buf *tmp)
{
    pair_item(l, ep, "mx_host", "@", "ip", tmp);
}

/* `endpoint_statuses`: each endpoint's status, in the order of `endpoints`. */
static void endpoint_status_item(struct csvj_list *l, const json_t *ep, struct csvj_buf *tmp)
{
    csvj_value(tmp, json_object_get(ep, "status"));
    csvj_list_add(l, tmp->p, tmp->len);
}

/* ------------------------------------------------------------------ the column tables */

/* One column: the field key of the record, or of its member object obj (NULL: the record
 * itself), or of obj's member object sub (`dane.tlsa.status`); or, with item set, the list of
 * objects `key` flattened by item. */
struct column {
    const char *name;
    const char *obj;
    const char *key;
    item_fn item;
    const char *sub;
};

static const struct column host_columns[] = {
    {.name = "mx_host", .key = "mx_host"},
    {.name = "ip", .key = "ip"},
    {.name = "port", .key = "port"},
    {.name = "ptr", .key = "ptr"},
    {.name = "ptr_status", .key = "ptr_status"},
    {.name = "first_domain", .key = "first_domain"},
    {.name = "status", .key = "status"},
    {.name = "error", .key = "error"},
    {.name = "smtp_code", .key = "smtp_code"},
    {.name = "temporary", .key = "temporary"},
    {.name = "attempts", .key = "attempts"},
    {.name = "banner_host", .key = "banner_host"},
    {.name = "ehlo_host", .key = "ehlo_host"},
    {.name = "tls_version", .obj = "tls", .key = "version"},
    {.name = "tls_cipher", .obj = "tls", .key = "cipher"},
    {.name = "tls_alert", .key = "tls_alert"},
    {.name = "tls_max", .key = "tls_max"},
    {.name = "tls_max_from", .key = "tls_max_from"},
    {.name = "tls_max_hello_retry", .key = "tls_max_hello_retry"},
    {.name = "tls_max_cipher", .key = "tls_max_cipher"},
    {.name = "tls_max_group", .key = "tls_max_group"},
    {.name = "tls_max_error", .key = "tls_max_error"},
    {.name = "cert_subject_cn", .obj = "cert", .key = "subject_cn"},
    {.name = "cert_san_dns", .obj = "cert", .key = "san_dns"},
    {.name = "cert_subject", .obj = "cert", .key = "subject"},
    {.name = "cert_issuer", .obj = "cert", .key = "issuer"},
    {.name = "cert_not_before", .obj = "cert", .key = "not_before"},
    {.name = "cert_not_after", .obj = "cert", .key = "not_after"},
    {.name = "cert_sha256", .obj = "cert", .key = "sha256"},
    {.name = "cert_key_type", .obj = "cert", .key = "key_type"},
    {.name = "cert_key_bits", .obj = "cert", .key = "key_bits"},
    {.name = "cert_sig_alg", .obj = "cert", .key = "sig_alg"},
    {.name = "cert_self_signed", .obj = "cert", .key = "self_signed"},
    {.name = "cert_chain_len", .obj = "cert", .key = "chain_len"},
    {.name = "cert_parse_error", .obj = "cert", .key = "parse_error"},
    {.name = "chain_sha256", .key = "chain_sha256"},
    {.name = "chain_file", .key = "chain_file"},
    {.name = "presented", .key = "presented"},
    {.name = "names_from", .key = "names_from"},
    {.name = "cn_in_san", .key = "cn_in_san"},
    {.name = "match_domain", .obj = "match", .key = "domain"},
    {.name = "match_mx_host", .obj = "match", .key = "mx_host"},
    {.name = "match_ptr", .obj = "match", .key = "ptr"},
    {.name = "match_banner_host", .obj = "match", .key = "banner_host"},
    {.name = "match_ehlo_host", .obj = "match", .key = "ehlo_host"},
    {.name = "matched_by_domain", .obj = "matched_by", .key = "domain"},
    {.name = "matched_by_mx_host", .obj = "matched_by", .key = "mx_host"},
    {.name = "matched_by_ptr", .obj = "matched_by", .key = "ptr"},
    {.name = "matched_by_banner_host", .obj = "matched_by", .key = "banner_host"},
    {.name = "matched_by_ehlo_host", .obj = "matched_by", .key = "ehlo_host"},
    {.name = "wildcard", .key = "wildcard"},
    {.name = "trust_valid", .obj = "trust", .key = "valid"},
    {.name = "trust_reasons", .obj = "trust", .key = "reasons"},
    {.name = "tlsrpt", .key = "tlsrpt"},
    {.name = "provider", .key = "provider"},
    {.name = "cert_provider_match", .key = "cert_provider_match"},
    /* added in 0.2, at the end: the leaf's issuer (classify/issuer.h) */
    {.name = "issuer_o", .obj = "issuer", .key = "o"},
    {.name = "issuer_cn", .obj = "issuer", .key = "cn"},
    {.name = "issuer_root", .obj = "issuer", .key = "root"},
    {.name = "issuer_self_signed", .obj = "issuer", .key = "self_signed"},
    /* added with the policy lookups (issue 13), at the end: hosts.jsonl `dane` */
    {.name = "dane_verdict", .obj = "dane", .key = "verdict"},
    {.name = "dane_tlsa_status", .obj = "dane", .sub = "tlsa", .key = "status"},
    {.name = "dane_tlsa_dnssec", .obj = "dane", .sub = "tlsa", .key = "dnssec"},
};

static const struct column domain_columns[] = {
    {.name = "line", .key = "line"},
    {.name = "domain", .key = "domain"},
    {.name = "status", .key = "status"},
    {.name = "error", .key = "error"},
    {.name = "mx", .key = "mx", .item = mx_item},
    {.name = "mx_ips", .key = "mx", .item = mx_ips_item},
    {.name = "mx_errors", .key = "mx", .item = mx_errors_item},
    {.name = "implicit_mx", .key = "implicit_mx"},
    {.name = "endpoints", .key = "endpoints", .item = endpoint_item},
    {.name = "endpoint_statuses", .key = "endpoints", .item = endpoint_status_item},
    {.name = "pattern", .key = "pattern"},
    {.name = "provider", .key = "provider"},
    {.name = "consistent", .key = "consistent"},
    {.name = "match_domain", .key = "match_domain"},
    {.name = "primary_mx_host", .obj = "primary", .key = "mx_host"},
    {.name = "primary_ip", .obj = "primary", .key = "ip"},
    {.name = "truncated_mx", .obj = "truncated", .key = "mx"},
    {.name = "truncated_addrs", .obj = "truncated", .key = "addrs"},
    {.name = "duplicate_of", .key = "duplicate_of"}, /* added in 0.2: at the end */
    /* added with the policy lookups (issue 13), at the end: what a sender would enforce */
    {.name = "dnssec_mx", .obj = "dnssec", .key = "mx"},
    {.name = "mta_sts_status", .obj = "mta_sts", .key = "status"},
    {.name = "mta_sts_mode", .obj = "mta_sts", .key = "mode"},
    {.name = "mta_sts_outcome", .obj = "mta_sts", .key = "outcome"},
    {.name = "tlsrpt_status", .obj = "tlsrpt", .key = "status"},
    {.name = "policy", .obj = "policy", .key = "name"},
    {.name = "policy_delivers", .obj = "policy", .key = "delivers"},
};

/* The domain patterns of summary.json (summary.c), in providers.csv's column order: the
 * first PROVIDER_PATTERNS_BEFORE_OTHER of classify.h's (their one spelling), then
 * pattern_other, then the ones added since (a new column goes at the end of the row). */
#define PROVIDER_PATTERNS_BEFORE_OTHER 10
_Static_assert(PROVIDER_PATTERNS_BEFORE_OTHER == PATTERN_BLOCKED,
               "providers.csv: pattern_other stands before pattern_blocked");

static const char *const provider_columns[] = {
    "provider",
    "domains",
    "endpoints",
    "pattern_mx_exact",
    "pattern_mx_wildcard",
    "pattern_mx_multilabel",
    "pattern_domain",
    "pattern_provider",
    "pattern_ptr",
    "pattern_unrelated",
    "pattern_no_tls",
    "pattern_unreachable",
    "pattern_no_mail",
    "pattern_other",
    "pattern_blocked",
    /* the providers' policies, names and shapes (sum_provider.h) */
    "policy_strict",
    "policy_multilabel",
    "policy_rfc9525",
    "presented_top",
    "mx_shape",
};

static const char *const summary_columns[] = {"metric", "value"};

const char *csv_table_file(enum csv_table t)
{
    switch (t) {
    case CSV_HOSTS:
        return "hosts.csv";
    case CSV_DOMAINS:
        return "domains.csv";
    case CSV_SUMMARY:
        return "summary.csv";
    case CSV_PROVIDERS:
        return "providers.csv";
    case CSV_NTABLES:
        break;
    }
    return NULL;
}

const char *csv_column_name(enum csv_table t, size_t i)
{
    switch (t) {
    case CSV_HOSTS:
        return i < ARRAY_LEN(host_columns) ? host_columns[i].name : NULL;
    case CSV_DOMAINS:
        return i < ARRAY_LEN(domain_columns) ? domain_columns[i].name : NULL;
    case CSV_SUMMARY:
        return i < ARRAY_LEN(summary_columns) ? summary_columns[i] : NULL;
    case CSV_PROVIDERS:
        return i < ARRAY_LEN(provider_columns) ? provider_columns[i] : NULL;
    case CSV_NTABLES:
        break;
    }
    return NULL;
}

/* ------------------------------------------------------------------ rows */

static void columns_row(const struct column *cols, size_t n, const json_t *rec,
                        struct csv_row *r, struct csvj_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *holder = cols[i].obj ? json_object_get(rec, cols[i].obj) : rec;
        if (cols[i].sub)
            holder = json_object_get(holder, cols[i].sub);
        /* json_object_get of a non-object (a null parent) is NULL: an empty cell. */
        const json_t *v = json_object_get(holder, cols[i].key);
        if (cols[i].item)
            objects_cell(r, v, cols[i].item, b);
        else
            csvj_cell(r, v, b);
    }
}

/* A count cell of providers.csv: an integer, or 0 when absent. */
static void count_cell(struct csv_row *r, const json_t *v, struct csvj_buf *b)
{
    if (!v)
        csv_int(r, 0);
    else
        csvj_cell(r, v, b);
}

/* providers.csv's columns after pattern_blocked: the share of three policies, the presented
 * names (most first, joined as a list), the most common MX host shape. */
static void provider_more_cells(const json_t *p, struct csv_row *r, struct csvj_buf *b)
{
    static const enum policy pols[] = {POLICY_STRICT, POLICY_MULTILABEL, POLICY_RFC9525};
    const json_t *pol = json_object_get(p, "policies");
    for (size_t i = 0; i < ARRAY_LEN(pols); i++)
        csvj_cell(r, json_object_get(json_object_get(pol, policy_str(pols[i])), "share"), b);
    struct csvj_list l;
    csvj_list_start(&l, b);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(p, "presented_top"), i, e) {
        const json_t *name = json_object_get(e, "name");
        if (json_is_string(name))
            csvj_list_add(&l, json_string_value(name), json_string_length(name));
    }
    csv_text(r, b->p, b->len);
    csvj_cell(r, json_object_get(json_object_get(p, "mx_shape"), "shape"), b);
}

static void provider_row(const json_t *p, struct csv_row *r, struct csvj_buf *b)
{
    csvj_cell(r, json_object_get(p, "provider"), b);
    csvj_cell(r, json_object_get(p, "domains"), b);
    csvj_cell(r, json_object_get(p, "endpoints"), b);
    const json_t *bp = json_object_get(p, "by_pattern");
    for (size_t i = 0; i < PROVIDER_PATTERNS_BEFORE_OTHER; i++)
        count_cell(r, json_object_get(bp, classify_pattern_words[i]), b);
    /* Every other key (null: a domain without a pattern; an unrecognised value). */
    json_int_t other = 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)bp, k, v) {
        size_t i = 0;
        while (i < PATTERN_COUNT && strcmp(k, classify_pattern_words[i]) != 0)
            i++;
        if (i == PATTERN_COUNT)
            other += json_integer_value(v);
    }
    csv_int(r, (long long)other);
    for (size_t i = PROVIDER_PATTERNS_BEFORE_OTHER; i < PATTERN_COUNT; i++)
        count_cell(r, json_object_get(bp, classify_pattern_words[i]), b);
    provider_more_cells(p, r, b);
}

void csv_record_row(enum csv_table t, const json_t *rec, struct csv_row *r)
{
    struct csvj_buf b = {0};
    switch (t) {
    case CSV_HOSTS:
        columns_row(host_columns, ARRAY_LEN(host_columns), rec, r, &b);
        break;
    case CSV_DOMAINS:
        columns_row(domain_columns, ARRAY_LEN(domain_columns), rec, r, &b);
        break;
    case CSV_PROVIDERS:
        provider_row(rec, r, &b);
        break;
    case CSV_SUMMARY:
    case CSV_NTABLES:
        break;
    }
    free(b.p);
}

static void header_row(enum csv_table t, struct csv_row *r)
{
    const char *name;
    for (size_t i = 0; (name = csv_column_name(t, i)); i++)
        csv_str(r, name);
}

/* ------------------------------------------------------------------ files */

struct writer {
    const char *dir;
    char *err;
    size_t errlen;
    struct csv_file cf;
    struct csv_row row;
    struct jsonl_opts *jo; /* how the JSONL files are read; NULL: strict */
};

/* Opens DIR/<t's file> and writes its header. */
static int w_open(struct writer *w, enum csv_table t)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", w->dir, csv_table_file(t));
    int e = csv_file_open(&w->cf, path);
    if (e < 0) {
        outfile_error(&w->cf.out, -e, w->err, w->errlen);
        return SUMMARY_WRITE_ERROR;
    }
    csv_row_clear(&w->row);
    header_row(t, &w->row);
    return SUMMARY_OK;
}

static int w_put(struct writer *w)
{
    int e = csv_file_put(&w->cf, &w->row);
    csv_row_clear(&w->row);
    if (e < 0) {
        outfile_error(&w->cf.out, -e, w->err, w->errlen);
        return SUMMARY_WRITE_ERROR;
    }
    return SUMMARY_OK;
}

/* Commits the file when rc is SUMMARY_OK, else removes it. */
static int w_close(struct writer *w, int rc)
{
    if (rc != SUMMARY_OK) {
        csv_file_abort(&w->cf);
        return rc;
    }
    int e = csv_file_commit(&w->cf);
    if (e < 0) {
        outfile_error(&w->cf.out, -e, w->err, w->errlen);
        return SUMMARY_WRITE_ERROR;
    }
    return SUMMARY_OK;
}

struct rows {
    struct csv_file *cf;
    struct csv_row *row;
    enum csv_table t;
    char *err;
    size_t errlen;
    int rc;
};

static int row_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct rows *x = arg;
    csv_row_clear(x->row);
    csv_record_row(x->t, r->obj, x->row);
    int e = csv_file_put(x->cf, x->row);
    csv_row_clear(x->row);
    if (e < 0) {
        outfile_error(&x->cf->out, -e, x->err, x->errlen);
        x->rc = SUMMARY_WRITE_ERROR;
        return JSONL_STOP;
    }
    return 0;
}

int csv_rows_from_jsonl(struct csv_file *cf, struct csv_row *row, enum csv_table t,
                        const char *path, struct jsonl_opts *jo, char *err, size_t errlen)
{
    struct rows x = {.cf = cf, .row = row, .t = t, .err = err, .errlen = errlen,
                     .rc = SUMMARY_OK};
    int jr = jsonl_each(path, jo, row_cb, &x, err, errlen);
    return jr == JSONL_STOPPED ? x.rc : jr == JSONL_OK ? SUMMARY_OK : SUMMARY_INPUT_ERROR;
}

void csv_header_row(enum csv_table t, struct csv_row *r)
{
    csv_row_clear(r);
    header_row(t, r);
}

/* hosts.csv or domains.csv from DIR/<jsonl>, one line at a time, by jsonl.h's rules, as
 * summary.c reads them. */
static int write_records(struct writer *w, enum csv_table t, const char *jsonl)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", w->dir, jsonl);
    FILE *probe = fopen(path, "r"); /* a missing file is the input's fault, before any write */
    if (!probe) {
        snprintf(w->err, w->errlen, "%s: %s", path, strerror(errno));
        return SUMMARY_INPUT_ERROR;
    }
    fclose(probe);
    int rc = w_open(w, t);
    if (rc != SUMMARY_OK)
        return rc;
    rc = w_put(w);
    if (rc == SUMMARY_OK)
        rc = csv_rows_from_jsonl(&w->cf, &w->row, t, path, w->jo, w->err, w->errlen);
    return w_close(w, rc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rows of summary.csv under v, whose path is prefix: numeric leaves, and a share's null
 * `share` (denominator 0) as an empty value; objects in key order (byte order, as
 * summary.json is written); arrays and other values give no row. */
static int summary_rows(struct writer *w, const json_t *v, const char *prefix, const char *key)
{
    if (json_is_integer(v) || json_is_real(v) || (json_is_null(v) && strcmp(key, "share") == 0)) {
        csv_str(&w->row, prefix);
        if (json_is_integer(v))
            csv_int(&w->row, (long long)json_integer_value(v));
        else if (json_is_real(v))
            csv_real(&w->row, json_real_value(v));
        else
            csv_empty(&w->row);
        return w_put(w);
    }
    if (!json_is_object(v))
        return SUMMARY_OK;
    size_t n = json_object_size(v), i = 0;
    const char **keys = xcalloc(n, sizeof(*keys));
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)v, k, m)
        keys[i++] = k;
    qsort(keys, n, sizeof(*keys), cmp_str);
    int rc = SUMMARY_OK;
    struct csvj_buf path = {0};
    for (i = 0; i < n && rc == SUMMARY_OK; i++) {
        /* Not figures: the providers table (providers.csv) and the options of the run. (The
         * issuers' `top` is an array: no rows; their other figures are rows.) */
        if ((!*prefix && strcmp(keys[i], "providers") == 0) ||
            (strcmp(prefix, "meta") == 0 && strcmp(keys[i], "options") == 0))
            continue;
        path.len = 0;
        csvj_put(&path, "", 0);
        if (*prefix) {
            csvj_str(&path, prefix);
            csvj_str(&path, ".");
        }
        csvj_str(&path, keys[i]);
        rc = summary_rows(w, json_object_get(v, keys[i]), path.p, keys[i]);
    }
    free(path.p);
    free(keys);
    return rc;
}

/* summary.csv and providers.csv from the summary object s. */
static int write_summary(struct writer *w, const json_t *s)
{
    int rc = w_open(w, CSV_SUMMARY);
    if (rc == SUMMARY_OK) {
        rc = w_put(w);
        if (rc == SUMMARY_OK)
            rc = summary_rows(w, s, "", "");
        rc = w_close(w, rc);
    }
    if (rc == SUMMARY_OK)
        rc = w_open(w, CSV_PROVIDERS);
    if (rc == SUMMARY_OK) {
        rc = w_put(w);
        const json_t *providers = json_object_get(s, "providers"), *p;
        size_t i;
        json_array_foreach(providers, i, p) {
            if (rc != SUMMARY_OK)
                break;
            csv_record_row(CSV_PROVIDERS, p, &w->row);
            rc = w_put(w);
        }
        rc = w_close(w, rc);
    }
    return rc;
}

int csv_write_summary(const char *dir, const json_t *summary, char *err, size_t errlen)
{
    struct writer w = {.dir = dir, .err = err, .errlen = errlen};
    csv_row_init(&w.row);
    int rc = write_summary(&w, summary);
    csv_row_free(&w.row);
    return rc;
}

int csv_write_records_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen)
{
    struct writer w = {.dir = dir, .err = err, .errlen = errlen, .jo = jo};
    csv_row_init(&w.row);
    int rc = write_records(&w, CSV_HOSTS, "hosts.jsonl");
    if (rc == SUMMARY_OK)
        rc = write_records(&w, CSV_DOMAINS, "domains.jsonl");
    if (rc == SUMMARY_OK) /* the long table (csv_tidy.h) from the same files */
        rc = csv_tidy_write(dir, jo, err, errlen);
    csv_row_free(&w.row);
    return rc;
}

int csv_write_all(const char *dir, char *err, size_t errlen)
{
    return csv_write_all_opts(dir, NULL, err, errlen);
}

int csv_write_all_opts(const char *dir, struct jsonl_opts *jo, char *err, size_t errlen)
{
    int rc = csv_write_records_opts(dir, jo, err, errlen);
    if (rc != SUMMARY_OK)
        return rc;
    char path[4096];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_error_t je;
    json_t *s = json_load_file(path, 0, &je);
    if (!json_is_object(s)) {
        snprintf(err, errlen, "%s: %s", path, s ? "not a JSON object" : je.text);
        json_decref(s);
        return SUMMARY_INPUT_ERROR;
    }
    rc = csv_write_summary(dir, s, err, errlen);
    json_decref(s);
    return rc;
}

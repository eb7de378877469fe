/* answer: see answer.h. RFC 1035 §4.3.2 (following CNAMEs in an answer), RFC 2308 (NODATA
 * and NXDOMAIN), RFC 6604 (the RCODE of a CNAME chain is the RCODE of its last name); TXT and
 * TLSA records as the octets their readers (classify/) take. */
#include "answer.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const char *rcode_name(int rcode)
{
    const ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rcode);
    return lt ? lt->name : "unknown RCODE";
}

void answer_name_canon(char *name)
{
    str_ascii_lower(name);
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        name[n - 1] = '\0';
}

static char *rdf_name(const ldns_rdf *rdf)
{
    char *s = ldns_rdf2str(rdf);
    if (!s)
        s = xstrdup("?");
    answer_name_canon(s);
    return s;
}

/* Binary form of an A/AAAA string, for numeric ordering (all of one family). */
static int cmp_addr(const void *a, const void *b)
{
    const char *x = ((const struct answer_rr *)a)->str, *y = ((const struct answer_rr *)b)->str;
    unsigned char bx[16] = {0}, by[16] = {0};
    int fx = strchr(x, ':') ? AF_INET6 : AF_INET, fy = strchr(y, ':') ? AF_INET6 : AF_INET;
    if (fx != fy)
        return fx == AF_INET ? -1 : 1;
    inet_pton(fx, x, bx);
    inet_pton(fy, y, by);
    return memcmp(bx, by, sizeof(bx));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(((const struct answer_rr *)a)->str, ((const struct answer_rr *)b)->str);
}

void answer_clear(struct answer *a)
{
    for (int i = 0; i < a->n; i++) {
        free(a->rrs[i].str);
        free(a->rrs[i].data);
    }
    free(a->rrs);
    free(a->target);
    memset(a, 0, sizeof(*a));
}

/* A TXT or TLSA record's RDATA as one run of octets (answer_rr.data): TXT without the length
 * octet of each character-string, TLSA as on the wire (ldns splits it into usage, selector,
 * matching type and data, in order, whatever the length). */
static void blob_of(const ldns_rr *rr, ldns_rr_type type, struct answer_rr *a)
{
    size_t skip = type == LDNS_RR_TYPE_TXT ? 1 : 0, total = 0;
    for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
        size_t sz = ldns_rdf_size(ldns_rr_rdf(rr, k));
        total += sz > skip ? sz - skip : 0;
    }
    a->data = total ? xmalloc(total) : NULL;
    for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, k);
        size_t sz = ldns_rdf_size(f);
        if (sz > skip) {
            memcpy(a->data + a->len, ldns_rdf_data(f) + skip, sz - skip);
            a->len += sz - skip;
        }
    }
}

/* Collects the type's records owned by name into out; returns how many. */
static int collect(const ldns_rr_list *ans, const ldns_rdf *name, ldns_rr_type type,
                   struct answer *out)
{
    size_t count = ldns_rr_list_rr_count(ans);
    for (size_t i = 0; i < count; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
            ldns_dname_compare(ldns_rr_owner(rr), name) != 0)
            continue;
        int blob = type == LDNS_RR_TYPE_TXT || type == LDNS_RR_TYPE_TLSA;
        /* empty RDATA: nothing to use, except a blob's (a short TLSA record is the reader's
         * to call malformed, bad-length) */
        size_t need = type == LDNS_RR_TYPE_MX ? 2 : blob ? 0 : 1;
        if (ldns_rr_rd_count(rr) < need)
            continue;
        out->rrs = xrealloc(out->rrs, (size_t)(out->n + 1) * sizeof(*out->rrs));
        struct answer_rr *a = &out->rrs[out->n++];
        memset(a, 0, sizeof(*a));
        if (blob) {
            blob_of(rr, type, a);
        } else if (type == LDNS_RR_TYPE_MX) {
            a->pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
            a->str = rdf_name(ldns_rr_rdf(rr, 1));
        } else if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA) {
            char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            a->str = s ? s : xstrdup("?");
        } else {
            a->str = rdf_name(ldns_rr_rdf(rr, 0));
        }
    }
    return out->n;
}

static const ldns_rr *find_cname(const ldns_rr_list *ans, const ldns_rdf *name)
{
    size_t count = ldns_rr_list_rr_count(ans);
    for (size_t i = 0; i < count; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) >= 1 &&
            ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
            return rr;
    }
    return NULL;
}

void answer_parse(const ldns_pkt *p, const char *qname, ldns_rr_type type, int max_hops,
                  struct answer *out)
{
    memset(out, 0, sizeof(*out));
    int rcode = ldns_pkt_get_rcode(p);
    if (rcode == LDNS_RCODE_NXDOMAIN) {
        out->kind = ANSWER_NXDOMAIN;
        return;
    }
    if (rcode != LDNS_RCODE_NOERROR) {
        out->kind = ANSWER_ERROR;
        out->error = rcode_name(rcode);
        return;
    }
    ldns_rdf *start = ldns_dname_new_frm_str(qname);
    if (!start) {
        out->kind = ANSWER_ERROR;
        out->error = "invalid name";
        return;
    }
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    const ldns_rdf *chain[ANSWER_MAX_CNAME + 2]; /* names visited, for loop detection */
    const ldns_rdf *cur = start;
    int hops = 0;
    chain[0] = start;
    out->kind = ANSWER_NODATA;
    for (;;) {
        if (collect(ans, cur, type, out) > 0) {
            out->kind = ANSWER_RECORDS;
            if (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_AAAA)
                qsort(out->rrs, (size_t)out->n, sizeof(*out->rrs), cmp_addr);
            else if (type == LDNS_RR_TYPE_PTR)
                qsort(out->rrs, (size_t)out->n, sizeof(*out->rrs), cmp_str);
            break;
        }
        const ldns_rr *cname = find_cname(ans, cur);
        if (!cname) {
            if (hops > 0) {
                out->kind = ANSWER_CNAME; /* the resolver gave the alias only: ask on */
                out->target = rdf_name(cur);
            }
            break;
        }
        const ldns_rdf *next = ldns_rr_rdf(cname, 0);
        int loop = 0;
        for (int i = 0; i <= hops; i++)
            loop |= ldns_dname_compare(chain[i], next) == 0;
        if (loop || hops >= max_hops || hops >= ANSWER_MAX_CNAME) {
            out->kind = ANSWER_ERROR;
            out->error = loop ? "CNAME loop" : "CNAME chain too long";
            break;
        }
        chain[++hops] = next;
        cur = next;
    }
    out->hops = hops;
    ldns_rdf_deep_free(start);
}

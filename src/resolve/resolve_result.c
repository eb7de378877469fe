/* resolve_result: see resolve_result.h. Pure: no I/O, no state. */
#include "resolve_result.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

const char *resolve_status_str(enum resolve_status st)
{
    switch (st) {
    case RESOLVE_OK:
        return "ok";
    case RESOLVE_NXDOMAIN:
        return "nxdomain";
    case RESOLVE_NO_MX:
        return "no-mx";
    case RESOLVE_NULL_MX:
        return "null-mx";
    case RESOLVE_NODATA:
        return "nodata";
    case RESOLVE_DNS_ERROR:
        return "dns-error";
    case RESOLVE_CANCELLED:
        return "cancelled";
    }
    return "?";
}

const char *resolve_dnssec_str(enum resolve_dnssec d)
{
    switch (d) {
    case DNSSEC_UNKNOWN:
        return NULL;
    case DNSSEC_SECURE:
        return "secure";
    case DNSSEC_INSECURE:
        return "insecure";
    case DNSSEC_BOGUS:
        return "bogus";
    }
    return NULL;
}

const char *resolve_type_name(ldns_rr_type t)
{
    switch (t) {
    case LDNS_RR_TYPE_MX:
        return "MX";
    case LDNS_RR_TYPE_A:
        return "A";
    case LDNS_RR_TYPE_AAAA:
        return "AAAA";
    case LDNS_RR_TYPE_PTR:
        return "PTR";
    case LDNS_RR_TYPE_TXT:
        return "TXT";
    case LDNS_RR_TYPE_TLSA:
        return "TLSA";
    default:
        return "DNS";
    }
}

static int cmp_mx(const void *a, const void *b)
{
    const struct resolve_mx *x = a, *y = b;
    if (x->pref != y->pref)
        return x->pref < y->pref ? -1 : 1;
    return strcmp(x->host, y->host);
}

enum resolve_status resolve_mx_list(const struct answer_rr *rrs, int n, struct resolve_mx **mx,
                                    int *nmx)
{
    *mx = NULL;
    *nmx = 0;
    if (n == 1 && rrs[0].pref == 0 && strcmp(rrs[0].str, ".") == 0)
        return RESOLVE_NULL_MX;
    if (n == 0)
        return RESOLVE_OK;
    *mx = xcalloc((size_t)n, sizeof(**mx));
    for (int i = 0; i < n; i++) {
        (*mx)[i].host = xstrdup(rrs[i].str);
        (*mx)[i].pref = rrs[i].pref;
    }
    qsort(*mx, (size_t)n, sizeof(**mx), cmp_mx);
    *nmx = n;
    return RESOLVE_OK;
}

void resolve_mx_clear(struct resolve_mx *m)
{
    for (int k = 0; k < m->nips; k++)
        free(m->ips[k]);
    free(m->ips);
    free(m->host);
    free(m->error);
    resolve_rrset_clear(&m->tlsa);
    memset(m, 0, sizeof(*m));
}

void resolve_rrset_clear(struct resolve_rrset *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->rr[i].data);
    free(s->rr);
    free(s->qname);
    free(s->error);
    memset(s, 0, sizeof(*s));
}

/* RFC 4034 §6.3's canonical order of RRs in an RRset: their RDATA as left-justified unsigned
 * octet strings (a shorter one that is a prefix of a longer comes first). */
static int cmp_blob(const void *a, const void *b)
{
    const struct resolve_blob *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->data, y->data, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

void resolve_rrset_from(struct resolve_rrset *s, const char *qname,
                        const struct resolve_outcome *o)
{
    resolve_rrset_clear(s);
    s->asked = 1;
    s->qname = xstrdup(qname);
    s->status = o->status;
    s->dnssec = o->dnssec;
    s->error = o->error ? xstrdup(o->error) : NULL;
    if (o->status != RESOLVE_OK || o->n == 0)
        return;
    s->rr = xcalloc((size_t)o->n, sizeof(*s->rr));
    for (int i = 0; i < o->n; i++) {
        s->rr[i].len = o->rrs[i].len;
        if (o->rrs[i].len) {
            s->rr[i].data = xmalloc(o->rrs[i].len);
            memcpy(s->rr[i].data, o->rrs[i].data, o->rrs[i].len);
        }
    }
    s->n = o->n;
    /* Resolvers rotate an RRset's order from one answer to the next: the canonical order makes
     * the records (and dane.matched, an index into them) the same in every run. */
    qsort(s->rr, (size_t)s->n, sizeof(*s->rr), cmp_blob);
}

void resolve_rrset_copy(struct resolve_rrset *dst, const struct resolve_rrset *src)
{
    *dst = *src;
    dst->qname = src->qname ? xstrdup(src->qname) : NULL;
    dst->error = src->error ? xstrdup(src->error) : NULL;
    dst->rr = src->n > 0 ? xcalloc((size_t)src->n, sizeof(*dst->rr)) : NULL;
    for (int i = 0; i < src->n; i++) {
        dst->rr[i].len = src->rr[i].len;
        if (src->rr[i].len) {
            dst->rr[i].data = xmalloc(src->rr[i].len);
            memcpy(dst->rr[i].data, src->rr[i].data, src->rr[i].len);
        }
    }
}

enum resolve_dnssec resolve_dnssec_combine(enum resolve_dnssec a, enum resolve_dnssec b)
{
    if (a == DNSSEC_BOGUS || b == DNSSEC_BOGUS)
        return DNSSEC_BOGUS;
    if (a == DNSSEC_INSECURE || b == DNSSEC_INSECURE)
        return DNSSEC_INSECURE;
    if (a == DNSSEC_UNKNOWN || b == DNSSEC_UNKNOWN)
        return DNSSEC_UNKNOWN;
    return DNSSEC_SECURE;
}

void resolve_result_free(struct resolve_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nmx; i++)
        resolve_mx_clear(&res->mx[i]);
    free(res->mx);
    free(res->domain);
    free(res->error);
    resolve_rrset_clear(&res->sts);
    resolve_rrset_clear(&res->tlsrpt);
    free(res);
}

void resolve_ptr_result_free(struct resolve_ptr_result *res)
{
    if (!res)
        return;
    free(res->ip);
    free(res->name);
    free(res->error);
    free(res);
}

void resolve_outcome_clear(struct resolve_outcome *o)
{
    for (int i = 0; i < o->n; i++) {
        free(o->rrs[i].str);
        free(o->rrs[i].data);
    }
    free(o->rrs);
    free(o->error);
    memset(o, 0, sizeof(*o));
}

int resolve_addr_cap(int na, int n6, int max, int share_families, int *keep_a, int *keep_6)
{
    *keep_a = na;
    *keep_6 = n6;
    if (max <= 0)
        return 0;
    if (!share_families) {
        *keep_a = na < max ? na : max;
        *keep_6 = n6 < max ? n6 : max;
    } else if (na + n6 > max) {
        int half6 = n6 < max / 2 ? n6 : max / 2; /* A takes the larger half of an odd cap */
        *keep_a = na < max - half6 ? na : max - half6;
        *keep_6 = n6 < max - *keep_a ? n6 : max - *keep_a;
    }
    return na + n6 - *keep_a - *keep_6;
}

int resolve_fill_addrs(int max_addrs, int share_families, struct resolve_mx *m,
                       const struct resolve_outcome *a, const struct resolve_outcome *aaaa)
{
    const struct resolve_outcome *fam[2] = {a, aaaa};
    int have[2] = {0, 0}, keep[2];
    for (int f = 0; f < 2; f++)
        if (fam[f] && fam[f]->status == RESOLVE_OK)
            have[f] = fam[f]->n;
    int cut = resolve_addr_cap(have[0], have[1], max_addrs, share_families, &keep[0], &keep[1]);
    int n = keep[0] + keep[1];
    m->ips = n ? xcalloc((size_t)n, sizeof(*m->ips)) : NULL;
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < keep[f]; i++)
            m->ips[m->nips++] = xstrdup(fam[f]->rrs[i].str);
    m->resolved = m->nips > 0;
    if (m->resolved)
        return cut;
    /* Why there is no address: a failed query says more than an empty answer. */
    if (a && a->status == RESOLVE_DNS_ERROR)
        m->error = xstrdup(a->error);
    else if (aaaa && aaaa->status == RESOLVE_DNS_ERROR)
        m->error = xstrdup(aaaa->error);
    else if (a && a->status == RESOLVE_NXDOMAIN)
        m->error = xstrdup("NXDOMAIN");
    else
        m->error = xstrdup("no address records");
    return cut;
}

/* resolve_result: the results of resolve.c (resolve.h) as plain data: their names, the MX
 * list's order, and freeing them. Pure: no I/O, no state. */
#include "resolve.h"

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
    memset(m, 0, sizeof(*m));
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


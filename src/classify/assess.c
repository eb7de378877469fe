/* assess: see assess.h. */
#include "assess.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"

const char *const assess_ref_names[REF_COUNT] = {"domain", "mx_host", "ptr", "banner_host", "ehlo_host"};

void assess_names_clear(struct assess_names *n)
{
    free(n->cn);
    for (size_t i = 0; i < n->nsan; i++)
        free(n->san[i]);
    free(n->san);
    memset(n, 0, sizeof(*n));
}

static void presented(const struct assess_names *n, struct match_presented *p)
{
    match_presented_init(p, n->cn, n->san, n->nsan);
}

enum match_result assess_match(const struct assess_names *n, const char *reference)
{
    if (!reference)
        return MATCH_NULL;
    if (!n->has_cert)
        return MATCH_NONE;
    struct match_presented p;
    presented(n, &p);
    return match_reference(n->psl, &p, reference, NULL);
}

void assess_endpoint(const psl_ctx_t *psl, const struct trust_ctx *trust, const char *mx_host,
                     const char *ptr, const char *first_domain, const struct probe_result *res,
                     struct assess_endpoint *out)
{
    memset(out, 0, sizeof(*out));
    out->provider = classify_provider(psl, mx_host);
    const struct cert_info *leaf = res->chain_len ? res->chain[0] : NULL;
    if (leaf && !leaf->error) {
        struct assess_names *k = &out->keep;
        k->has_cert = 1;
        k->psl = psl;
        k->cn = leaf->subject_cn ? xstrdup(leaf->subject_cn) : NULL;
        k->nsan = leaf->nsan;
        k->san = xcalloc(leaf->nsan ? leaf->nsan : 1, sizeof(*k->san));
        for (size_t i = 0; i < leaf->nsan; i++)
            k->san[i] = xstrdup(leaf->san_dns[i]);
        presented(k, &out->pres);
        k->names_from = out->pres.names_from;
        const char *refs[REF_COUNT] = {first_domain, mx_host, ptr, res->banner_host, res->ehlo_host};
        for (int i = 0; i < REF_COUNT; i++)
            out->match[i] = match_reference(psl, &out->pres, refs[i], &out->matched_by[i]);
        k->mx_match = out->match[REF_MX_HOST];
        k->ptr_match = out->match[REF_PTR];
        k->provider_match = classify_cert_provider_match(&out->pres, out->provider);
        out->wildcard = classify_wildcard_cert(psl, leaf);
    }
    if (res->chain_len) {
        /* Each distinct chain once a day (the context's cache): providers serve one chain on
         * many addresses. */
        trust_verify_cached(trust, NULL, res->chain, res->chain_len, time(NULL), &out->trust);
        out->keep.trust_valid = out->trust.valid;
    }
    /* Who issued the leaf, and the anchor a verified chain ends at ("do all CAs do it?"). */
    issuer_from_leaf(leaf, out->trust.valid ? trust_root_name(trust, out->trust.root) : NULL,
                     &out->issuer);
    /* A failure on this client's own limit says nothing about the server (classify.h). */
    out->tlsrpt = classify_tlsrpt(res->status, res->tls_client_limit, out->trust.reasons,
                                  (size_t)out->trust.nreasons, out->match[REF_MX_HOST]);
}

void assess_endpoint_clear(struct assess_endpoint *out)
{
    free(out->provider);
    out->provider = NULL;
    issuer_info_clear(&out->issuer);
}

void assess_domain(const psl_ctx_t *psl, const char *domain, int no_mail,
                   const char *first_mx, const struct assess_domain_ep *eps, size_t n,
                   struct assess_domain *out)
{
    struct classify_endpoint *cls = xcalloc(n ? n : 1, sizeof(*cls));
    out->domain_match = xcalloc(n ? n : 1, sizeof(*out->domain_match));
    for (size_t i = 0; i < n; i++) {
        const struct assess_names *k = eps[i].names;
        out->domain_match[i] = assess_match(k, domain); /* against THIS domain */
        cls[i] = (struct classify_endpoint){
            .status = eps[i].status, .mx_match = k->mx_match,
            .domain_match = out->domain_match[i], .ptr_match = k->ptr_match,
            .provider_match = k->provider_match,
        };
    }
    out->cd = classify_domain(no_mail, cls, n);
    out->match_domain = out->cd.primary >= 0 ? out->domain_match[out->cd.primary] : MATCH_NULL;
    out->provider = first_mx ? classify_provider(psl, first_mx) : NULL;
    free(cls);
}

void assess_domain_clear(struct assess_domain *out)
{
    free(out->domain_match);
    free(out->provider);
    out->domain_match = NULL;
    out->provider = NULL;
}

/* assess: applies the naming rules (match.h, classify.h) and chain verification (trust.h) to a
 * finished probe, and later to a domain's endpoints. Glue, not rules: the rules live in those
 * modules; this file decides which names are checked against what.
 *
 * Reference names of an endpoint, in this order (enum assess_ref): the email domain that led
 * here (in hosts.jsonl the first such domain), the MX host, the PTR name, the greeting's host
 * word, the EHLO reply's host word.
 *
 * Ownership: an assess_endpoint owns its strings (assess_endpoint_clear); an assess_names is
 * the compact part a finished endpoint keeps for the domains that still refer to it
 * (assess_names_clear). */
#ifndef MXS_ASSESS_H
#define MXS_ASSESS_H
#include <libpsl.h>

#include "classify.h"
#include "issuer.h"
#include "match.h"
#include "probe/probe.h"
#include "trust.h"

enum assess_ref { REF_DOMAIN, REF_MX_HOST, REF_PTR, REF_BANNER, REF_EHLO, REF_COUNT };
extern const char *const assess_ref_names[REF_COUNT]; /* "domain", "mx_host", ... */

/* The compact verdicts a finished endpoint keeps (everything a domain record needs). */
struct assess_names {
    int has_cert;          /* a parsable leaf was received */
    const psl_ctx_t *psl;  /* the list the verdicts were made with (borrowed; it outlives every
                            * endpoint), so later domains are checked by the same rules */
    char *cn;              /* its subject CN, NULL if none */
    char **san;            /* its SAN dNSNames */
    size_t nsan;
    const char *names_from; /* "san" | "cn" (static), NULL without a certificate */
    enum match_result mx_match, ptr_match;
    int provider_match;
    int trust_valid;
};
void assess_names_clear(struct assess_names *n);

struct assess_endpoint {
    struct assess_names keep;
    struct match_presented pres;           /* borrows from keep */
    enum match_result match[REF_COUNT];
    const char *matched_by[REF_COUNT];     /* borrows from keep */
    enum wildcard_class wildcard;
    char *provider;                        /* registrable domain of the MX host, or NULL */
    const char *tlsrpt;                    /* static, or NULL */
    struct trust_result trust;             /* meaningful when keep.has_cert */
    struct issuer_info issuer;             /* the leaf's issuer (issuer.h); known 0 without a
                                            * parsable leaf */
};

/* Assesses one finished probe. first_domain and ptr may be NULL. */
void assess_endpoint(const psl_ctx_t *psl, const struct trust_ctx *trust, const char *mx_host,
                     const char *ptr, const char *first_domain, const struct probe_result *res,
                     struct assess_endpoint *out);
/* Frees what out owns (the issuer included) except `keep`, which the caller takes (or clears) afterwards. */
void assess_endpoint_clear(struct assess_endpoint *out);

/* The strict match of a kept certificate against another reference (a later domain), under
 * the Public Suffix List n was assessed with (n->psl). */
enum match_result assess_match(const struct assess_names *n, const char *reference);

/* One endpoint as a domain's record sees it: its status and the verdicts it kept. Borrowed. */
struct assess_domain_ep {
    enum probe_status status;         /* its verdict */
    const struct assess_names *names;
};

/* A domain's classification (classify_domain) from its endpoints, in preference order. */
struct assess_domain {
    struct classify_domain_result cd;
    enum match_result *domain_match; /* each endpoint's certificate against THIS domain (n) */
    enum match_result match_domain;  /* the primary endpoint's; MATCH_NULL without one */
    char *provider;                  /* registrable domain of the first MX host, or NULL */
};

/* Classifies a domain: no_mail says it accepts no mail (classify_domain), first_mx its most preferred MX host (NULL when none), eps its n
 * endpoints. out owns what it holds (assess_domain_clear). */
void assess_domain(const psl_ctx_t *psl, const char *domain, int no_mail,
                   const char *first_mx, const struct assess_domain_ep *eps, size_t n,
                   struct assess_domain *out);
void assess_domain_clear(struct assess_domain *out);

#endif

/* sum_policy: see sum_policy.h. */
#include "sum_policy.h"

#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "core/util.h"
#include "core/words.h"

WORDS_OF(w_match, match_result_str, enum match_result)

/* A match verdict as the records spell it (match_result_str): MATCH_NULL for null or absent,
 * MATCH_NONE for any other value (an older or hand-written file: no match). */
static enum match_result verdict(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return MATCH_NULL;
    int m = word_index(w_match, MATCH_EXACT + 1, s);
    return m < 0 ? MATCH_NONE : (enum match_result)m;
}

/* The packing: three verdicts of 3 bits, then names_from cn, then trust.valid. */
unsigned sum_policy_endpoint_bits(const json_t *h)
{
    const json_t *m = json_object_get(h, "match");
    const char *nf = json_string_value(json_object_get(h, "names_from"));
    unsigned bits = (unsigned)verdict(json_object_get(m, "ptr")) |
                    (unsigned)verdict(json_object_get(m, "banner_host")) << 3 |
                    (unsigned)verdict(json_object_get(m, "ehlo_host")) << 6;
    if (nf && strcmp(nf, "cn") == 0)
        bits |= 1u << 9;
    if (json_is_true(json_object_get(json_object_get(h, "trust"), "valid")))
        bits |= 1u << 10;
    return bits;
}

void sum_policy_facts(const json_t *d, int has_ep, unsigned ep_bits, struct policy_facts *f)
{
    memset(f, 0, sizeof(*f));
    /* The MX host verdict is the domain's pattern, which is its primary's match.mx_host: so
     * policies.strict is shares.strict, dangling primary or not. */
    switch (classify_pattern_parse(json_string_value(json_object_get(d, "pattern")))) {
    case PATTERN_MX_EXACT:
        f->mx_host = MATCH_EXACT;
        break;
    case PATTERN_MX_WILDCARD:
        f->mx_host = MATCH_WILDCARD;
        break;
    case PATTERN_MX_MULTILABEL:
        f->mx_host = MATCH_MULTILABEL;
        break;
    case PATTERN_DOMAIN:
    case PATTERN_PROVIDER:
    case PATTERN_PTR:
    case PATTERN_UNRELATED:
        f->mx_host = MATCH_NONE;
        break;
    default: /* no TLS pattern: no primary endpoint, not in N */
        return;
    }
    f->has_primary = 1;
    f->domain = verdict(json_object_get(d, "match_domain"));
    if (has_ep) {
        f->ptr = (enum match_result)(ep_bits & 7);
        f->banner_host = (enum match_result)(ep_bits >> 3 & 7);
        f->ehlo_host = (enum match_result)(ep_bits >> 6 & 7);
        f->names_from_cn = (ep_bits >> 9 & 1) != 0;
        f->trust_valid = (ep_bits >> 10 & 1) != 0;
    }
}

/* Keeps domain among the first SUM_POLICY_EXAMPLES in byte order of ex (sorted, NULL after
 * the last); a name already there is not kept twice. */
static void keep_example(char **ex, const char *domain)
{
    size_t i = 0;
    while (i < SUM_POLICY_EXAMPLES && ex[i] && strcmp(ex[i], domain) < 0)
        i++;
    if (i == SUM_POLICY_EXAMPLES || (ex[i] && strcmp(ex[i], domain) == 0))
        return;
    free(ex[SUM_POLICY_EXAMPLES - 1]);
    memmove(ex + i + 1, ex + i, (SUM_POLICY_EXAMPLES - 1 - i) * sizeof(*ex));
    ex[i] = xstrdup(domain);
}

void sum_policy_free(struct sum_policy *sp)
{
    for (int p = 0; p < POLICY_COUNT; p++)
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < SUM_POLICY_EXAMPLES; i++) {
                free(sp->examples[p][k][i]);
                sp->examples[p][k][i] = NULL;
            }
}

void sum_policy_add(struct sum_policy *sp, const struct policy_facts *f, const char *domain,
                    enum policy_verdict v[POLICY_COUNT])
{
    enum policy_verdict mine[POLICY_COUNT];
    if (!v)
        v = mine;
    for (int p = 0; p < POLICY_COUNT; p++)
        v[p] = policy_eval((enum policy)p, f);
    if (v[POLICY_STRICT] == POLICY_NA)
        return;
    sp->N++;
    int strict = v[POLICY_STRICT] == POLICY_ACCEPT;
    for (int p = 0; p < POLICY_COUNT; p++) {
        int ok = v[p] == POLICY_ACCEPT;
        sp->n[p] += ok;
        sp->newly_accepted[p] += ok && !strict;
        sp->newly_rejected[p] += !ok && strict;
        if (domain && ok != strict)
            keep_example(sp->examples[p][ok ? 0 : 1], domain);
    }
}

json_t *sum_policy_json(const struct sum_policy *sp)
{
    json_t *o = json_object();
    for (int p = 0; p < POLICY_COUNT; p++) {
        json_t *e = json_object();
        json_object_set_new(e, "n", json_integer((json_int_t)sp->n[p]));
        json_object_set_new(e, "N", json_integer((json_int_t)sp->N));
        json_object_set_new(e, "share", sp->N ? json_real((double)sp->n[p] / (double)sp->N)
                                              : json_null());
        json_object_set_new(e, "newly_accepted", json_integer((json_int_t)sp->newly_accepted[p]));
        json_object_set_new(e, "newly_rejected", json_integer((json_int_t)sp->newly_rejected[p]));
        static const char *const ex_keys[2] = {"examples_newly_accepted", "examples_newly_rejected"};
        for (int k = 0; k < 2; k++) {
            json_t *a = json_array();
            for (int i = 0; i < SUM_POLICY_EXAMPLES && sp->examples[p][k][i]; i++)
                json_array_append_new(a, json_string(sp->examples[p][k][i]));
            json_object_set_new(e, ex_keys[k], a);
        }
        json_object_set_new(o, policy_str((enum policy)p), e);
    }
    return o;
}

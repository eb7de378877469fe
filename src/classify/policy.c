/* policy: see policy.h. The definitions here and in docs/schema.md ("summary.json",
 * `policies`) are the same sentences; keep them in step (tests/unit/test_policy.c has each
 * policy's accept and reject cases). */
#include "policy.h"

#include <string.h>

const char *const policy_words[POLICY_COUNT] = {
    [POLICY_STRICT] = "strict",
    [POLICY_RFC9525] = "rfc9525",
    [POLICY_MULTILABEL] = "multilabel",
    [POLICY_DOMAIN] = "domain",
    [POLICY_MX_OR_DOMAIN] = "mx-or-domain",
    [POLICY_PTR] = "ptr",
    [POLICY_ANY_NAME] = "any-name",
    [POLICY_CHAIN_ONLY] = "chain-only",
};

const char *policy_str(enum policy p)
{
    return (unsigned)p < POLICY_COUNT ? policy_words[p] : NULL;
}

int policy_parse(const char *word)
{
    for (int i = 0; word && i < POLICY_COUNT; i++)
        if (strcmp(word, policy_words[i]) == 0)
            return i;
    return -1;
}

static const char *const meanings[POLICY_COUNT] = {
    [POLICY_STRICT] = "RFC 6125: the MX host name, exactly or by a wildcard for one label; the "
                      "subject CN when there is no subjectAltName",
    [POLICY_RFC9525] = "as strict, from subjectAltName names only (no CN fallback)",
    [POLICY_MULTILABEL] = "as strict, but a wildcard may stand for several labels",
    [POLICY_DOMAIN] = "the email domain, exactly or by a one-label wildcard (as a user's mail "
                      "client checks the address's domain)",
    [POLICY_MX_OR_DOMAIN] = "strict, or the email domain",
    [POLICY_PTR] = "the reverse-DNS (PTR) name of the address connected to",
    [POLICY_ANY_NAME] = "any of the email domain, MX host, PTR name, greeting or EHLO host "
                        "name, exactly or by a one-label wildcard",
    [POLICY_CHAIN_ONLY] = "a chain that leads to a trusted root, names ignored (as "
                          "opportunistic senders behave)",
};

const char *policy_meaning(enum policy p)
{
    return (unsigned)p < POLICY_COUNT ? meanings[p] : NULL;
}

/* A strict match: exact, or a wildcard standing for one label. */
static int strict_ok(enum match_result m)
{
    return m == MATCH_EXACT || m == MATCH_WILDCARD;
}

enum policy_verdict policy_eval(enum policy p, const struct policy_facts *f)
{
    if (!f->has_primary || (unsigned)p >= POLICY_COUNT)
        return POLICY_NA;
    int ok = 0;
    switch (p) {
    case POLICY_STRICT:
        ok = strict_ok(f->mx_host);
        break;
    case POLICY_RFC9525: /* the CN is presented only when there is no SAN dNSName */
        ok = strict_ok(f->mx_host) && !f->names_from_cn;
        break;
    case POLICY_MULTILABEL:
        ok = strict_ok(f->mx_host) || f->mx_host == MATCH_MULTILABEL;
        break;
    case POLICY_DOMAIN:
        ok = strict_ok(f->domain);
        break;
    case POLICY_MX_OR_DOMAIN:
        ok = strict_ok(f->mx_host) || strict_ok(f->domain);
        break;
    case POLICY_PTR:
        ok = strict_ok(f->ptr);
        break;
    case POLICY_ANY_NAME:
        ok = strict_ok(f->mx_host) || strict_ok(f->domain) || strict_ok(f->ptr) ||
             strict_ok(f->banner_host) || strict_ok(f->ehlo_host);
        break;
    case POLICY_CHAIN_ONLY:
        ok = f->trust_valid;
        break;
    case POLICY_COUNT:
        break;
    }
    return ok ? POLICY_ACCEPT : POLICY_REJECT;
}

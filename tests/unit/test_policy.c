/* The acceptance policies (classify/policy.h), each with accept and reject cases on hand-made
 * facts, and the MX host shapes (classify/mxshape.h). */
#include <stdlib.h>

#include "classify/mxshape.h"
#include "classify/policy.h"
#include "test.h"

/* A domain with a primary endpoint whose certificate matches nothing and whose chain fails. */
static struct policy_facts none(void)
{
    return (struct policy_facts){.has_primary = 1, .mx_host = MATCH_NONE, .domain = MATCH_NONE,
                                 .ptr = MATCH_NONE, .banner_host = MATCH_NONE,
                                 .ehlo_host = MATCH_NONE};
}

/* The accepting policies of f as a bit set (1 << policy); -1 when some verdict is NA. */
static int accepted(const struct policy_facts *f)
{
    int set = 0;
    for (int p = 0; p < POLICY_COUNT; p++) {
        enum policy_verdict v = policy_eval((enum policy)p, f);
        if (v == POLICY_NA)
            return -1;
        if (v == POLICY_ACCEPT)
            set |= 1 << p;
    }
    return set;
}

#define B(p) (1 << (POLICY_##p))

TEST(policy_words_once)
{
    for (int p = 0; p < POLICY_COUNT; p++) {
        CHECK(policy_str((enum policy)p) != NULL);
        CHECK(policy_meaning((enum policy)p) != NULL);
        CHECK_INT(policy_parse(policy_str((enum policy)p)), p);
    }
    CHECK_STR(policy_str(POLICY_STRICT), "strict");
    CHECK_STR(policy_str(POLICY_CHAIN_ONLY), "chain-only");
    CHECK_INT(policy_parse("lax"), -1);
    CHECK_INT(policy_parse(NULL), -1);
    CHECK(policy_str(POLICY_COUNT) == NULL);
}

TEST(policy_no_primary_not_applicable)
{
    struct policy_facts f = none();
    f.has_primary = 0;
    f.mx_host = MATCH_EXACT; /* whatever the rest says */
    f.trust_valid = 1;
    for (int p = 0; p < POLICY_COUNT; p++)
        CHECK_INT(policy_eval((enum policy)p, &f), POLICY_NA);
}

TEST(policy_nothing_matches_all_reject)
{
    struct policy_facts f = none();
    CHECK_INT(accepted(&f), 0);
    f.mx_host = MATCH_NULL; /* absent references are no match either */
    f.ptr = f.banner_host = f.ehlo_host = MATCH_NULL;
    CHECK_INT(accepted(&f), 0);
}

TEST(policy_strict_and_rfc9525)
{
    struct policy_facts f = none();
    f.mx_host = MATCH_EXACT; /* a SAN names the MX host */
    CHECK_INT(accepted(&f), B(STRICT) | B(RFC9525) | B(MULTILABEL) | B(MX_OR_DOMAIN) | B(ANY_NAME));
    f.mx_host = MATCH_WILDCARD; /* *.example.net for mx.example.net */
    CHECK_INT(accepted(&f), B(STRICT) | B(RFC9525) | B(MULTILABEL) | B(MX_OR_DOMAIN) | B(ANY_NAME));
    /* A CN-only certificate: RFC 6125 falls back to the CN, RFC 9525 does not. */
    f.names_from_cn = 1;
    CHECK_INT(policy_eval(POLICY_STRICT, &f), POLICY_ACCEPT);
    CHECK_INT(policy_eval(POLICY_RFC9525, &f), POLICY_REJECT);
    f.mx_host = MATCH_EXACT;
    CHECK_INT(accepted(&f), B(STRICT) | B(MULTILABEL) | B(MX_OR_DOMAIN) | B(ANY_NAME));
    /* A CN-only certificate that does not name the MX host: rejected by both. */
    f.mx_host = MATCH_NONE;
    CHECK_INT(policy_eval(POLICY_STRICT, &f), POLICY_REJECT);
    CHECK_INT(policy_eval(POLICY_RFC9525, &f), POLICY_REJECT);
}

TEST(policy_multilabel)
{
    struct policy_facts f = none();
    f.mx_host = MATCH_MULTILABEL; /* *.psmtp.example for customer.example.s6a1.psmtp.example */
    CHECK_INT(accepted(&f), B(MULTILABEL));
    f.mx_host = MATCH_NONE;
    CHECK_INT(policy_eval(POLICY_MULTILABEL, &f), POLICY_REJECT);
    /* A multi-label match of another name counts for nothing anywhere. */
    f.domain = f.ptr = f.banner_host = f.ehlo_host = MATCH_MULTILABEL;
    CHECK_INT(accepted(&f), 0);
}

TEST(policy_domain_and_mx_or_domain)
{
    struct policy_facts f = none();
    f.domain = MATCH_EXACT;
    CHECK_INT(accepted(&f), B(DOMAIN) | B(MX_OR_DOMAIN) | B(ANY_NAME));
    f.domain = MATCH_WILDCARD;
    CHECK_INT(accepted(&f), B(DOMAIN) | B(MX_OR_DOMAIN) | B(ANY_NAME));
    f.domain = MATCH_NONE;
    f.mx_host = MATCH_EXACT;
    CHECK_INT(policy_eval(POLICY_DOMAIN, &f), POLICY_REJECT);
    CHECK_INT(policy_eval(POLICY_MX_OR_DOMAIN, &f), POLICY_ACCEPT);
    f.mx_host = MATCH_MULTILABEL;
    CHECK_INT(policy_eval(POLICY_MX_OR_DOMAIN, &f), POLICY_REJECT);
}

TEST(policy_ptr_only)
{
    struct policy_facts f = none();
    f.ptr = MATCH_EXACT; /* the certificate names only the reverse-DNS name */
    CHECK_INT(accepted(&f), B(PTR) | B(ANY_NAME));
    f.ptr = MATCH_WILDCARD;
    CHECK_INT(accepted(&f), B(PTR) | B(ANY_NAME));
    f.ptr = MATCH_NULL; /* no PTR name */
    CHECK_INT(policy_eval(POLICY_PTR, &f), POLICY_REJECT);
}

TEST(policy_any_name_greeting_and_ehlo)
{
    struct policy_facts f = none();
    f.banner_host = MATCH_EXACT;
    CHECK_INT(accepted(&f), B(ANY_NAME));
    f = none();
    f.ehlo_host = MATCH_WILDCARD;
    CHECK_INT(accepted(&f), B(ANY_NAME));
}

TEST(policy_chain_only)
{
    struct policy_facts f = none();
    f.trust_valid = 1; /* a valid chain, no name matching anything */
    CHECK_INT(accepted(&f), B(CHAIN_ONLY));
    /* An invalid chain with a perfect name: every name policy, not chain-only. */
    f.trust_valid = 0;
    f.mx_host = f.domain = f.ptr = MATCH_EXACT;
    CHECK_INT(policy_eval(POLICY_CHAIN_ONLY, &f), POLICY_REJECT);
    CHECK_INT(policy_eval(POLICY_STRICT, &f), POLICY_ACCEPT);
}

static void check_shape(const char *mx, const char *domain, const char *want)
{
    char *got = mxshape(mx, domain);
    CHECK_STR(got, want);
    free(got);
}

TEST(mxshape_rules)
{
    /* the domain's labels, in order */
    check_shape("customer.example.s6a1.psmtp.example", "customer.example", "{domain}.s6a1.psmtp.example");
    check_shape("Customer.Example.S6A1.psmtp.example.", "customer.example.", "{domain}.s6a1.psmtp.example");
    check_shape("mx.customer.example", "customer.example", "mx.{domain}");
    check_shape("customer.example", "customer.example", "{domain}"); /* implicit MX */
    check_shape("a.customer.example.b.example", "customer.example", "a.{domain}.b.example");
    /* dots turned into dashes, one label */
    check_shape("customer-example.mail.protection.outlook.example", "customer.example",
                "{domain}.mail.protection.outlook.example");
    check_shape("mx1.customer-example.hoster.example", "customer.example", "mx1.{domain}.hoster.example");
    /* whole labels only; the leftmost occurrence only */
    check_shape("xcustomer.example.hoster.example", "customer.example", "xcustomer.example.hoster.example");
    check_shape("customer-example-01b.mail.example", "customer.example", "customer-example-01b.mail.example");
    check_shape("customer.example.customer.example.x.example", "customer.example",
                "{domain}.customer.example.x.example");
    /* no domain embedded, or none given */
    check_shape("mx.hoster.example", "customer.example", "mx.hoster.example");
    check_shape("MX.Hoster.example", NULL, "mx.hoster.example");
    check_shape("mx.hoster.example", "", "mx.hoster.example");
    CHECK(mxshape(NULL, "customer.example") == NULL);
}

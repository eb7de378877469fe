/* sender_words: the words of classify/sender.h's enums, each typed once here (the records'
 * words, docs/schema.md "Policies a sender enforces"). Pure tables; the rest of sender.h is
 * sender.c's. */
#include "sender.h"

static const char *const sts_words[] = {
    [STS_OK] = "ok",
    [STS_NO_TXT] = "no-txt",
    [STS_TXT_MULTIPLE] = "txt-multiple",
    [STS_TXT_SYNTAX] = "txt-syntax",
    [STS_TXT_NO_ID] = "txt-no-id",
    [STS_TXT_BAD_ID] = "txt-bad-id",
    [STS_DNS_ERROR] = "dns-error",
    [STS_NO_POLICY_HOST] = "no-policy-host",
    [STS_BLOCKED] = "blocked",
};

const char *sender_sts_status_str(const struct sender_sts *s)
{
    /* The fetch's and the body's failures keep their own tables' words (https.h, mtasts.h). */
    if (s->status == STS_FETCH)
        return s->fetch_status;
    if (s->status == STS_POLICY)
        return mtasts_policy_error_str(s->policy_error);
    return (unsigned)s->status < sizeof(sts_words) / sizeof(sts_words[0]) ? sts_words[s->status]
                                                                          : NULL;
}

static const char *const policy_words[] = {
    [SENDER_NONE] = NULL,
    [SENDER_DANE_REQUIRED] = "dane-required",
    [SENDER_MTA_STS_ENFORCE] = "mta-sts-enforce",
    [SENDER_MTA_STS_TESTING] = "mta-sts-testing",
    [SENDER_OPPORTUNISTIC] = "opportunistic",
};

const char *sender_policy_str(enum sender_policy p)
{
    return (unsigned)p < sizeof(policy_words) / sizeof(policy_words[0]) ? policy_words[p] : NULL;
}

/* A host is governed by DANE itself; the domain's word says DANE is required of it. */
static const char *const host_policy_words[] = {
    [SENDER_NONE] = NULL,
    [SENDER_DANE_REQUIRED] = "dane",
    [SENDER_MTA_STS_ENFORCE] = "mta-sts-enforce",
    [SENDER_MTA_STS_TESTING] = "mta-sts-testing",
    [SENDER_OPPORTUNISTIC] = "opportunistic",
};

const char *sender_host_policy_str(enum sender_policy p)
{
    return (unsigned)p < sizeof(host_policy_words) / sizeof(host_policy_words[0])
               ? host_policy_words[p]
               : NULL;
}

static const char *const check_words[] = {
    [CHECK_PASS] = "pass",
    [CHECK_NOT_COVERED] = "not-covered",
    [CHECK_NO_TLS] = "no-tls",
    [CHECK_UNTRUSTED] = "untrusted",
    [CHECK_NAME_MISMATCH] = "name-mismatch",
    [CHECK_NO_ADDRESS] = "no-address",
};

const char *sender_check_str(enum sender_check c)
{
    return (unsigned)c < sizeof(check_words) / sizeof(check_words[0]) ? check_words[c] : NULL;
}

static const char *const tlsa_words[] = {
    [TLSA_NOT_ASKED] = NULL,
    [TLSA_RECORDS] = "records",
    [TLSA_NONE] = "none",
    [TLSA_INSECURE] = "insecure",
    [TLSA_BOGUS] = "bogus",
    [TLSA_DNS_ERROR] = "dns-error",
};

const char *sender_tlsa_str(enum sender_tlsa t)
{
    return (unsigned)t < sizeof(tlsa_words) / sizeof(tlsa_words[0]) ? tlsa_words[t] : NULL;
}

static const char *const tlsrpt_words[] = {
    [TLSRPT_OK] = "ok",
    [TLSRPT_NONE] = "none",
    [TLSRPT_MULTIPLE] = "multiple",
    [TLSRPT_DNS_ERROR] = "dns-error",
};

const char *sender_tlsrpt_str(enum sender_tlsrpt t)
{
    return (unsigned)t < sizeof(tlsrpt_words) / sizeof(tlsrpt_words[0]) ? tlsrpt_words[t] : NULL;
}

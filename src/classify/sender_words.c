/* sender_words: the words of sender.h's enums, as the records write them. */
#include "sender.h"

const char *sender_policy_str(enum sender_policy p)
{
    switch (p) {
    case SENDER_DANE_REQUIRED:
        return "dane-required";
    case SENDER_MTA_STS_ENFORCE:
        return "mta-sts-enforce";
    case SENDER_MTA_STS_TESTING:
        return "mta-sts-testing";
    case SENDER_OPPORTUNISTIC:
        return "opportunistic";
    case SENDER_NONE:
        break;
    }
    return NULL;
}

const char *sender_sts_status_str(const struct sender_sts *s)
{
    switch (s->status) {
    case STS_OK:
        return "ok";
    case STS_NO_TXT:
        return "no-txt";
    case STS_TXT_MULTIPLE:
        return "txt-multiple";
    case STS_TXT_SYNTAX:
        return "txt-syntax";
    case STS_TXT_NO_ID:
        return "txt-no-id";
    case STS_TXT_BAD_ID:
        return "txt-bad-id";
    case STS_DNS_ERROR:
        return "dns-error";
    case STS_NO_POLICY_HOST:
        return "no-policy-host";
    case STS_BLOCKED:
        return "blocked";
    case STS_FETCH:
        return s->fetch_status ? s->fetch_status : "fetch-failed";
    case STS_POLICY:
        return mtasts_policy_error_str(s->policy_error);
    }
    return "fetch-failed";
}

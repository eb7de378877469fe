/* sts_state: a domain's MTA-STS state as the scheduler carries it (sts_fetch.c fills it, the
 * domain job keeps it until its record is out, targets.c writes it to a target and reads it
 * back). Its own header so that targets.c needs nothing else of the scheduler's insides.
 *
 * Ownership: a struct sts_state owns its strings and policy (sts_state_free, sts_fetch.c). */
#ifndef MXS_STS_STATE_H
#define MXS_STS_STATE_H
#include "classify/mtasts.h"
#include "classify/sender.h"

struct sts_state {
    struct sender_sts s;  /* borrows from the fields below */
    char *error, *fetch_ip;
    struct mtasts_policy policy;
};
void sts_state_free(struct sts_state *st); /* NULL is fine */
/* Links a filled state's borrowed pointers (s.error, s.fetch_ip, s.policy) to its own fields,
 * and sets s.asked: when the fetch is over, and when targets.c reads a state back. */
void sts_state_link(struct sts_state *st);

#endif

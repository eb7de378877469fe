/* sts_fetch: a domain's MTA-STS policy (RFC 8461 §3), the loop side, between the domain's
 * resolution and its MSG_RESOLVED: the _mta-sts TXT record the resolver brought (classify's
 * mtasts.h reads it), then the policy host mta-sts.DOMAIN's addresses (resolve_host, through
 * the loop's resolver), the blocklist, the HTTPS fetch of /.well-known/mta-sts.txt
 * (probe/https.h: pinned to the address, no redirects, a size cap, the scan's timeout, the
 * scan's trust anchors) and the body's parse. One fetch per policy host and TXT id per run
 * (the cache a sender keeps, §5.1): a later domain with the same policy host and id takes a
 * copy (`shared`), and one that comes while the fetch is on the wire waits for it.
 *
 * Only on the loop that resolves domains (loop 0). Without --no-policy every resolved domain
 * passes through here; its MSG_RESOLVED carries the state (struct sts_state) to the run.
 *
 * Ownership: a struct sts_state owns its strings and policy (sts_state_free) and passes with
 * the message to the domain job. The loop's cache owns its entries until sts_loop_close. */
#ifndef MXS_STS_FETCH_H
#define MXS_STS_FETCH_H
#include "classify/sender.h"

struct probe_loop;
struct domain_job;
struct resolve_result;

struct sts_state {
    struct sender_sts s;  /* borrows from the fields below */
    char *error, *fetch_ip;
    struct mtasts_policy policy;
};
void sts_state_free(struct sts_state *st);

/* The domain job j was resolved (rr, owned: it goes on with the message). Posts MSG_RESOLVED
 * with rr and the domain's MTA-STS state, now or once the fetch is over; with --no-policy,
 * or a cancelled rr, at once without a state. */
void sts_resolved(struct probe_loop *lp, struct domain_job *j, struct resolve_result *rr);

/* The loop closes: every domain still waiting for its policy is posted as cancelled (not
 * reported: pending.txt), the fetches in flight are abandoned, the HTTPS client closed and
 * the cache freed. */
void sts_loop_close(struct probe_loop *lp);

#endif

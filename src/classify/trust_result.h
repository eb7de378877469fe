/* trust_result: a chain's verdict as plain data, apart from trust.h so that the chain cache
 * (chaincache.h), which trust.c uses, can hold verdicts without including trust.h. */
#ifndef MXS_TRUST_RESULT_H
#define MXS_TRUST_RESULT_H

#define TRUST_MAX_REASONS 8

struct trust_result {
    int valid;                               /* no reason at all */
    const char *reasons[TRUST_MAX_REASONS];  /* trust_reason_str() words (static strings) */
    int nreasons;
    unsigned flags;                          /* mbedTLS's verification flags, for diagnostics */
    int root;                                /* valid: the anchor the path ends at, its index in
                                              * the trust context + 1 (trust_root_name); else 0 */
};

#endif

/* answer: reading a DNS reply, pure — a packet in, facts out, no I/O. Given the question
 * asked, it says whether the reply holds records (at the end of any CNAME chain in the answer
 * section), says the name exists without them, says it does not exist, points at a CNAME
 * target still to ask, or failed (another RCODE, a CNAME loop, an over-long chain).
 *
 * Ownership: struct answer owns its strings; answer_clear() releases them. */
#ifndef MXS_ANSWER_H
#define MXS_ANSWER_H
#include <ldns/ldns.h>

#define ANSWER_MAX_CNAME 8 /* CNAMEs followed per lookup (across re-queries) before giving up */

enum answer_kind {
    ANSWER_RECORDS,  /* records of the type asked, at the end of any CNAME chain */
    ANSWER_NODATA,   /* NOERROR, the name has no records of the type */
    ANSWER_NXDOMAIN, /* RCODE NXDOMAIN (also when reached through CNAMEs) */
    ANSWER_CNAME,    /* the chain ends at a name the answer says nothing more about: ask it */
    ANSWER_ERROR,    /* another RCODE, a CNAME loop or an over-long chain */
};

struct answer_rr {
    char *str;     /* MX: host; A/AAAA: address; PTR: name. Names lowercase, no trailing dot,
                      the root as "." NULL for TXT and TLSA */
    unsigned pref; /* MX only */
    unsigned char *data; /* TXT: the record's character-strings joined without separators
                            (RFC 7208 §3.3, as RFC 8461 §3.1 and RFC 8460 §3 read them);
                            TLSA: the whole RDATA (RFC 6698 §2.1). NULL (len 0) otherwise,
                            and for an empty one */
    size_t len;
};

struct answer {
    enum answer_kind kind;
    const char *error;     /* ANSWER_ERROR: static, "SERVFAIL", "REFUSED", "CNAME loop",
                              "CNAME chain too long", ... */
    char *target;          /* ANSWER_CNAME: the next name to ask */
    int hops;              /* CNAMEs followed inside this answer */
    struct answer_rr *rrs; /* ANSWER_RECORDS: MX, TXT and TLSA in answer order, A/AAAA in
                              numeric order, PTR in name order */
    int n;
};

/* Reads a reply to (qname, type): follows CNAMEs in the answer section from qname, at most
 * max_hops of them (and never more than ANSWER_MAX_CNAME). Fills *out; release it with
 * answer_clear(). */
void answer_parse(const ldns_pkt *p, const char *qname, ldns_rr_type type, int max_hops,
                  struct answer *out);
void answer_clear(struct answer *a);

/* Lowercases a domain name in presentation format and drops its trailing dot, in place;
 * the root stays ".". */
void answer_name_canon(char *name);

#endif

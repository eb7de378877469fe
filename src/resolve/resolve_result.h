/* resolve_result: what resolution finds, as plain data (resolve_result.c; no I/O): the results
 * handed to resolve.h's callbacks and their status words, the outcome of one (name, type)
 * lookup as the resolver's cache keeps it, and the pure rules that turn outcomes into results
 * (the MX list, the address caps). resolve.h includes this header; the resolver (resolve.c)
 * and the unit tests use the pure part.
 *
 * Ownership: a result belongs to whoever holds it (resolve_result_free /
 * resolve_ptr_result_free); an outcome to the cache entry or lookup that embeds it
 * (resolve_outcome_clear). */
#ifndef MXS_RESOLVE_RESULT_H
#define MXS_RESOLVE_RESULT_H
#include <ldns/ldns.h>

#include "answer.h"

/* The DNSSEC state of an answer as the validating resolver said it (resolve_opts.dnssec: the
 * queries carry the DO bit, RFC 4035 §3.2.1; RFC 7672 §2.1.1 names the states):
 *   secure    the reply had the AD bit (every reply of a CNAME chain had it)
 *   insecure  a NOERROR or NXDOMAIN reply without it
 *   bogus     SERVFAIL, and the same question with the CD bit (RFC 4035 §3.2.2) was answered:
 *             the data are there but failed validation (the outcome stays a DNS error)
 *   unknown   not asked with DO, or no answer at all (timeout, SERVFAIL with CD too, ...) */
enum resolve_dnssec { DNSSEC_UNKNOWN, DNSSEC_SECURE, DNSSEC_INSECURE, DNSSEC_BOGUS };
/* NULL for DNSSEC_UNKNOWN (JSON null), else "secure", "insecure", "bogus". */
const char *resolve_dnssec_str(enum resolve_dnssec d);

/* Octets of one record's RDATA as received (TLSA: usage, selector, matching type, data), or
 * the character-strings of one TXT record joined without separators (RFC 7208 §3.3 style, as
 * RFC 8461 §3.1 and RFC 8460 §3 read them). Owned by what holds it. */
struct resolve_blob {
    unsigned char *data;
    size_t len;
};


enum resolve_status {
    RESOLVE_OK,        /* domain: MX hosts found; PTR: a name found */
    RESOLVE_NXDOMAIN,  /* the name does not exist */
    RESOLVE_NO_MX,     /* domain exists, no MX records: see implicit_mx */
    RESOLVE_NULL_MX,   /* the domain says it accepts no mail (single "0 ." MX) */
    RESOLVE_NODATA,    /* PTR: the name exists but has no PTR record */
    RESOLVE_DNS_ERROR, /* SERVFAIL, REFUSED, other RCODEs, timeouts, CNAME loops: see error */
    RESOLVE_CANCELLED, /* resolver_free() came first */
};
/* "ok", "nxdomain", "no-mx", "null-mx", "nodata", "dns-error", "cancelled" */
const char *resolve_status_str(enum resolve_status st);

/* The outcome of a lookup of blobs (TXT at _mta-sts.DOMAIN or _smtp._tls.DOMAIN, TLSA at
 * _PORT._tcp.HOST), copied out of the cache for a result. */
struct resolve_rrset {
    int asked;                 /* 0: not looked up (then nothing else is meaningful) */
    char *qname;               /* the name asked: "_25._tcp.mx.example" */
    enum resolve_status status; /* OK (records), NXDOMAIN, NODATA or DNS_ERROR */
    enum resolve_dnssec dnssec;
    char *error;               /* DNS_ERROR: "TLSA query: SERVFAIL", "TXT query: timeout" */
    struct resolve_blob *rr;   /* OK: in answer order */
    int n;
};
void resolve_rrset_clear(struct resolve_rrset *s);

struct resolve_mx {
    char *host;    /* lowercase A-label, no trailing dot; "." for a root target mixed in
                      with other MX records (an invalid null MX), which is never looked up */
    unsigned pref;
    char **ips;    /* A addresses then AAAA addresses, each family in numeric order */
    int nips;
    int resolved;  /* nips > 0 */
    char *error;   /* NULL when resolved; else why: "NXDOMAIN", "no address records",
                      "A query: SERVFAIL", "A query: timeout", ... */
    /* resolve_opts.dnssec only (else DNSSEC_UNKNOWN and tlsa.asked 0): */
    enum resolve_dnssec addr_dnssec; /* its address RRsets: secure when every one asked is
                      (NODATA and NXDOMAIN included), bogus when any is, insecure when any is
                      insecure and none bogus, unknown otherwise (an error) */
    struct resolve_rrset tlsa; /* TLSA at _PORT._tcp.HOST (resolve_opts.tlsa_port), asked only
                      when addr_dnssec is secure (RFC 7672 §2.2.2: DANE applies to an MX host
                      only when its address records are secure), whatever the MX RRset's
                      state (§2.2.1) */
};

struct resolve_result {
    char *domain;
    enum resolve_status status;
    char *error;     /* RESOLVE_DNS_ERROR only: "MX query: SERVFAIL", "MX query: timeout",
                        "MX query: CNAME loop", "A query: REFUSED (implicit MX)", ... */
    int implicit_mx; /* RESOLVE_NO_MX and the domain has addresses: mx[0] is the domain
                        itself with preference 0. RESOLVE_NO_MX without addresses (nor an
                        error looking them up) has no MX entries at all. */
    struct resolve_mx *mx; /* RESOLVE_OK: sorted by preference, then host name */
    int nmx;
    int mx_cut;      /* MX records beyond resolve_opts.max_mx: dropped, never looked up */
    int addrs_cut;   /* addresses beyond resolve_opts.max_addrs, over all kept MX entries */
    /* resolve_opts.dnssec only (else unknown / not asked): */
    enum resolve_dnssec mx_dnssec; /* the MX RRset (or its NXDOMAIN / NODATA); for an implicit
                      MX, the domain's address RRsets as resolve_mx.addr_dnssec (also when
                      looking them up failed: a DNS error "... (implicit MX)", bogus or
                      unknown); NO_MX without addresses: the MX NODATA's */
    struct resolve_rrset sts;    /* TXT _mta-sts.DOMAIN, asked with the MX (RFC 8461 §3.1) */
    struct resolve_rrset tlsrpt; /* TXT _smtp._tls.DOMAIN (RFC 8460 §3) */
};
void resolve_result_free(struct resolve_result *res);

struct resolve_ptr_result {
    char *ip;
    enum resolve_status status; /* OK, NXDOMAIN, NODATA, DNS_ERROR or CANCELLED */
    char *name;  /* RESOLVE_OK: lowercase, no trailing dot (the first in name order when the
                    address has several); NULL otherwise */
    char *error; /* RESOLVE_DNS_ERROR: "PTR query: SERVFAIL", "not an IP address", ... */
};
void resolve_ptr_result_free(struct resolve_ptr_result *res);

/* "MX", "A", "AAAA", "PTR", "TXT", "TLSA"; "DNS" for another type (the prefix of an error:
 * "A query: ..."). */
const char *resolve_type_name(ldns_rr_type t);
/* Frees what one MX entry holds and zeroes it. */
void resolve_mx_clear(struct resolve_mx *m);

/* MX records (from answer_parse()) into a sorted MX list without addresses. Returns
 * RESOLVE_NULL_MX (and no list) for a lone "0 ." record, else RESOLVE_OK. */
enum resolve_status resolve_mx_list(const struct answer_rr *rrs, int n, struct resolve_mx **mx,
                                    int *nmx);
/* How many of na A and n6 AAAA addresses are kept under a cap of max (0: no cap), by the rule
 * of resolve_opts; returns the number cut. */
int resolve_addr_cap(int na, int n6, int max, int share_families, int *keep_a, int *keep_6);

/* The outcome of one (name, type) lookup, kept in the resolver's cache entries. */
struct resolve_outcome {
    enum resolve_status status; /* OK (records), NXDOMAIN, NODATA or DNS_ERROR */
    char *error;                /* DNS_ERROR: "A query: SERVFAIL", "A query: SERVFAIL (DNSSEC
                                   bogus)" */
    struct answer_rr *rrs;
    int n;
    enum resolve_dnssec dnssec; /* resolve_opts.dnssec only */
};
/* Frees what o holds and zeroes it. */
void resolve_outcome_clear(struct resolve_outcome *o);

/* Fills s (cleared first) from the outcome of a TXT or TLSA lookup of qname: asked, copies of
 * the name, status, DNSSEC state, error and the records' octets, in the canonical order of
 * RFC 4034 §6.3 (not the answer's, which resolvers rotate). */
void resolve_rrset_from(struct resolve_rrset *s, const char *qname,
                        const struct resolve_outcome *o);
/* Two RRsets' DNSSEC states as one (resolve_mx.addr_dnssec's rule): bogus when either is,
 * else insecure when either is, else unknown when either is, else secure. */
/* dst (uninitialised) becomes a deep copy of src. */
void resolve_rrset_copy(struct resolve_rrset *dst, const struct resolve_rrset *src);
enum resolve_dnssec resolve_dnssec_combine(enum resolve_dnssec a, enum resolve_dnssec b);

/* Copies the addresses of a host's A and AAAA outcomes (either may be NULL: not asked) into m
 * (A first), as many as the cap keeps (resolve_addr_cap with max_addrs and share_families);
 * sets m->resolved, or m->error saying why there is no address. Returns how many it cut. Each
 * family is already in numeric order (answer.c). */
int resolve_fill_addrs(int max_addrs, int share_families, struct resolve_mx *m,
                       const struct resolve_outcome *a, const struct resolve_outcome *aaaa);

#endif

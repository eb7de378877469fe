/* record: the scan's results as plain structs, and their one JSON form (jansson). Outputs
 * (out_jsonl.c, later CSV and HTML) take these JSON objects; nothing else formats records.
 * Field names are a contract with researchers: docs/schema.md documents every one.
 *
 * Attacker-controlled text (greeting and EHLO words, server replies in errors, invalid input
 * lines) goes into JSON through record_text(), which writes it in the text notation of text.h:
 * valid UTF-8 as it is (jansson escapes what JSON needs), "\xHH" for the octets that are not
 * valid UTF-8, so no input can produce invalid JSON or be silently dropped, and a reader can
 * decode every string back to the octets. Certificate names and DNs are already in that
 * notation (cert.h) and go through record_text_as_is(). */
#ifndef MXS_RECORD_H
#define MXS_RECORD_H
#include <jansson.h>

#include "probe/probe.h"
#include "resolve/resolve.h"
#include "classify/assess.h"
#include "classify/sender.h"
#include "classify/trust.h"

/* The version probe of an endpoint's address (one per address per run, probe.h): what the
 * server supports beyond this client's TLS 1.2. Borrowed pointers. */
struct tls_max_rec {
    const char *from;    /* the MX host name whose SNI the probe sent; NULL when none ran */
    int kind;            /* enum tlshello_kind of the server's answer; 0 when none came */
    unsigned version, cipher, group;
    const char *error;   /* why no version was learnt ("tls-failed: fatal alert ..."), or NULL */
    int starttls_injection; /* the probe's server sent octets after STARTTLS's 220 (probe.h) */
};

/* Where an endpoint's record comes from (sched/infer.c): its own probe, or the probe of
 * another MX host name at the same address. */
enum record_inference {
    RECORD_DIRECT,          /* its own probe */
    RECORD_SNI_INSENSITIVE, /* the address showed the same server to two names (and to every
                             * spot check): another name's probe stands for it */
    RECORD_ADDRESS_DOWN,    /* two names failed there the same way before any greeting */
};
/* The word of `inference` in hosts.jsonl: NULL (JSON null) for RECORD_DIRECT, else
 * "sni-insensitive", "address-down". */
const char *record_inference_str(enum record_inference i);

/* One endpoint: an MX host name at one address. Borrowed pointers, valid during the call. */
struct endpoint_rec {
    const char *mx_host;
    const char *ip;
    int port;
    const char *ptr;        /* PTR name, NULL when none */
    const char *ptr_status; /* "ok", "nxdomain", "nodata", "dns-error" */
    int attempts;           /* connections made (1 + retries used) */
    const char *first_domain; /* the first input domain (in input order seen) that led here */
    const struct probe_result *res;
    const char *chain_file; /* "chains/<leaf sha256>.pem", NULL without a chain */
    const struct assess_endpoint *as; /* names, matches, wildcard class, trust, TLSRPT */
    const struct tls_max_rec *tls_max; /* NULL: no version probe (--no-version-probe) */
    const char *inferred_from; /* the MX host whose probe supplied res; NULL: its own probe */
    enum record_inference inference;
    const struct sender_dane *dane; /* `dane`; NULL or asked 0: JSON null (lookups off) */
};

/* Returns a new object (caller decrefs). */
json_t *record_endpoint_json(const struct endpoint_rec *r);

struct domain_ep_ref {
    const char *mx_host;
    const char *ip;
    const char *status; /* the endpoint's probe status */
};

struct domain_rec {
    unsigned long line;     /* 1-based line of the input file */
    const char *domain;     /* A-label form, or the raw line when invalid */
    size_t domain_len;      /* 0: domain is a C string; else its number of octets (the raw
                             * line of an invalid record, which may hold NUL) */
    const char *status;     /* ok | nxdomain | no-mx | null-mx | dns-error | invalid | duplicate */
    const char *error;      /* why, for dns-error and invalid; NULL otherwise */
    const struct resolve_result *rr; /* NULL for invalid lines */
    int ipv6;               /* were IPv6 addresses probed */
    const struct domain_ep_ref *eps;
    size_t neps;
    /* Classification (NULL pattern: not classified, e.g. an old caller). */
    const char *pattern;
    const char *provider;       /* registrable domain of the most-preferred MX host */
    int consistent;
    enum match_result match_domain;
    const struct domain_ep_ref *primary; /* NULL when no endpoint completed TLS */
    unsigned long duplicate_of; /* status duplicate: the line that gave the domain first
                                 * (`duplicate_of`, written only then; pattern null); else 0 */
    /* What a policy-enforcing sender would do (classify/sender.h): `dnssec`, `mta_sts`,
     * `tlsrpt`, `policy`; NULL (or asked 0): each JSON null (lookups off, invalid or
     * duplicate lines). */
    const struct sender_domain *sender;
    const struct sender_sts *sts;
};

json_t *record_domain_json(const struct domain_rec *r);

/* A JSON string for the arbitrary octets of the C string s, in the text notation (see above);
 * NULL s gives JSON null. */
json_t *record_text(const char *s);
/* The same for the n octets at s, which may hold NUL (s may be NULL when n is 0). */
json_t *record_textn(const char *s, size_t n);
/* A JSON string for t, already in the text notation (a cert_info name): written as it is, so
 * never escaped twice; NULL gives JSON null. */
json_t *record_text_as_is(const char *t);

#endif

/* record: see record.h. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cert.h"
#include "core/text.h"
#include "probe/tlshello.h"
#include "core/jsonl.h"
#include "core/util.h"

/* What a policy-enforcing sender would do (classify/sender.h): written at the end of this file. */
static void record_endpoint_dane(json_t *o, const struct endpoint_rec *r);
static void record_domain_sender(json_t *o, const struct domain_rec *r);

const char *record_inference_str(enum record_inference i)
{
    switch (i) {
    case RECORD_DIRECT: return NULL;
    case RECORD_SNI_INSENSITIVE: return "sni-insensitive";
    case RECORD_ADDRESS_DOWN: return "address-down";
    }
    return NULL;
}

json_t *record_text(const char *s)
{
    if (!s)
        return json_null();
    char *t = text_escape_str(s);
    json_t *j = json_string(t);
    free(t);
    return j ? j : json_null(); /* cannot fail: the notation is valid UTF-8 without NUL */
}

json_t *record_textn(const char *s, size_t n)
{
    char *t = text_escape(s, n);
    json_t *j = json_string(t);
    free(t);
    return j ? j : json_null();
}

json_t *record_text_as_is(const char *t)
{
    if (!t)
        return json_null();
    json_t *j = json_string(t);
    /* Never NULL for the notation; should anything else slip in, escape it rather than lose it. */
    return j ? j : record_text(t);
}

static json_t *cert_json(const struct probe_result *res)
{
    const struct cert_info *c = res->chain[0];
    json_t *o = json_object();
    /* cert.c already wrote these in the text notation: as they are, not escaped twice. */
    json_object_set_new(o, "subject_cn", record_text_as_is(c->subject_cn));
    json_t *san = json_array();
    for (size_t i = 0; i < c->nsan; i++)
        json_array_append_new(san, record_text_as_is(c->san_dns[i]));
    json_object_set_new(o, "san_dns", san);
    json_object_set_new(o, "subject", record_text_as_is(c->subject));
    json_object_set_new(o, "issuer", record_text_as_is(c->issuer));
    json_object_set_new(o, "not_before", c->error ? json_null() : json_string(c->not_before));
    json_object_set_new(o, "not_after", c->error ? json_null() : json_string(c->not_after));
    json_object_set_new(o, "sha256", json_string(c->sha256));
    json_object_set_new(o, "key_type", record_text(c->key_type));
    json_object_set_new(o, "key_bits", c->error ? json_null() : json_integer(c->key_bits));
    json_object_set_new(o, "sig_alg", record_text(c->sig_alg));
    json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
    json_object_set_new(o, "chain_len", json_integer((json_int_t)res->chain_len));
    json_object_set_new(o, "parse_error", record_text(c->error));
    return o;
}

/* tls_max and friends: the version the server chose when offered TLS 1.3..1.0 (a
 * HelloRetryRequest also says TLS 1.3), with the suite and group of that answer. */
static void tls_max_json(json_t *o, const struct tls_max_rec *t)
{
    const char *version = NULL;
    char vbuf[8], cbuf[TLS_CIPHER_NAME_LEN];
    int hello = t && (t->kind == TLSHELLO_SERVER_HELLO || t->kind == TLSHELLO_HELLO_RETRY);
    if (hello) {
        version = tls_version_name((uint16_t)t->version);
        if (!version) { /* a version no registry names: its number */
            snprintf(vbuf, sizeof(vbuf), "0x%04x", t->version & 0xffff);
            version = vbuf;
        }
    }
    const char *group = hello && t->group ? tls_group_name((uint16_t)t->group) : NULL;
    char gbuf[8];
    if (hello && t->group && !group) {
        snprintf(gbuf, sizeof(gbuf), "0x%04x", t->group & 0xffff);
        group = gbuf;
    }
    json_object_set_new(o, "tls_max", version ? json_string(version) : json_null());
    json_object_set_new(o, "tls_max_from", record_text(t ? t->from : NULL));
    json_object_set_new(o, "tls_max_hello_retry", hello ? json_boolean(t->kind == TLSHELLO_HELLO_RETRY) : json_null());
    json_object_set_new(o, "tls_max_cipher",
                        hello && t->kind == TLSHELLO_SERVER_HELLO
                            ? json_string(tls_cipher_name((uint16_t)t->cipher, cbuf, sizeof(cbuf)))
                            : json_null());
    json_object_set_new(o, "tls_max_group", group ? json_string(group) : json_null());
    json_object_set_new(o, "tls_max_error", record_text(t ? t->error : NULL));
}

json_t *record_endpoint_json(const struct endpoint_rec *r)
{
    const struct probe_result *res = r->res;
    json_t *o = json_object();
    json_object_set_new(o, "mx_host", record_text(r->mx_host));
    json_object_set_new(o, "ip", json_string(r->ip));
    json_object_set_new(o, "port", json_integer(r->port));
    json_object_set_new(o, "ptr", record_text(r->ptr));
    json_object_set_new(o, "ptr_status", record_text(r->ptr_status));
    json_object_set_new(o, "first_domain", record_text(r->first_domain));
    json_object_set_new(o, "status", json_string(probe_status_str(res->status)));
    /* error, banner_host and ehlo_host are already in the notation (probe.h). */
    json_object_set_new(o, "error", record_text_as_is(res->error));
    json_object_set_new(o, "smtp_code", res->smtp_code ? json_integer(res->smtp_code) : json_null());
    json_object_set_new(o, "temporary", json_boolean(res->temporary));
    json_object_set_new(o, "attempts", json_integer(r->attempts));
    /* An inferred record: whose probe it is, and why it stands for this endpoint. */
    const char *inference = record_inference_str(r->inference);
    json_object_set_new(o, "inferred_from", inference ? record_text(r->inferred_from) : json_null());
    json_object_set_new(o, "inference", inference ? json_string(inference) : json_null());
    json_object_set_new(o, "banner_host", record_text_as_is(res->banner_host));
    json_object_set_new(o, "ehlo_host", record_text_as_is(res->ehlo_host));
    if (res->tls_version) {
        json_t *t = json_object();
        json_object_set_new(t, "version", json_string(res->tls_version));
        json_object_set_new(t, "cipher", record_text(res->tls_cipher));
        json_object_set_new(o, "tls", t);
    } else {
        json_object_set_new(o, "tls", json_null());
    }
    char alert[TLS_ALERT_NAME_LEN];
    json_object_set_new(o, "tls_alert", res->tls_alert >= 0
                                            ? json_string(tls_alert_format((uint8_t)res->tls_alert, alert, sizeof(alert)))
                                            : json_null());
    tls_max_json(o, r->tls_max);
    /* Response injection is a property of the server: this session's or the address's
     * version probe's. Null when STARTTLS was not accepted here (no 220, nothing to inject). */
    json_object_set_new(o, "starttls_injection",
                        res->tls_started ? json_boolean(res->starttls_injection ||
                                                        (r->tls_max && r->tls_max->starttls_injection))
                                         : json_null());
    json_object_set_new(o, "tls_client_limit", json_boolean(res->tls_client_limit));
    json_object_set_new(o, "cert", res->chain_len ? cert_json(res) : json_null());
    json_t *shas = json_array();
    for (size_t i = 0; i < res->chain_len; i++)
        json_array_append_new(shas, json_string(res->chain[i]->sha256));
    json_object_set_new(o, "chain_sha256", shas);
    json_object_set_new(o, "chain_file", record_text(r->chain_file));
    const struct assess_endpoint *as = r->as;
    int cert = as && as->keep.has_cert;
    if (cert) {
        json_t *names = json_array();
        for (size_t i = 0; i < as->pres.n; i++)
            json_array_append_new(names, record_text_as_is(match_presented_name(&as->pres, i)));
        json_object_set_new(o, "presented", names);
        json_object_set_new(o, "names_from", json_string(as->pres.names_from));
        json_object_set_new(o, "cn_in_san", json_boolean(as->pres.cn_in_san));
        json_t *m = json_object(), *by = json_object();
        for (int i = 0; i < REF_COUNT; i++) {
            const char *v = match_result_str(as->match[i]);
            json_object_set_new(m, assess_ref_names[i], v ? json_string(v) : json_null());
            json_object_set_new(by, assess_ref_names[i], record_text_as_is(as->matched_by[i]));
        }
        json_object_set_new(o, "match", m);
        json_object_set_new(o, "matched_by", by);
        json_object_set_new(o, "wildcard", json_string(wildcard_class_str(as->wildcard)));
    } else {
        for (const char *const *k = (const char *const[]){"presented", "names_from", "cn_in_san", "match",
                                                           "matched_by", "wildcard", NULL}; *k; k++)
            json_object_set_new(o, *k, json_null());
    }
    if (as && res->chain_len) {
        json_t *t = json_object(), *reasons = json_array();
        json_object_set_new(t, "valid", json_boolean(as->trust.valid));
        for (int i = 0; i < as->trust.nreasons; i++)
            json_array_append_new(reasons, json_string(as->trust.reasons[i]));
        json_object_set_new(t, "reasons", reasons);
        json_object_set_new(o, "trust", t);
    } else {
        json_object_set_new(o, "trust", json_null());
    }
    /* The leaf's issuer: the certificate's own text (the notation), as it is. */
    if (as && as->issuer.known) {
        json_t *is = json_object();
        json_object_set_new(is, "o", record_text_as_is(as->issuer.o));
        json_object_set_new(is, "cn", record_text_as_is(as->issuer.cn));
        json_object_set_new(is, "root", record_text_as_is(as->issuer.root));
        json_object_set_new(is, "self_signed", json_boolean(as->issuer.self_signed));
        json_object_set_new(o, "issuer", is);
    } else {
        json_object_set_new(o, "issuer", json_null());
    }
    json_object_set_new(o, "tlsrpt", as && as->tlsrpt ? json_string(as->tlsrpt) : json_null());
    json_object_set_new(o, "provider", record_text(as ? as->provider : NULL));
    json_object_set_new(o, "cert_provider_match", cert ? json_boolean(as->keep.provider_match) : json_null());
    record_endpoint_dane(o, r);
    return o;
}

json_t *record_domain_json(const struct domain_rec *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "line", json_integer((json_int_t)r->line));
    json_object_set_new(o, "domain", r->domain_len ? record_textn(r->domain, r->domain_len)
                                                   : record_text(r->domain));
    json_object_set_new(o, "status", json_string(r->status));
    json_object_set_new(o, "error", record_text(r->error));
    json_t *mx = json_array();
    if (r->rr) {
        for (int i = 0; i < r->rr->nmx; i++) {
            const struct resolve_mx *m = &r->rr->mx[i];
            json_t *e = json_object();
            json_object_set_new(e, "host", record_text(m->host));
            json_object_set_new(e, "pref", json_integer(m->pref));
            json_t *ips = json_array();
            for (int k = 0; k < m->nips; k++)
                json_array_append_new(ips, json_string(m->ips[k]));
            json_object_set_new(e, "ips", ips);
            json_object_set_new(e, "error", record_text(m->error));
            json_array_append_new(mx, e);
        }
    }
    json_object_set_new(o, "mx", mx);
    json_object_set_new(o, "implicit_mx", json_boolean(r->rr && r->rr->implicit_mx));
    /* What the caps (--max-mx, --max-addrs) left out of `mx`; null when nothing. */
    if (r->rr && (r->rr->mx_cut || r->rr->addrs_cut)) {
        json_t *t = json_object();
        json_object_set_new(t, "mx", json_integer(r->rr->mx_cut));
        json_object_set_new(t, "addrs", json_integer(r->rr->addrs_cut));
        json_object_set_new(o, "truncated", t);
    } else {
        json_object_set_new(o, "truncated", json_null());
    }
    json_t *eps = json_array();
    for (size_t i = 0; i < r->neps; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "mx_host", record_text(r->eps[i].mx_host));
        json_object_set_new(e, "ip", json_string(r->eps[i].ip));
        json_object_set_new(e, "status", json_string(r->eps[i].status));
        json_array_append_new(eps, e);
    }
    json_object_set_new(o, "endpoints", eps);
    if (r->duplicate_of) { /* not scanned: the verdict is the first line's record's */
        json_object_set_new(o, "duplicate_of", json_integer((json_int_t)r->duplicate_of));
        json_object_set_new(o, "pattern", json_null());
        json_object_set_new(o, "provider", json_null());
        json_object_set_new(o, "consistent", json_boolean(r->consistent));
        json_object_set_new(o, "match_domain", json_null());
        json_object_set_new(o, "primary", json_null());
    } else if (r->pattern) {
        json_object_set_new(o, "pattern", json_string(r->pattern));
        json_object_set_new(o, "provider", record_text(r->provider));
        json_object_set_new(o, "consistent", json_boolean(r->consistent));
        const char *md = r->primary ? match_result_str(r->match_domain) : NULL;
        json_object_set_new(o, "match_domain", md ? json_string(md) : json_null());
        if (r->primary) {
            json_t *p = json_object();
            json_object_set_new(p, "mx_host", record_text(r->primary->mx_host));
            json_object_set_new(p, "ip", json_string(r->primary->ip));
            json_object_set_new(o, "primary", p);
        } else {
            json_object_set_new(o, "primary", json_null());
        }
    }
    record_domain_sender(o, r);
    return o;
}

/* ------------------------------------------------------------------ what a sender enforces */

/* One TLSA record as dane.h reads it; an RDATA shorter than its three fixed octets has no
 * fields, only what octets there are. */
static json_t *tlsa_record_json(const struct resolve_blob *b)
{
    json_t *o = json_object();
    struct dane_tlsa t;
    if (dane_tlsa_parse(b->data, b->len, &t) < 0) {
        json_object_set_new(o, "usage", json_null());
        json_object_set_new(o, "selector", json_null());
        json_object_set_new(o, "matching_type", json_null());
        json_object_set_new(o, "data", jsonl_hex(b->data, b->len));
        json_object_set_new(o, "usable", json_string(dane_record_status_str(DANE_REC_BAD_LENGTH)));
        return o;
    }
    json_object_set_new(o, "usage", json_integer(t.usage));
    json_object_set_new(o, "selector", json_integer(t.selector));
    json_object_set_new(o, "matching_type", json_integer(t.mtype));
    json_object_set_new(o, "data", jsonl_hex(t.data, t.len));
    json_object_set_new(o, "usable", json_string(dane_record_status_str(dane_record_status(&t))));
    return o;
}

static json_t *tlsa_json(const struct resolve_rrset *s)
{
    if (!s || !s->asked)
        return json_null();
    json_t *o = json_object(), *recs = json_array();
    json_object_set_new(o, "name", record_text(s->qname));
    json_object_set_new(o, "status", json_string(resolve_status_str(s->status)));
    json_object_set_new(o, "dnssec", jsonl_word(resolve_dnssec_str(s->dnssec)));
    json_object_set_new(o, "error", record_text(s->error));
    if (s->status == RESOLVE_OK)
        for (int i = 0; i < s->n; i++)
            json_array_append_new(recs, tlsa_record_json(&s->rr[i]));
    json_object_set_new(o, "records", recs);
    return o;
}

/* hosts.jsonl `dane`: null when policy lookups were off (or no verdict was made). */
static json_t *dane_json(const struct sender_dane *d)
{
    if (!d || !d->asked)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(dane_verdict_str(d->verdict)));
    json_object_set_new(o, "why", record_text(d->why));
    json_object_set_new(o, "addresses", jsonl_word(resolve_dnssec_str(d->addr_dnssec)));
    json_object_set_new(o, "tlsa", tlsa_json(d->tlsa));
    json_object_set_new(o, "matched", d->res.matched >= 0 ? json_integer(d->res.matched) : json_null());
    json_object_set_new(o, "matched_depth",
                        d->res.matched >= 0 && d->res.matched_depth >= 0 ? json_integer(d->res.matched_depth)
                                                                        : json_null());
    json_object_set_new(o, "applies", json_boolean(d->applies));
    return o;
}

static void record_endpoint_dane(json_t *o, const struct endpoint_rec *r)
{
    json_object_set_new(o, "dane", dane_json(r->dane));
}

static json_t *dnssec_json(const struct sender_domain *sd)
{
    json_t *o = json_object(), *hosts = json_array();
    json_object_set_new(o, "mx", jsonl_word(resolve_dnssec_str(sd->mx_dnssec)));
    for (size_t i = 0; i < sd->nhosts; i++) {
        const struct sender_host *h = &sd->hosts[i];
        json_t *e = json_object();
        json_object_set_new(e, "host", record_text(h->host));
        json_object_set_new(e, "addresses", jsonl_word(resolve_dnssec_str(h->addr_dnssec)));
        json_object_set_new(e, "tlsa", jsonl_word(h->tlsa));
        json_array_append_new(hosts, e);
    }
    json_object_set_new(o, "hosts", hosts);
    return o;
}

static json_t *fetch_json(const struct sender_sts *s)
{
    if (!s->fetch_status)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "ip", record_text(s->fetch_ip));
    json_object_set_new(o, "status", json_string(s->fetch_status));
    json_object_set_new(o, "http_status", s->http_code ? json_integer(s->http_code) : json_null());
    return o;
}

/* domains.jsonl `mta_sts`; sd (may be NULL) gives the per-host checks and the outcome. */
static json_t *mta_sts_json(const struct sender_sts *s, const struct sender_domain *sd)
{
    const struct mtasts_policy *p = s->status == STS_OK ? s->policy : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "status", record_text(sender_sts_status_str(s)));
    json_object_set_new(o, "id", s->id[0] ? record_text(s->id) : json_null());
    json_object_set_new(o, "error", record_text(s->error));
    json_object_set_new(o, "line", s->status == STS_POLICY && s->policy_line
                                       ? json_integer((json_int_t)s->policy_line)
                                       : json_null());
    json_object_set_new(o, "fetch", fetch_json(s));
    json_object_set_new(o, "mode", jsonl_word(p ? mtasts_mode_str(p->mode) : NULL));
    json_object_set_new(o, "max_age", p && p->max_age >= 0 ? json_integer(p->max_age) : json_null());
    if (p) {
        json_t *mx = json_array();
        for (size_t i = 0; i < p->nmx; i++)
            json_array_append_new(mx, record_text(p->mx[i]));
        json_object_set_new(o, "mx", mx);
    } else {
        json_object_set_new(o, "mx", json_null());
    }
    json_t *hosts = json_array();
    for (size_t i = 0; sd && i < sd->nhosts; i++) {
        const struct sender_host *h = &sd->hosts[i];
        json_t *e = json_object();
        json_object_set_new(e, "host", record_text(h->host));
        json_object_set_new(e, "pattern", record_text(h->sts_pattern));
        json_object_set_new(e, "check", jsonl_word(h->sts));
        json_array_append_new(hosts, e);
    }
    json_object_set_new(o, "hosts", hosts);
    json_object_set_new(o, "outcome", jsonl_word(sd ? sd->sts_outcome : NULL));
    return o;
}

static json_t *tlsrpt_json(const struct sender_domain *sd)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(sd->tlsrpt));
    json_object_set_new(o, "mailto", json_integer(sd->tlsrpt_rec.mailto));
    json_object_set_new(o, "https", json_integer(sd->tlsrpt_rec.https));
    json_object_set_new(o, "bad", json_integer(sd->tlsrpt_rec.bad));
    return o;
}

static json_t *policy_json(const struct sender_domain *sd)
{
    json_t *o = json_object(), *hosts = json_array();
    json_object_set_new(o, "name", json_string(sender_policy_str(sd->policy)));
    json_object_set_new(o, "delivers", json_boolean(sd->delivers));
    json_object_set_new(o, "via", record_text(sd->via));
    for (size_t i = 0; i < sd->nhosts; i++) {
        const struct sender_host *h = &sd->hosts[i];
        json_t *e = json_object();
        json_object_set_new(e, "host", record_text(h->host));
        json_object_set_new(e, "policy", jsonl_word(sender_host_policy_str(h->policy)));
        json_object_set_new(e, "accepts", json_boolean(h->accepts));
        json_array_append_new(hosts, e);
    }
    json_object_set_new(o, "hosts", hosts);
    return o;
}

static void record_domain_sender(json_t *o, const struct domain_rec *r)
{
    const struct sender_domain *sd = r->sender && r->sender->asked ? r->sender : NULL;
    const struct sender_sts *sts = r->sts && r->sts->asked ? r->sts : NULL;
    json_object_set_new(o, "dnssec", sd ? dnssec_json(sd) : json_null());
    json_object_set_new(o, "mta_sts", sts ? mta_sts_json(sts, sd) : json_null());
    json_object_set_new(o, "tlsrpt", sd && sd->tlsrpt ? tlsrpt_json(sd) : json_null());
    json_object_set_new(o, "policy", sd && sd->policy != SENDER_NONE ? policy_json(sd) : json_null());
}

/* out_text: the output `check` prints for a person: each endpoint record (status, TLS
 * session, certificate, the reference names beside the certificate's names, tls_max) and the
 * domain record (status, pattern, provider, MX hosts), on standard output. No files. Every
 * server-supplied string is made printable first (text_put_visible: a terminal would run
 * control characters as escape sequences). open's arg is a struct out_text_result (output.h),
 * which learns whether some endpoint completed a TLS session. */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "core/util.h"
#include "classify/match.h"
#include "probe/probe.h"
#include "output.h"

static void put_safe(FILE *f, const char *s)
{
    text_put_visible(f, s);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static long days_left(const char *iso)
{
    struct tm tm = {0};
    if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    time_t t = timegm(&tm);
    return (long)((t - time(NULL)) / 86400);
}

static void print_names(json_t *cert)
{
    json_t *san = json_object_get(cert, "san_dns");
    size_t i;
    json_t *v;
    printf("  names        ");
    if (json_array_size(san) == 0)
        printf("(no SAN dNSName; CN %s)", jstr(cert, "subject_cn") ? "" : "missing");
    json_array_foreach(san, i, v) {
        if (i)
            printf(", ");
        put_safe(stdout, json_string_value(v));
    }
    if (json_array_size(san) == 0 && jstr(cert, "subject_cn"))
        put_safe(stdout, jstr(cert, "subject_cn"));
    putchar('\n');
}

/* What the address's version probe learnt: the highest version the server chose when offered
 * TLS 1.3 down to 1.0 (a field of the address, shared by its endpoints). */
static void print_tls_max(json_t *rec)
{
    const char *from = jstr(rec, "tls_max_from"), *max = jstr(rec, "tls_max");
    const char *why = jstr(rec, "tls_max_error");
    if (!from && !why)
        return; /* --no-version-probe */
    printf("TLS support   ");
    if (max) {
        printf("%s", max);
        const char *c = jstr(rec, "tls_max_cipher"), *g = jstr(rec, "tls_max_group");
        if (json_is_true(json_object_get(rec, "tls_max_hello_retry")))
            printf(" (HelloRetryRequest for %s)", g ? g : "?");
        else if (c)
            printf(" (%s%s%s)", c, g ? ", " : "", g ? g : "");
    } else {
        printf("unknown");
    }
    if (why) {
        printf(": ");
        put_safe(stdout, why);
    }
    printf(" [version probe");
    if (from) {
        printf(" with SNI ");
        put_safe(stdout, from);
    }
    printf("]\n");
}

/* A record's word or text, made printable; "?" when it is not a string. */
static void put_str(json_t *o, const char *k)
{
    const char *v = jstr(o, k);
    put_safe(stdout, v ? v : "?");
}

/* The endpoint's DANE verdict (hosts.jsonl `dane`): the record that matched, or why none did,
 * then the TLSA lookup it rests on. Nothing when policy lookups were off. */
static void print_dane(json_t *rec)
{
    json_t *d = json_object_get(rec, "dane");
    if (!json_is_object(d))
        return;
    json_t *tlsa = json_object_get(d, "tlsa"), *m = json_object_get(d, "matched");
    printf("DANE: ");
    put_str(d, "verdict");
    json_t *r = json_is_integer(m) ? json_array_get(json_object_get(tlsa, "records"), (size_t)json_integer_value(m))
                                   : NULL;
    if (r) {
        printf(" (record %lld: %lld %lld %lld", (long long)json_integer_value(m),
               (long long)json_integer_value(json_object_get(r, "usage")),
               (long long)json_integer_value(json_object_get(r, "selector")),
               (long long)json_integer_value(json_object_get(r, "matching_type")));
        json_t *depth = json_object_get(d, "matched_depth");
        if (json_is_integer(depth) && json_integer_value(depth) > 0)
            printf(", trust anchor at chain depth %lld", (long long)json_integer_value(depth));
        printf(")");
    } else if (jstr(d, "why")) {
        printf(" (");
        put_str(d, "why");
        printf(")");
    }
    printf("%s; addresses ", json_is_true(json_object_get(d, "applies")) ? "; DANE governs this host" : "");
    put_safe(stdout, jstr(d, "addresses") ? jstr(d, "addresses") : "DNSSEC state unknown");
    putchar('\n');
    if (!json_is_object(tlsa))
        return;
    printf("  TLSA ");
    put_str(tlsa, "name");
    printf(": ");
    put_str(tlsa, "status");
    if (jstr(tlsa, "dnssec")) {
        printf(", ");
        put_str(tlsa, "dnssec");
    }
    if (jstr(tlsa, "error")) {
        printf(" (");
        put_str(tlsa, "error");
        printf(")");
    }
    putchar('\n');
    size_t i;
    json_array_foreach(json_object_get(tlsa, "records"), i, r) {
        json_t *u = json_object_get(r, "usage");
        printf("    [%zu] ", i);
        if (json_is_integer(u))
            printf("%lld %lld %lld ", (long long)json_integer_value(u),
                   (long long)json_integer_value(json_object_get(r, "selector")),
                   (long long)json_integer_value(json_object_get(r, "matching_type")));
        put_str(r, "data");
        printf(" (");
        put_str(r, "usable");
        printf(")\n");
    }
}

static int text_endpoint(void *state, json_t *rec)
{
    struct out_text_result *c = state;
    const char *status = jstr(rec, "status");
    printf("-- %s [%s]:%lld: %s", jstr(rec, "mx_host"), jstr(rec, "ip"),
           (long long)json_integer_value(json_object_get(rec, "port")), status);
    if (jstr(rec, "error")) {
        printf(" (");
        put_safe(stdout, jstr(rec, "error"));
        printf(")");
    }
    putchar('\n');
    json_t *tls = json_object_get(rec, "tls");
    if (json_is_object(tls))
        printf("TLS session   %s, %s (this client's handshake: TLS 1.2 at most)\n", jstr(tls, "version"),
               jstr(tls, "cipher"));
    print_tls_max(rec);
    if (strcmp(status, probe_status_str(PROBE_OK)) == 0 ||
        strcmp(status, probe_status_str(PROBE_CERT_SEEN)) == 0)
        c->tls_ok = 1;
    json_t *cert = json_object_get(rec, "cert");
    if (json_is_object(cert)) {
        printf("Certificate\n  subject CN   ");
        put_safe(stdout, jstr(cert, "subject_cn") ? jstr(cert, "subject_cn") : "(none)");
        printf("\n  SAN dNSNames ");
        json_t *san = json_object_get(cert, "san_dns"), *v;
        size_t i;
        json_array_foreach(san, i, v) {
            printf(i ? ", " : "");
            put_safe(stdout, json_string_value(v));
        }
        printf(json_array_size(san) ? "\n" : "(none)\n");
        printf("  issuer       ");
        put_safe(stdout, jstr(cert, "issuer") ? jstr(cert, "issuer") : "?");
        printf("\n  valid        %s .. %s (%ld days left)\n", jstr(cert, "not_before"),
               jstr(cert, "not_after"), days_left(jstr(cert, "not_after")));
        printf("  key          %s %lld bits, signature %s%s\n", jstr(cert, "key_type"),
               (long long)json_integer_value(json_object_get(cert, "key_bits")), jstr(cert, "sig_alg"),
               json_is_true(json_object_get(cert, "self_signed")) ? ", self-signed" : "");
        printf("  sha256       %s\n  chain        %lld certificate(s) sent\n", jstr(cert, "sha256"),
               (long long)json_integer_value(json_object_get(cert, "chain_len")));
        json_t *trust = json_object_get(rec, "trust"), *r;
        if (json_is_object(trust)) {
            printf("  trust        %s", json_is_true(json_object_get(trust, "valid")) ? "valid" : "NOT valid:");
            size_t k;
            json_array_foreach(json_object_get(trust, "reasons"), k, r)
                printf(" %s", json_string_value(r));
            printf(" (chain checked against the CA file, names aside)\n");
        }
        printf("Reference names beside the certificate's names (strict RFC 6125/9525 rules)\n");
        print_names(cert);
        json_t *match = json_object_get(rec, "match"), *by = json_object_get(rec, "matched_by");
        const char *refs[][2] = {{"domain", jstr(rec, "first_domain")}, {"mx_host", jstr(rec, "mx_host")},
                                 {"ptr", jstr(rec, "ptr")}, {"banner_host", jstr(rec, "banner_host")},
                                 {"ehlo_host", jstr(rec, "ehlo_host")}};
        for (size_t k = 0; k < ARRAY_LEN(refs); k++) {
            printf("  %-12s ", refs[k][0]);
            put_safe(stdout, refs[k][1] ? refs[k][1] : "(none)");
            const char *m = jstr(match, refs[k][0]), *b = jstr(by, refs[k][0]);
            if (!m)
                printf("  -> not checked: no such name\n");
            else if (strcmp(m, match_result_str(MATCH_EXACT)) == 0 ||
                     strcmp(m, match_result_str(MATCH_WILDCARD)) == 0) {
                printf("  -> %s, by ", m);
                put_safe(stdout, b ? b : "?");
                printf("\n");
            } else if (strcmp(m, match_result_str(MATCH_MULTILABEL)) == 0) {
                /* The verdict's own word (match_result_str), as in the JSON, then why. */
                printf("  -> %s: ", m);
                put_safe(stdout, b ? b : "?");
                printf(" would match only if '*' stood for several labels\n");
            } else {
                printf("  -> %s: no presented name is equal, nor a one-label wildcard over it\n", m);
            }
        }
        printf("  wildcard     %s; provider %s (%s)\n", jstr(rec, "wildcard"),
               jstr(rec, "provider") ? jstr(rec, "provider") : "(none)",
               json_is_true(json_object_get(rec, "cert_provider_match")) ? "a presented name lies in it"
                                                                          : "no presented name lies in it");
        printf("  TLSRPT       %s\n", jstr(rec, "tlsrpt") ? jstr(rec, "tlsrpt") : "(would pass)");
    } else if (jstr(rec, "tlsrpt")) {
        printf("TLSRPT        %s\n", jstr(rec, "tlsrpt"));
    }
    print_dane(rec);
    putchar('\n');
    fflush(stdout);
    return 0;
}

/* What a policy-enforcing sender would do with the domain (domains.jsonl `dnssec`, `mta_sts`,
 * `tlsrpt`, `policy`): a line each; nothing for a field that is null (lookups off). */
static void print_dnssec(json_t *d)
{
    if (!json_is_object(d))
        return;
    printf("DNSSEC: MX ");
    put_safe(stdout, jstr(d, "mx") ? jstr(d, "mx") : "unknown");
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(d, "hosts"), i, h) {
        printf("; ");
        put_str(h, "host");
        printf(" addresses ");
        put_safe(stdout, jstr(h, "addresses") ? jstr(h, "addresses") : "unknown");
        if (jstr(h, "tlsa")) {
            printf(", TLSA ");
            put_str(h, "tlsa");
        }
    }
    putchar('\n');
}

static void print_mta_sts(json_t *m)
{
    if (!json_is_object(m))
        return;
    printf("MTA-STS: ");
    put_str(m, "status");
    if (jstr(m, "mode")) {
        printf(", mode ");
        put_str(m, "mode");
    }
    if (jstr(m, "id")) {
        printf(", id ");
        put_str(m, "id");
    }
    json_t *line = json_object_get(m, "line"), *fetch = json_object_get(m, "fetch");
    if (json_is_integer(line))
        printf(", line %lld", (long long)json_integer_value(line));
    if (json_is_integer(json_object_get(fetch, "http_status")))
        printf(", HTTP %lld", (long long)json_integer_value(json_object_get(fetch, "http_status")));
    if (jstr(m, "error")) {
        printf(" (");
        put_str(m, "error");
        printf(")");
    }
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(m, "hosts"), i, h) {
        if (!jstr(h, "check"))
            continue;
        printf("; ");
        put_str(h, "host");
        if (jstr(h, "pattern")) {
            printf(" covered by ");
            put_str(h, "pattern");
        }
        printf(": ");
        put_str(h, "check");
    }
    if (jstr(m, "outcome")) {
        printf("; outcome ");
        put_str(m, "outcome");
    }
    putchar('\n');
}

static void print_tlsrpt(json_t *t)
{
    if (!json_is_object(t))
        return;
    printf("TLSRPT: ");
    put_str(t, "status");
    static const char *const kinds[] = {"mailto", "https", "bad"};
    const char *sep = " (";
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        json_int_t n = json_integer_value(json_object_get(t, kinds[i]));
        if (n > 0) {
            printf("%s%lld %s", sep, (long long)n, kinds[i]);
            sep = ", ";
        }
    }
    printf("%s\n", *sep == ',' ? ")" : "");
}

static void print_policy(json_t *p)
{
    if (!json_is_object(p))
        return;
    printf("Policy: ");
    put_str(p, "name");
    if (json_is_true(json_object_get(p, "delivers"))) {
        printf("; delivers via ");
        put_str(p, "via");
    } else {
        printf("; would NOT deliver (no MX host accepts under it)");
    }
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(p, "hosts"), i, h) {
        printf("%s", i ? ", " : " [");
        put_str(h, "host");
        printf(" ");
        put_str(h, "policy");
        printf(json_is_true(json_object_get(h, "accepts")) ? " accepts" : " refuses");
    }
    printf("%s\n", json_array_size(json_object_get(p, "hosts")) ? "]" : "");
}

static int text_domain(void *state, json_t *rec)
{
    (void)state;
    printf("Domain ");
    put_safe(stdout, jstr(rec, "domain"));
    printf(": %s", jstr(rec, "status"));
    if (jstr(rec, "error")) {
        printf(" (");
        put_safe(stdout, jstr(rec, "error"));
        printf(")");
    }
    if (json_is_true(json_object_get(rec, "implicit_mx")))
        printf(", implicit MX (no MX records; the domain's own addresses)");
    putchar('\n');
    json_t *primary = json_object_get(rec, "primary");
    printf("  pattern %s", jstr(rec, "pattern") ? jstr(rec, "pattern") : "?");
    if (json_is_object(primary)) {
        printf(" (from ");
        put_safe(stdout, jstr(primary, "mx_host"));
        printf(" [%s]; the certificate vs this domain: %s)", jstr(primary, "ip"),
               jstr(rec, "match_domain") ? jstr(rec, "match_domain") : "?");
    }
    printf("%s; provider %s\n", json_is_false(json_object_get(rec, "consistent")) ? "; endpoints DISAGREE" : "",
           jstr(rec, "provider") ? jstr(rec, "provider") : "(none)");
    json_t *mx = json_object_get(rec, "mx"), *m;
    size_t i;
    json_array_foreach(mx, i, m) {
        printf("  MX %lld ", (long long)json_integer_value(json_object_get(m, "pref")));
        put_safe(stdout, jstr(m, "host"));
        json_t *ips = json_object_get(m, "ips"), *ip;
        size_t k;
        printf(" [");
        json_array_foreach(ips, k, ip)
            printf("%s%s", k ? ", " : "", json_string_value(ip));
        printf("]%s%s\n", jstr(m, "error") ? " " : "", jstr(m, "error") ? jstr(m, "error") : "");
    }
    print_dnssec(json_object_get(rec, "dnssec"));
    print_mta_sts(json_object_get(rec, "mta_sts"));
    print_tlsrpt(json_object_get(rec, "tlsrpt"));
    print_policy(json_object_get(rec, "policy"));
    return 0;
}


static int text_open(void **state, const struct output_where *w, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    *state = w->arg;
    return 0;
}

static int text_close(void *state)
{
    (void)state;
    return fflush(stdout) == 0 ? 0 : -1;
}

const struct output_ops out_text_ops = {
    .name = "text",
    .open = text_open,
    .endpoint = text_endpoint,
    .domain = text_domain,
    .close = text_close,
};

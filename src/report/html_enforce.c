/* html_enforce: see html_enforce.h. */
#include "html_enforce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonl.h"
#include "core/util.h"
#include "html_lines.h"
#include "svg.h"

/* The shares of `enforcement.shares`, in the page's order, with what they count and over
 * what (docs/schema.md). */
static const struct {
    const char *key, *label, *over;
} share_rows[] = {
    {"dnssec_mx", "DNSSEC-signed MX (the MX RRset validated secure)", "domains with a mail route"},
    {"dane_present", "DANE present (a secure TLSA RRset with records for some MX host)",
     "domains with a mail route"},
    {"dane_required", "DANE required (a sender must authenticate by TLSA)", "domains with a mail route"},
    {"dane_endpoints_pass", "DANE passing (a usable TLSA record matched the chain presented)",
     "endpoints with TLSA records (pass, fail or unusable)"},
    {"mta_sts_present", "MTA-STS present (a policy fetched and read)", "domains with a mail route"},
    {"mta_sts_enforce", "MTA-STS in enforce mode", "domains with a mail route"},
    {"mta_sts_testing", "MTA-STS in testing mode", "domains with a mail route"},
    {"mta_sts_fetch_failures", "MTA-STS policy fetch failed", "domains whose policy was fetched"},
    {"mta_sts_mx_not_covered", "MTA-STS: some MX host not covered by the policy's patterns",
     "domains with a policy"},
    {"mta_sts_would_fail", "MTA-STS: a sender enforcing the policy would not deliver",
     "domains with a policy in enforce or testing mode"},
    {"tlsrpt_present", "TLSRPT present (a valid reporting record)", "domains with a mail route"},
};

static void percent(FILE *f, const json_t *v)
{
    char p[16];
    svg_escape(f, svg_format_percent(p, sizeof(p), json_is_number(v) ? json_number_value(v) : NAN));
}

static void share_row(FILE *f, const json_t *shares, size_t i)
{
    const json_t *sh = json_object_get(shares, share_rows[i].key), *v = json_object_get(sh, "share");
    long long n = jsonl_int(sh, "numerator"), d = jsonl_int(sh, "denominator");
    fprintf(f, "<tr data-share=\"%s\" data-numerator=\"%lld\" data-denominator=\"%lld\"",
            share_rows[i].key, n, d);
    if (json_is_number(v))
        fprintf(f, " data-value=\"%.15g\"", json_number_value(v));
    else
        fputs(" data-value=\"null\"", f);
    fprintf(f, "><td>%s</td><td class=\"num\">", share_rows[i].label);
    percent(f, v);
    fputs("</td><td class=\"num\">", f);
    svg_put_count(f, n);
    fputs(" of ", f);
    svg_put_count(f, d);
    fprintf(f, "</td><td>%s</td></tr>\n", share_rows[i].over);
}

static void policy_table(FILE *f, const json_t *pol)
{
    fputs("<table class=\"enforce-policy\"><thead><tr><th>policy a sender enforces</th>"
          "<th class=\"num\">domains</th><th class=\"num\">it delivers to</th></tr></thead><tbody>\n",
          f);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)pol, k, v) {
        long long n = jsonl_int(v, "domains"), d = jsonl_int(v, "delivers");
        fputs("<tr data-policy-name=\"", f);
        svg_escape(f, k);
        fprintf(f, "\" data-domains=\"%lld\" data-delivers=\"%lld\"><td><code>", n, d);
        svg_escape(f, k);
        fputs("</code></td><td class=\"num\">", f);
        svg_put_count(f, n);
        fputs("</td><td class=\"num\">", f);
        char p[16];
        svg_escape(f, svg_format_percent(p, sizeof(p), n > 0 ? (double)d / (double)n : NAN));
        fputs(" (", f);
        svg_put_count(f, d);
        fputs(")</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted (byte order); *n their number. The array is the caller's. */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    const char **keys = xcalloc(json_object_size(o) + 1, sizeof(*keys));
    const char *k;
    const json_t *v;
    *n = 0;
    json_object_foreach((json_t *)o, k, v)
        keys[(*n)++] = k;
    qsort(keys, *n, sizeof(*keys), cmp_key);
    return keys;
}

/* Rows: the naming patterns; columns: every MTA-STS outcome any pattern has. */
static void cross_tab(FILE *f, const json_t *cross)
{
    json_t *cols = json_object();
    const char *k;
    const json_t *row;
    json_object_foreach((json_t *)cross, k, row) {
        const char *o;
        const json_t *c;
        json_object_foreach((json_t *)row, o, c)
            json_object_set_new(cols, o, json_true());
    }
    size_t nr, nc;
    const char **rows = sorted_keys(cross, &nr), **cn = sorted_keys(cols, &nc);
    fputs("<table class=\"enforce-cross\"><thead><tr><th>pattern \\ MTA-STS</th>", f);
    for (size_t j = 0; j < nc; j++) {
        fputs("<th class=\"num\"><code>", f);
        svg_escape(f, cn[j]);
        fputs("</code></th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < nr; i++) {
        const json_t *r = json_object_get(cross, rows[i]);
        fputs("<tr><td><code>", f);
        svg_escape(f, rows[i]);
        fputs("</code></td>", f);
        for (size_t j = 0; j < nc; j++) {
            long long v = jsonl_int(r, cn[j]);
            v = v < 0 ? 0 : v;
            fputs("<td class=\"num\" data-pattern=\"", f);
            svg_escape(f, rows[i]);
            fputs("\" data-outcome=\"", f);
            svg_escape(f, cn[j]);
            fprintf(f, "\" data-value=\"%lld\">", v);
            svg_put_count(f, v);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    if (!nr)
        fputs("<tr><td class=\"na\">no domain</td></tr>\n", f);
    fputs("</tbody></table>\n", f);
    free(rows);
    free(cn);
    json_decref(cols);
}

void html_enforce_section(FILE *f, const json_t *s)
{
    const json_t *e = json_object_get(s, "enforcement");
    if (!json_is_object(e))
        return; /* lookups off, or an older summary: the page says nothing of policies */
    const json_t *sts = json_object_get(e, "mta_sts"), *dane = json_object_get(e, "dane");
    fputs("<h2 id=\"enforcement\">Policies a sender enforces</h2>\n<p>Whether a sending MTA "
          "would <em>require</em> authenticated TLS, and get it: DNSSEC (RFC 4035), DANE TLSA "
          "records (RFC 7672), an MTA-STS policy (RFC 8461) and TLSRPT (RFC 8460), for the ",
          f);
    svg_put_count(f, jsonl_int(e, "domains"));
    fputs(" domains with a mail route. Each share states its denominator.</p>\n"
          "<table class=\"enforce-shares\"><thead><tr><th>figure</th><th class=\"num\">share"
          "</th><th class=\"num\">count</th><th>over</th></tr></thead><tbody>\n",
          f);
    const json_t *shares = json_object_get(e, "shares");
    for (size_t i = 0; i < ARRAY_LEN(share_rows); i++)
        share_row(f, shares, i);
    fputs("</tbody></table>\n<p>DANE verdicts of the endpoints: ", f);
    html_mix(f, json_object_get(dane, "endpoints"));
    fputs(".<br>MTA-STS status of the domains: ", f);
    html_mix(f, json_object_get(sts, "status"));
    fputs(".<br>MTA-STS outcome (the check a sender makes): ", f);
    html_mix(f, json_object_get(sts, "outcome"));
    fputs(".<br>TLSRPT status: ", f);
    html_mix(f, json_object_get(json_object_get(e, "tlsrpt"), "status"));
    fputs(".</p>\n<h3>The policy a sender would enforce</h3>\n<p>DANE first (RFC 8461 §2), "
          "then MTA-STS by its mode, else opportunistic TLS; a domain is delivered to when one "
          "of its MX hosts accepts under that policy.</p>\n",
          f);
    policy_table(f, json_object_get(e, "policy"));
    fputs("<h3>Naming pattern × MTA-STS outcome</h3>\n<p>Each domain by the pattern of its "
          "primary MX certificate and what an MTA-STS sender would conclude "
          "(<code>no-policy</code>: no policy in force). An MTA-STS <code>mx</code> wildcard, "
          "like a certificate's, covers exactly one label: <code>mx-multilabel</code> domains "
          "under <code>not-covered</code> fail both.</p>\n",
          f);
    cross_tab(f, json_object_get(e, "pattern_x_mta_sts"));
}

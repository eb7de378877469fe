/* html_lines: see html_lines.h. */
#include "html_lines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "svg.h"
#include "core/jsonl.h"
#include "core/util.h"

static void percent(FILE *f, long long num, long long den)
{
    char p[16];
    svg_escape(f, svg_format_percent(p, sizeof(p), den > 0 ? (double)num / (double)den : NAN));
}

/* ------------------------------------------------------------------ issuers */

void html_mix(FILE *f, const json_t *map)
{
    size_t n;
    struct jsonl_count *kv = jsonl_counts_sorted(map, &n);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", <code>" : "<code>", f);
        svg_escape(f, kv[i].key);
        fputs("</code> ", f);
        svg_put_count(f, kv[i].n);
    }
    if (!n)
        fputs("<span class=\"na\">none</span>", f);
    free(kv);
}

/* One row of the issuers table; label: NULL for a CA row (its O and CN are shown). */
static void issuer_row(FILE *f, const char *kind, size_t rank, const json_t *r, const char *label,
                       long long n_ep, long long n_dom)
{
    const json_t *st = json_object_get(r, "strict");
    long long ep = jsonl_int(r, "endpoints"), dom = jsonl_int(r, "domains");
    long long num = jsonl_int(st, "numerator"), den = jsonl_int(st, "denominator");
    fprintf(f, "<tr data-issuer=\"%s\" data-rank=\"%zu\" data-endpoints=\"%lld\" "
               "data-domains=\"%lld\" data-strict-numerator=\"%lld\" "
               "data-strict-denominator=\"%lld\"><td class=\"num\">",
            kind, rank, ep, dom, num, den);
    if (rank)
        fprintf(f, "%zu", rank);
    fputs("</td><td>", f);
    if (label) {
        fputs(label, f); /* static text of this file */
    } else {
        const char *o = json_string_value(json_object_get(r, "o"));
        const char *cn = json_string_value(json_object_get(r, "cn"));
        fputs("<span class=\"iss-cn\">", f);
        if (cn)
            svg_escape(f, cn);
        else
            fputs("<span class=\"na\">(no CN)</span>", f);
        fputs("</span><br><span class=\"iss-o na\">", f);
        if (o)
            svg_escape(f, o);
        else
            fputs("(no O)", f);
        fputs("</span>", f);
        const json_t *roots = json_object_get(r, "by_root");
        if (json_object_size(roots)) {
            fputs("<br><span class=\"na\">roots: ", f);
            html_mix(f, roots);
            fputs("</span>", f);
        }
    }
    fputs("</td><td class=\"num\">", f);
    svg_put_count(f, ep);
    fputs(" (", f);
    percent(f, ep, n_ep);
    fputs(")</td><td class=\"num\">", f);
    svg_put_count(f, dom);
    fputs(" (", f);
    percent(f, dom, n_dom);
    fputs(")</td><td>", f);
    html_mix(f, json_object_get(r, "by_wildcard"));
    fputs("</td><td>", f);
    html_mix(f, json_object_get(r, "by_pattern"));
    fputs("</td><td class=\"num\">", f);
    percent(f, num, den);
    fputs("<br><span class=\"na\">", f);
    svg_put_count(f, num);
    fputs(" of ", f);
    svg_put_count(f, den);
    fputs("</span></td></tr>\n", f);
}

void html_issuers_section(FILE *f, const json_t *s)
{
    const json_t *is = json_object_get(s, "issuers");
    fputs("<h2 id=\"issuers\">Issuers</h2>\n", f);
    if (!json_is_object(is)) {
        fputs("<p class=\"na\">This summary has no issuers table (made by an older "
              "version).</p>\n",
              f);
        return;
    }
    long long n_ep = jsonl_int(is, "endpoints"), n_dom = jsonl_int(is, "domains");
    const json_t *top = json_object_get(is, "top");
    fprintf(f, "<p>Do all CAs do it? The issuing CA of each endpoint's leaf certificate "
               "(issuer CN and O, the certificate's own words), the %zu with the most "
               "endpoints, then the self-signed leaves, the unknown (a leaf that could not be "
               "parsed) and every other CA merged. Endpoints: of the ",
            json_array_size(top));
    svg_put_count(f, n_ep);
    fputs(" endpoints with a certificate. Domains: served by the issuer of their "
          "primary MX, of the ",
          f);
    svg_put_count(f, n_dom);
    fputs(" domains with one. Strict: of the issuer's domains with a TLS pattern, those whose "
          "primary certificate names the MX host (mx-exact or mx-wildcard), as the strict "
          "card.</p>\n",
          f);
    fprintf(f, "<table class=\"issuers\" data-endpoints=\"%lld\" data-domains=\"%lld\"><thead>",
            n_ep, n_dom);
    fputs("<tr><th class=\"num\">#</th>"
          "<th>issuer (CN, O)</th><th class=\"num\">endpoints</th><th class=\"num\">domains</th>"
          "<th>wildcard classes (endpoints)</th><th>patterns (domains)</th>"
          "<th class=\"num\">strict</th></tr></thead><tbody>\n",
          f);
    size_t i;
    const json_t *r;
    json_array_foreach(top, i, r)
        issuer_row(f, "top", i + 1, r, NULL, n_ep, n_dom);
    issuer_row(f, "self_signed", 0, json_object_get(is, "self_signed"),
               "<em>self-signed leaves</em> (issuer = subject, signed by its own key)", n_ep, n_dom);
    issuer_row(f, "unknown", 0, json_object_get(is, "unknown"),
               "<em>unknown</em> (a certificate that could not be parsed)", n_ep, n_dom);
    fprintf(f, "</tbody><tfoot>\n");
    const json_t *others = json_object_get(is, "others");
    char label[128];
    snprintf(label, sizeof(label), "<em>%lld other issuers</em>, merged", jsonl_int(others, "issuers"));
    issuer_row(f, "others", 0, others, label, n_ep, n_dom);
    fputs("</tfoot></table>\n", f);
}

/* ------------------------------------------------------------------ where the lines went */

/* One breakdown: a bar chart of map's values (the key "null" shown as null_label, or left out
 * when null_label is NULL) over den, said in words (of_what), and a table of the same. */
static void lines_block(FILE *f, const char *name, const char *title, const char *of_what,
                        const json_t *map, long long den, const char *null_label)
{
    size_t n;
    struct jsonl_count *kv = jsonl_counts_sorted(map, &n);
    struct svg_bar *bars = xcalloc(n + 1, sizeof(*bars));
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        int is_null = strcmp(kv[i].key, "null") == 0;
        if (is_null && !null_label)
            continue;
        bars[nb++] = (struct svg_bar){.label = is_null ? null_label : kv[i].key, .value = kv[i].n,
                                      .color = is_null ? 9 : (int)nb};
    }
    fprintf(f, "<div class=\"lines\" data-lines=\"%s\" data-denominator=\"%lld\">\n<h3>%s</h3>\n"
               "<p>Each value's share of the ",
            name, den, title);
    svg_put_count(f, den);
    fprintf(f, " %s.</p>\n", of_what);
    if (nb)
        svg_bar_chart(f, title, bars, nb, den, 0);
    else
        fputs("<p class=\"na\">No data.</p>\n", f);
    fputs("<table class=\"defs\"><thead><tr><th>value</th><th class=\"num\">count</th>"
          "<th class=\"num\">share</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < nb; i++) {
        fputs("<tr data-key=\"", f);
        svg_escape(f, bars[i].label == null_label ? "null" : bars[i].label);
        fprintf(f, "\" data-value=\"%lld\"><td><code>", bars[i].value);
        svg_escape(f, bars[i].label);
        fputs("</code></td><td class=\"num\">", f);
        svg_put_count(f, bars[i].value);
        fputs("</td><td class=\"num\">", f);
        percent(f, bars[i].value, den);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n</div>\n", f);
    free(bars);
    free(kv);
}

void html_lines_section(FILE *f, const json_t *s)
{
    const json_t *d = json_object_get(s, "domains"), *e = json_object_get(s, "endpoints");
    long long nd = jsonl_int(d, "total"), ne = jsonl_int(e, "total");
    const json_t *dstatus = json_object_get(d, "by_status");
    long long dup = jsonl_int(dstatus, input_status_str(INPUT_DUPLICATE));
    const json_t *keys = json_object_get(e, "by_key_type");
    long long with_cert = ne - jsonl_int(keys, "null");
    const json_t *pending = json_object_get(json_object_get(json_object_get(s, "meta"), "counts"),
                                            "pending");

    fputs("<h2 id=\"lines\">Where the lines went</h2>\n<p>Every input line that is not blank "
          "or a comment has one domain record; every MX host at each address one endpoint "
          "record. These charts account for all of them, each over the denominator it "
          "names.</p>\n",
          f);
    lines_block(f, "domain-status", "Domains by status", "input lines with a record "
                "(domains.total, duplicates included)", dstatus, nd, "(null)");
    fprintf(f, "<p class=\"lines-dup\" data-lines=\"duplicates\" data-value=\"%lld\" "
               "data-denominator=\"%lld\">",
            dup, nd);
    svg_put_count(f, dup);
    fputs(" of the ", f);
    svg_put_count(f, nd);
    fputs(" lines (", f);
    percent(f, dup, nd);
    fputs(") repeat a domain an earlier line gave: scanned once, by the first line, they count "
          "in this chart only; the patterns, shares, providers and issuers count the ",
          f);
    svg_put_count(f, nd - dup);
    fputs(" domains once each.", f);
    if (json_is_integer(pending) && json_integer_value(pending) > 0) {
        fputs(" Not in any chart: ", f);
        svg_put_count(f, json_integer_value(pending));
        fputs(" input lines without a record (pending.txt).", f);
    }
    fputs("</p>\n", f);
    lines_block(f, "endpoint-status", "Endpoints by status", "endpoint records (endpoints.total)",
                json_object_get(e, "by_status"), ne, "(null)");
    lines_block(f, "key-types", "Key types and sizes", "endpoints that sent a certificate "
                "(endpoints.total less those without one)", keys, with_cert, NULL);
    lines_block(f, "tlsrpt", "TLSRPT result types", "endpoint records (endpoints.total); "
                "(none): no failure to report, or no TLS verdict (no session attempted)",
                json_object_get(e, "by_tlsrpt"), ne, "(none)");
}

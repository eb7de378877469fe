/* html_policy: see html_policy.h. */
#include "html_policy.h"

#include <math.h>
#include <stdlib.h>

#include "classify/policy.h"
#include "core/jsonl.h"
#include "core/util.h"
#include "svg.h"

/* A share as an attribute value, exactly as summary.json holds it; "null" when it is not a
 * number. */
static void share_attr(FILE *f, const char *name, const json_t *v)
{
    if (json_is_number(v))
        fprintf(f, " %s=\"%.15g\"", name, json_number_value(v));
    else
        fprintf(f, " %s=\"null\"", name);
}

/* A share as a percentage ("n/a" when null). */
static void percent(FILE *f, const json_t *v)
{
    char p[16];
    svg_escape(f, svg_format_percent(p, sizeof(p), json_is_number(v) ? json_number_value(v) : NAN));
}

/* A policy's example domains after sign ("+" newly accepted, "−" newly rejected); nothing
 * when there are none. */
static void examples(FILE *f, const char *sign, const json_t *list)
{
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d) {
        fprintf(f, "%s<code>", i ? ", " : sign);
        svg_escape(f, json_string_value(d));
        fputs("</code>", f);
    }
    if (json_array_size(list))
        fputs("<br>", f);
}

void html_policy_section(FILE *f, const json_t *s)
{
    const json_t *pol = json_object_get(s, "policies");
    fputs("<h2 id=\"policies\">Acceptance policies side by side</h2>\n<p>How many domains "
          "with STARTTLS a sender would reach if it checked the primary MX certificate by each "
          "rule. Name rules judge names only, <code>chain-only</code> the chain only; "
          "&#8220;newly&#8221; counts the domains a rule accepts (or rejects) that "
          "<code>strict</code> does not.</p>\n",
          f);
    if (!json_is_object(pol)) {
        fputs("<p class=\"na\">No policy figures in this summary (made by an older "
              "version).</p>\n",
              f);
        return;
    }
    struct svg_bar bars[POLICY_COUNT];
    long long N = 0;
    for (int p = 0; p < POLICY_COUNT; p++) {
        const json_t *e = json_object_get(pol, policy_str((enum policy)p));
        bars[p] = (struct svg_bar){.label = policy_str((enum policy)p), .value = jsonl_int(e, "n"),
                                   .color = p == POLICY_STRICT ? 0 : p == POLICY_CHAIN_ONLY ? 4 : 1};
        N = jsonl_int(e, "N") > N ? jsonl_int(e, "N") : N;
    }
    if (N > 0)
        svg_bar_chart(f, "Domains accepted by each policy", bars, POLICY_COUNT, N, 0);
    fputs("<table class=\"policies\"><thead><tr><th>policy</th><th>accepts when</th>"
          "<th class=\"num\">share</th><th class=\"num\">domains</th>"
          "<th class=\"num\">newly accepted</th><th class=\"num\">newly rejected</th>"
          "<th>for example</th></tr></thead><tbody>\n",
          f);
    for (int p = 0; p < POLICY_COUNT; p++) {
        const char *w = policy_str((enum policy)p);
        const json_t *e = json_object_get(pol, w);
        fprintf(f, "<tr data-policy=\"%s\"", w);
        share_attr(f, "data-value", json_object_get(e, "share"));
        fprintf(f, " data-numerator=\"%lld\" data-denominator=\"%lld\" data-newly-accepted=\"%lld\""
                   " data-newly-rejected=\"%lld\"><td><code>%s</code></td><td>%s</td>"
                   "<td class=\"num\">",
                jsonl_int(e, "n"), jsonl_int(e, "N"), jsonl_int(e, "newly_accepted"),
                jsonl_int(e, "newly_rejected"), w, policy_meaning((enum policy)p));
        percent(f, json_object_get(e, "share"));
        fputs("</td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(e, "n"));
        fputs(" of ", f);
        svg_put_count(f, jsonl_int(e, "N"));
        fputs("</td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(e, "newly_accepted"));
        fputs("</td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(e, "newly_rejected"));
        fputs("</td><td>", f);
        examples(f, "+", json_object_get(e, "examples_newly_accepted"));
        examples(f, "&#8722;", json_object_get(e, "examples_newly_rejected"));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* The policies each provider has a share of, in summary.json's order. */
static const enum policy provider_policies[] = {POLICY_STRICT, POLICY_MULTILABEL, POLICY_RFC9525};

void html_provider_names_section(FILE *f, const json_t *s)
{
    const json_t *prov = json_object_get(s, "providers");
    size_t np = json_array_size(prov);
    fputs("<h2 id=\"provider-names\">Providers: names and policies</h2>\n", f);
    if (!np) {
        fputs("<p class=\"na\">No provider.</p>\n", f);
        return;
    }
    fputs("<p>For each provider, the share of its domains with STARTTLS that "
          "<code>strict</code>, <code>multilabel</code> and <code>rfc9525</code> accept, the "
          "names its certificates present most (with the endpoints presenting each) and its "
          "most common MX host shape: the MX host name with the customer's domain, where the "
          "name embeds it, written <code>{domain}</code>.</p>\n"
          "<table class=\"provider-names\"><thead><tr><th>provider</th>"
          "<th class=\"num\">domains</th>",
          f);
    for (size_t k = 0; k < ARRAY_LEN(provider_policies); k++)
        fprintf(f, "<th class=\"num\">%s</th>", policy_str(provider_policies[k]));
    fputs("<th>presented names</th><th>MX host shape</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < np; i++) {
        const json_t *p = json_array_get(prov, i), *pol = json_object_get(p, "policies");
        const json_t *shape = json_object_get(json_object_get(p, "mx_shape"), "shape");
        fputs("<tr data-provider=\"", f);
        svg_escape(f, json_string_value(json_object_get(p, "provider")));
        fputc('"', f);
        for (size_t k = 0; k < ARRAY_LEN(provider_policies); k++) {
            const char *w = policy_str(provider_policies[k]);
            char attr[32];
            snprintf(attr, sizeof(attr), "data-%s", w);
            share_attr(f, attr, json_object_get(json_object_get(pol, w), "share"));
        }
        fputs(" data-shape=\"", f);
        svg_escape(f, json_string_value(shape));
        fputs("\"><td><code>", f);
        svg_escape(f, json_string_value(json_object_get(p, "provider")));
        fputs("</code></td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(p, "domains"));
        fputs("</td>", f);
        for (size_t k = 0; k < ARRAY_LEN(provider_policies); k++) {
            const json_t *sh = json_object_get(pol, policy_str(provider_policies[k]));
            fputs("<td class=\"num\">", f);
            percent(f, json_object_get(sh, "share"));
            fputs("</td>", f);
        }
        fputs("<td>", f);
        size_t j;
        const json_t *e;
        json_array_foreach(json_object_get(p, "presented_top"), j, e) {
            fputs(j ? ", <code>" : "<code>", f);
            svg_escape(f, json_string_value(json_object_get(e, "name")));
            fputs("</code> (", f);
            svg_put_count(f, jsonl_int(e, "endpoints"));
            fputc(')', f);
        }
        fputs("</td><td>", f);
        if (json_is_string(shape)) {
            fputs("<code>", f);
            svg_escape(f, json_string_value(shape));
            fputs("</code> (", f);
            svg_put_count(f, jsonl_int(json_object_get(p, "mx_shape"), "domains"));
            fputs(" domains)", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* html_policy: the sections of report.html about acceptance policies and what providers
 * present: the named policies side by side (summary.json `policies`) and the providers'
 * policy shares, most common presented names and MX host shapes (`providers[].policies`,
 * `presented_top`, `mx_shape`). Read from summary.json only; nothing recomputed.
 *
 * For a test to check the page against summary.json, each policy's row carries data-policy
 * (its word), data-value (the share as summary.json holds it, "null" without denominator),
 * data-numerator (n), data-denominator (N: attribute names are case-insensitive),
 * data-newly-accepted and data-newly-rejected; each provider's row
 * data-provider (the name, escaped) and data-strict, data-multilabel, data-rfc9525 (shares,
 * "null" when null), data-shape. Every text from the data (provider names, presented names,
 * shapes) is escaped by svg_escape(). */
#ifndef MXS_HTML_POLICY_H
#define MXS_HTML_POLICY_H
#include <stdio.h>

#include <jansson.h>

/* The policies section (h2 id "policies"). */
void html_policy_section(FILE *f, const json_t *summary);

/* The providers' names and policies (h2 id "provider-names"). */
void html_provider_names_section(FILE *f, const json_t *summary);

#endif

/* html_lines: two parts of report.html (html.c calls them in one block, after the providers):
 *
 *   - "Issuers": summary.json `issuers` as a table, a row per CA of `top` (issuer O and CN,
 *     endpoints and their share of the endpoints with a certificate, domains served and their
 *     share, wildcard classes, patterns, the strict share), then the self-signed, unknown and
 *     other rows; each row a <tr data-issuer="top|self_signed|unknown|others"> with its figures
 *     in data-endpoints, data-domains, data-strict-numerator and data-strict-denominator;
 *   - "Where the lines went": domain statuses (input lines), endpoint statuses, key types and
 *     sizes, TLSRPT result types and duplicates, each a chart whose denominator is stated in
 *     words and in its box's data-denominator (<div class="lines" data-lines="NAME"
 *     data-denominator="N">, a <tr data-key="VALUE" data-value="COUNT"> per value).
 *
 * Everything is read from summary.json (docs/schema.md), nothing recomputed from records;
 * every text from the data (issuer names: a certificate's own octets; map keys) goes through
 * svg_escape(). */
#ifndef MXS_HTML_LINES_H
#define MXS_HTML_LINES_H
#include <stdio.h>

#include <jansson.h>

void html_issuers_section(FILE *f, const json_t *summary);
void html_lines_section(FILE *f, const json_t *summary);

#endif

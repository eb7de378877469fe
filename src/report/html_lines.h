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
 * svg_escape(). html_mix, the maps of counts in words, serves the other sections too
 * (html_enforce.c). */
#ifndef MXS_HTML_LINES_H
#define MXS_HTML_LINES_H
#include <stdio.h>

#include <jansson.h>

void html_issuers_section(FILE *f, const json_t *summary);
/* A map of counts in words, most first then by key, each key escaped in <code>: "none 3,
 * leftmost 1"; "none" (greyed) when the map is empty or not an object. */
void html_mix(FILE *f, const json_t *map);
void html_lines_section(FILE *f, const json_t *summary);

#endif

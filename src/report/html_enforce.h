/* html_enforce: report.html's section "Policies a sender enforces" (summary.json `enforcement`,
 * docs/schema.md): the adoption and outcome shares each with its denominator in words
 * (DNSSEC-signed MX, DANE present and passing, MTA-STS by mode, fetch failures, MX hosts not
 * covered, would fail, TLSRPT present), the policies a sender would enforce (domains, and the
 * share it would deliver to), the DANE verdicts of the endpoints, the MTA-STS and TLSRPT
 * statuses, and the naming pattern × MTA-STS outcome cross-tab (the Postini case). Read from
 * summary.json only; nothing recomputed. No section at all when `enforcement` is null or absent
 * (policy lookups off, or a summary made before them).
 *
 * For a test to check the page against summary.json: each share's row is <tr data-share=NAME
 * data-numerator=N data-denominator=D data-value=SHARE ("null" without denominator)>, each
 * policy's <tr data-policy-name=WORD data-domains data-delivers>, each cross-tab cell
 * <td data-pattern data-outcome data-value>. Every text from the data (patterns, outcome and
 * status words: map keys) is escaped by svg_escape(). */
#ifndef MXS_HTML_ENFORCE_H
#define MXS_HTML_ENFORCE_H
#include <stdio.h>

#include <jansson.h>

/* The section (h2 id "enforcement"), or nothing. */
void html_enforce_section(FILE *f, const json_t *summary);

#endif

/* html: DIR/report.html, the figures of DIR/summary.json as one self-contained web page: run
 * metadata, headline shares, charts (inline SVG from svg.c) of patterns, wildcard classes,
 * trust failures and TLS versions, and the largest providers with their pattern mix.
 *
 * The page needs nothing else: no script, no external style sheet, font, image or fetch; it
 * reads the same offline. Every piece of text that comes from the data (provider names,
 * option values, map keys) is escaped by svg_escape(). Each headline figure carries
 * data-metric (domains, endpoints, starttls, strict, multilabel_accepted, valid_chain,
 * rfc9525) and data-value (the count, or the share exactly as summary.json holds it; "null"
 * for a share without denominator), plus data-numerator and data-denominator for shares, so
 * a test can check the page against summary.json. */
#ifndef MXS_HTML_H
#define MXS_HTML_H
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Writes the page for summary (a summary.json object; missing members show as "n/a") to f. */
void html_render(FILE *f, const json_t *summary);

/* Reads DIR/summary.json and writes DIR/report.html atomically. Returns SUMMARY_OK (0),
 * SUMMARY_INPUT_ERROR (summary.json missing, unreadable or not a JSON object) or
 * SUMMARY_WRITE_ERROR (summary.h), with the reason in err. */
int html_write(const char *dir, char *err, size_t errlen);

#endif

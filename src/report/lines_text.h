/* lines_text: "where the lines went" in the text a scan and `report` print at the end
 * (cmd/report.c's report_print, after the headline shares): every domain record by status and
 * every endpoint record by status, each with its total, from summary.json (the page's section
 * of the same name, html_lines.h, draws them). Two lines:
 *
 *     domains by status: 53 (ok 40, invalid 5, nxdomain 3, ...; duplicate 1: counted once)
 *     endpoints by status: 47 (ok 30, timeout 3, ...)
 *
 * Values most first, then in byte order; map keys are data (a hand-written summary.json could
 * hold anything), so they are printed with their control characters as \xHH. */
#ifndef MXS_LINES_TEXT_H
#define MXS_LINES_TEXT_H
#include <stdio.h>

#include <jansson.h>

void lines_text_print(FILE *f, const json_t *summary);

#endif

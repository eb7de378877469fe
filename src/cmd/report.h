/* report: `mxsurvey report DIR`, and the figures and files it, `mxsurvey scan` and `mxsurvey
 * merge` print at the end (report_print, report_files). */
#ifndef MXS_REPORT_H
#define MXS_REPORT_H
#include <stdio.h>

#include "report/out_csv.h"

int cmd_report(int argc, char **argv);

/* Prints to f, for a person, what a command just wrote into the scan folder dir: a line
 * "<prog>: N domains, N endpoints", the five headline shares of dir/summary.json, each as a
 * percentage (one decimal) with numerator/denominator, exactly summary.json's figures, then
 * "files in DIR:" and one line per file: dir/<name> for each of files (NULL-terminated), and
 * "dir/chains/ (N files)" when chains >= 0. Returns 0, or -1 (printing nothing) when
 * summary.json cannot be read. */
int report_print(FILE *f, const char *prog, const char *dir, const char *const *files,
                 long chains);

/* The size of a list report_files fills: every file it names, an extra one, and the NULL. */
#define REPORT_FILES_MAX (CSV_NTABLES + 8)

/* Fills files (REPORT_FILES_MAX entries) with the names report_print lists, in its order,
 * NULL-terminated: with records (scan, merge) hosts.jsonl, domains.jsonl and run.json, then
 * always summary.json, the CSVs and report.html, then extra when it is not NULL (scan's
 * pending.txt). One list for every command, so that they name the same files alike. */
void report_files(const char **files, int records, const char *extra);

#endif

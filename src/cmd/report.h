/* report: `mxsurvey report DIR`, and the figures both it and `mxsurvey scan` print at the end
 * (report_print). */
#ifndef MXS_REPORT_H
#define MXS_REPORT_H
#include <stdio.h>

int cmd_report(int argc, char **argv);

/* Prints to f, for a person, what a command just wrote into the scan folder dir: a line
 * "<prog>: N domains, N endpoints", the five headline shares of dir/summary.json, each as a
 * percentage (one decimal) with numerator/denominator, exactly summary.json's figures, then
 * "files in DIR:" and one line per file: dir/<name> for each of files (NULL-terminated), and
 * "dir/chains/ (N files)" when chains >= 0. Returns 0, or -1 (printing nothing) when
 * summary.json cannot be read. */
int report_print(FILE *f, const char *prog, const char *dir, const char *const *files,
                 long chains);

#endif

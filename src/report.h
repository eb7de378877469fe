/* report: the `mxsurvey report DIR` subcommand (report.c). */
#ifndef MXS_REPORT_H
#define MXS_REPORT_H

/* argv[0] = "report". Returns an exit code: 0 summary.json written, 1 it could not be
 * written, 2 usage error, or a missing/unreadable folder or file, or a malformed line. */
int cmd_report(int argc, char **argv);

#endif

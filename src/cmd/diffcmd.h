/* diffcmd: `mxsurvey diff [OPTIONS] OLD_DIR NEW_DIR` (report/diff.h compares the folders). */
#ifndef MXS_DIFFCMD_H
#define MXS_DIFFCMD_H

/* argv[0] = "diff". Returns a diff_status (report/diff.h) as the exit code: 0 nothing changed,
 * 1 something changed, 2 usage error or any failure. */
int cmd_diff(int argc, char **argv);

#endif

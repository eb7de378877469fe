/* matchcmd: `mxsurvey match CERT_FILE NAME...`: the scan's name checks (match.h, classify.h)
 * on one certificate file, for people and for tests of the matching rules. */
#ifndef MXS_MATCHCMD_H
#define MXS_MATCHCMD_H

/* argv[0] is "match". Returns the exit code: 0 when it ran (whatever matched), 2 on a usage
 * error or a certificate that cannot be read or parsed. */
int cmd_match(int argc, char **argv);

#endif

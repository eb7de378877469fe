/* trendcmd: `mxsurvey trend [OPTIONS] SCANDIR...` (report/trend.h does the work). */
#ifndef MXS_TRENDCMD_H
#define MXS_TRENDCMD_H

/* argv[0] = "trend". Writes trend.csv and trend.svg into --out (default "."). Returns an exit
 * code: 0 written, 1 they could not be written, 2 usage error, no SCANDIR, or a folder that is
 * missing or unreadable (its summary.json, or the JSONL files it is made from). */
int cmd_trend(int argc, char **argv);

#endif

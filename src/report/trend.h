/* trend: the `mxsurvey trend [--out DIR] SCANDIR...` subcommand (trend.c). */
#ifndef MXS_TREND_H
#define MXS_TREND_H

/* argv[0] = "trend". Writes trend.csv and trend.svg into --out (default "."). Returns an exit
 * code: 0 written, 1 they could not be written, 2 usage error, no SCANDIR, or a folder that is
 * missing or unreadable (its summary.json, or the JSONL files it is made from). */
int cmd_trend(int argc, char **argv);

#endif

/* outdir: see outdir.h. */
#include "outdir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_words[] = {
    [OUTDIR_NONE] = NULL, [OUTDIR_SCAN] = "scan", [OUTDIR_DIFF] = "diff", [OUTDIR_TREND] = "trend"};
static const char *const markers[] = {
    [OUTDIR_NONE] = NULL, [OUTDIR_SCAN] = "run.json", [OUTDIR_DIFF] = "diff.json",
    [OUTDIR_TREND] = "trend.csv"};

const char *outdir_kind_str(enum outdir_kind k)
{
    return kind_words[k];
}

const char *outdir_marker(enum outdir_kind k)
{
    return markers[k];
}

enum outdir_kind outdir_kind_of(const char *dir)
{
    char path[4200];
    for (enum outdir_kind k = OUTDIR_SCAN; k <= OUTDIR_TREND; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, markers[k]);
        if (access(path, F_OK) == 0)
            return k;
    }
    return OUTDIR_NONE;
}

int outdir_check(const char *dir, enum outdir_kind kind, char *err, size_t errlen)
{
    enum outdir_kind has = outdir_kind_of(dir);
    if (has == OUTDIR_NONE || has == kind)
        return 0;
    snprintf(err, errlen, "%.2000s holds %s output (%s), not %s output: choose another folder", dir,
             kind_words[has], markers[has], kind_words[kind]);
    return -1;
}

int outdir_make(const char *dir, char *made, size_t madelen)
{
    char buf[4096];
    made[0] = '\0';
    if (strlen(dir) >= sizeof(buf))
        return -ENAMETOOLONG;
    snprintf(buf, sizeof(buf), "%s", dir);
    for (char *p = buf + 1;; p++) {
        if (*p && *p != '/')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) == 0) {
            if (!made[0])
                snprintf(made, madelen, "%s", buf);
        } else if (errno != EEXIST) {
            return -errno;
        }
        *p = c;
        if (!c)
            break;
    }
    return 0;
}

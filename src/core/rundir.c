/* rundir: see rundir.h. */
#include "rundir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

enum rundir_state rundir_state(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    struct stat st;
    if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
        return RUNDIR_NO_RUN_JSON;
    json_error_t je;
    json_t *run = json_load_file(path, 0, &je);
    if (!json_is_object(run)) {
        if (run)
            snprintf(err, errlen, "%s: not a JSON object", path);
        else
            snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        json_decref(run);
        return RUNDIR_ERROR;
    }
    const json_t *fin = json_object_get(run, "finished");
    enum rundir_state st_ = fin && json_is_null(fin) ? RUNDIR_UNFINISHED : RUNDIR_FINISHED;
    json_decref(run);
    if (st_ == RUNDIR_UNFINISHED)
        snprintf(err, errlen, "%s is an unfinished scan: its run.json says \"finished\": null "
                              "(the scan is still running, or it was killed or could not "
                              "write its end), so its records are incomplete", dir);
    return st_;
}

/* rundir: is a scan folder finished? `mxsurvey scan` writes run.json first with
 * "finished": null and rewrites it with the end time once every record is out, before it
 * writes summary.json and the reports. A folder whose run.json still says "finished": null is
 * therefore a scan still being written, or one that was killed (SIGKILL, a crash, the machine
 * going down) or could not write its end (a full disk): the two look the same from outside, and
 * neither holds complete records. `report` and `diff` refuse such a folder, `trend` skips it.
 * A run.json without the member at all, or no run.json, is not a scan in progress (a folder
 * made by hand or by other tools): it counts as finished.
 *
 * Ownership: nothing is kept; each call reads DIR/run.json anew. */
#ifndef MXS_RUNDIR_H
#define MXS_RUNDIR_H
#include <stddef.h>

enum rundir_state {
    RUNDIR_FINISHED,   /* run.json has a "finished" time (or no such member) */
    RUNDIR_NO_RUN_JSON, /* there is no DIR/run.json (or no DIR: the caller says so) */
    RUNDIR_UNFINISHED, /* run.json says "finished": null; err says what that means */
    RUNDIR_ERROR,      /* run.json cannot be read or is not a JSON object; err says why */
};

/* The state of the scan folder dir; for RUNDIR_UNFINISHED and RUNDIR_ERROR a message naming
 * the folder in err. */
enum rundir_state rundir_state(const char *dir, char *err, size_t errlen);

#endif

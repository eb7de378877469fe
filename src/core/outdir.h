/* outdir: the output folders of `scan`, `diff` and `trend` (--out), made and checked one way.
 * Each command writes one kind of output, and a folder's kind is told by its marker file:
 * a scan folder holds run.json (and may hold the diff of itself, as scripts/nightly writes
 * it), a diff folder diff.json, a trend folder trend.csv. A command refuses a folder of
 * another kind, so `diff --out` never drops its files among a scan's records nor `scan --out`
 * its records among a diff's; `report` writes into the scan folder it reads and has no --out.
 * A missing folder is made with all its parents (mkdir -p). */
#ifndef MXS_OUTDIR_H
#define MXS_OUTDIR_H
#include <stddef.h>

enum outdir_kind {
    OUTDIR_NONE,  /* missing, empty, or holding no marker */
    OUTDIR_SCAN,  /* run.json */
    OUTDIR_DIFF,  /* diff.json */
    OUTDIR_TREND, /* trend.csv */
};

/* "scan", "diff", "trend" (NULL for OUTDIR_NONE: no kind, no word). */
const char *outdir_kind_str(enum outdir_kind k);
/* The kind's marker file name ("run.json", ...; NULL for OUTDIR_NONE). */
const char *outdir_marker(enum outdir_kind k);

/* The kind of what dir holds, by the first marker found in the order scan, diff, trend. */
enum outdir_kind outdir_kind_of(const char *dir);

/* 0 when dir may take output of kind: missing, or a folder whose kind is OUTDIR_NONE or kind.
 * -1 with err ("reports/x holds a scan (run.json), not diff output: choose another folder")
 * otherwise. Makes nothing. */
int outdir_check(const char *dir, enum outdir_kind kind, char *err, size_t errlen);

/* Makes dir and every missing parent (mode 0755 before the umask). made gets the first folder
 * this call created ("" when none: it existed), so a caller can undo it. 0, or -errno. */
int outdir_make(const char *dir, char *made, size_t madelen);

#endif

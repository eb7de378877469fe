/* scanfs: what `mxsurvey scan` checks and makes on disk before the scan starts, and undoes when
 * the start fails. The rule it serves: a scan that cannot start (exit 2) leaves nothing behind,
 * so every check comes before anything is made, and what was made is removed when making the
 * rest fails. Messages say what is wrong in words.
 *
 * Ownership: plain functions; paths are the caller's. */
#ifndef MXS_SCANFS_H
#define MXS_SCANFS_H
#include <stddef.h>

/* The domain list: "-" (standard input) or a regular file that can be opened for reading.
 * Returns 0, or -1 with err set ("cannot open FILE: ...", "FILE is a directory, ..."). */
int scanfs_check_input(const char *path, char *err, size_t errlen);

/* The output folder: an existing folder that can be written into, or one that can be made
 * (its nearest existing parent is a folder that can be written into). Creates nothing.
 * Returns 0, or -1 with err set. */
int scanfs_check_out(const char *dir, char *err, size_t errlen);

/* Creates dir and its missing parents; made (madelen octets) gets the top-most folder this
 * call created, "" when dir existed. Returns 0, or -errno. */
int scanfs_make_out(const char *dir, char *made, size_t madelen);

/* Undoes a failed start in dir: removes run.json, hosts.jsonl and domains.jsonl when empty
 * (a file with records is never removed), chains/ when empty, then the folders from dir up to
 * made (as scanfs_make_out gave it) when empty. */
void scanfs_undo(const char *dir, const char *made);

/* Copies standard input to a new temporary file in $TMPDIR (default /tmp; path gets its
 * name; the caller removes it), so that reading the list never blocks the scan's event loop.
 * SIGINT and SIGTERM must be blocked by the caller. Returns 0 when the copy is whole, -1 when
 * reading or writing failed (err says which and why: a full TMPDIR is never a silently cut
 * list), 1 when a stop signal came first (it stays pending; err says so); on -1 and 1
 * nothing is left behind. */
int scanfs_spool_stdin(char *path, size_t pathlen, char *err, size_t errlen);

/* Takes the scan's lock on the folder dir (flock on the folder itself, held as long as the
 * returned descriptor is open: a killed scan's lock goes with it), so that two scans never
 * write one folder (scan --resume of a folder still being written is refused). Returns the
 * descriptor, or -1 with err set ("another scan is writing DIR"). */
int scanfs_lock(const char *dir, char *err, size_t errlen);

#endif

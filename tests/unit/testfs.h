/* testfs: helpers the unit tests share: temporary folders and the files in them, JSON files,
 * the tables of docs/schema.md, and running a subcommand's cmd_* with an argument list.
 * Failures that the tests used to report themselves are reported with CHECK (test.h): a file
 * that cannot be created for writing, a docs/schema.md that cannot be opened. Paths are
 * built in 512-byte buffers. Defines no TEST. */
#ifndef MXS_TESTFS_H
#define MXS_TESTFS_H
#include <stdio.h>

#include <jansson.h>

/* ------------------------------------------------------------------ folders and files */

/* A new folder /tmp/<prefix>-XXXXXX (mkdtemp); NULL on failure. Caller frees the string. */
char *tfs_mkdtemp(const char *prefix);
/* Removes dir and everything below it (symbolic links are removed, not followed). Returns
 * the number of regular files removed, -1 when anything could not be read or removed. */
int tfs_rmtree(const char *dir);
/* The number of entries in dir, not counting . and .. (0 when it cannot be read). */
int tfs_count_files(const char *dir);
/* 1 when dir/name exists. */
int tfs_exists(const char *dir, const char *name);
/* unlink(dir/name); its result. */
int tfs_unlink(const char *dir, const char *name);
/* fopen(dir/name, mode); NULL on failure, with no CHECK. */
FILE *tfs_fopen(const char *dir, const char *name, const char *mode);

/* Writes text to dir/name as it is; CHECKs that the file could be created. */
void tfs_write(const char *dir, const char *name, const char *text);
/* Writes the lines of a hand-written fixture (NULL-terminated) to dir/name, each followed by
 * "\n", in fixture quoting: every ' is written as " (so \' becomes \"). CHECKs that the file
 * could be created. */
void tfs_write_lines(const char *dir, const char *name, const char *const *lines);
/* s in fixture quoting with every ' turned into ". Caller frees. */
char *tfs_unquote(const char *s);
/* The whole of dir/name, NUL-terminated (caller frees); NULL when it cannot be opened. */
char *tfs_read(const char *dir, const char *name);

/* ------------------------------------------------------------------ certificates */

struct cert_info;
/* The first certificate of a PEM (or DER) file as cert.c reads it; NULL, with a message on
 * stderr, when the file cannot be read or parsed. Caller frees with cert_info_free. */
struct cert_info *tfs_load_cert(const char *path);

/* ------------------------------------------------------------------ JSON and docs/schema.md */

/* dir/name parsed as JSON (caller decrefs); NULL, with the parse error on stderr, otherwise. */
json_t *tfs_load_json(const char *dir, const char *name);
/* The value at a dotted path of root ("domains.by_pattern.mx-exact"), or NULL; keys holding
 * dots need json_object_get. */
json_t *tfs_json_at(json_t *root, const char *path);
/* The integer at path, or -1 when it is missing or not an integer (which is said on stderr). */
long long tfs_json_int(json_t *root, const char *path);
/* The backticked names in the first column of the table rows of docs/schema.md's section
 * "## <section>" (the header line exactly), in order, as a JSON array (caller decrefs). */
json_t *tfs_schema_names(const char *section);
/* The first backticked name of each such row, in order, joined by ','. Caller frees. */
char *tfs_schema_columns(const char *section);
/* CHECKs that the keys of the object have are exactly the names in the array documented,
 * printing each key file has that is not documented and each documented one it lacks. */
void tfs_check_documented(json_t *have, json_t *documented, const char *file);
/* Adds the key paths of v under prefix to set ("a.b", arrays as "a[].b", every element
 * walked); a path for which stop(prefix) returns 1 is recorded but not descended into. */
void tfs_key_paths(json_t *v, const char *prefix, json_t *set, int (*stop)(const char *prefix));

/* ------------------------------------------------------------------ commands and errors */

typedef int (*tfs_cmd_fn)(int argc, char **argv);
/* cmd(argc + 1, {name, args[0], ..., args[argc - 1], NULL}): the subcommand's exit code. The
 * strings are passed as they are (no cmd_* writes to them). At most 30 arguments. */
int tfs_runv(tfs_cmd_fn cmd, const char *name, int argc, const char *const *args);
/* The same with the arguments given up to the first NULL, which must be there. */
int tfs_run(tfs_cmd_fn cmd, const char *name, ...);

/* CHECKs that err holds needle; prints both otherwise. */
void tfs_check_err(const char *err, const char *needle);

#endif

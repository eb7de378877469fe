/* output: the peers that turn records (JSON objects from record.c) into files. Each output is
 * a table of callbacks filled by field name; the scheduler calls them as records complete, in
 * completion order. */
#ifndef MXS_OUTPUT_H
#define MXS_OUTPUT_H
#include <jansson.h>

struct output_ops {
    const char *name;
    /* Creates the output's files in dir (which exists), or with append (scan --resume) opens
     * the files there to go on writing them. Returns 0 and sets *state, or -errno with a
     * message in err. */
    int (*open)(void **state, const char *dir, int append, char *err, size_t errlen);
    /* One endpoint record (hosts.jsonl schema); borrowed. Returns 0 or -errno. */
    int (*endpoint)(void *state, json_t *rec);
    /* One domain record (domains.jsonl schema); borrowed. Returns 0 or -errno. */
    int (*domain)(void *state, json_t *rec);
    /* Writes what waits (the scheduler calls it at a bounded interval). Returns 0 or -errno. */
    int (*flush)(void *state);
    /* Flushes and closes; frees state. Returns 0 or the first -errno seen. */
    int (*close)(void *state);
};

extern const struct output_ops out_jsonl_ops;

#endif

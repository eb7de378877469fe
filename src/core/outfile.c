/* outfile: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_create(struct outfile *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    int n1 = snprintf(o->path, sizeof(o->path), "%s", path);
    int n2 = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX", dirlen, path,
                      slash ? slash + 1 : path);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(o->path) || (size_t)n2 >= sizeof(o->tmp)) {
        o->tmp[0] = '\0';
        return -ENAMETOOLONG;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        o->tmp[0] = '\0';
        return -e;
    }
    if (fchmod(fd, 0644) < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
        return -e;
    }
    return 0;
}

int outfile_error(const struct outfile *o, int e, char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
    return -1;
}

int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    char path[sizeof(o->path)];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* The temporary name, DIR/.NAME.XXXXXX, is the longer by 8. */
    if (n < 0 || (size_t)n + 8 >= sizeof(o->tmp)) {
        snprintf(err, errlen, "cannot write %s/%s: path too long", dir, name);
        return -1;
    }
    int e = outfile_create(o, path);
    return e < 0 ? outfile_error(o, -e, err, errlen) : 0;
}

/* Flushes, fsyncs and closes o->f; the temporary file stays. Returns 0 or -errno. */
static int outfile_close(struct outfile *o)
{
    errno = 0;
    int bad = ferror(o->f) || fflush(o->f) != 0 || (!o->no_fsync && fsync(fileno(o->f)) < 0);
    int e = bad ? (errno ? errno : EIO) : 0; /* a stream error seen earlier leaves no errno */
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    return -e;
}

int outfile_finish(struct outfile *const *o, size_t n, struct outfile **failed)
{
    struct outfile *bad = NULL;
    int e = 0;
    for (size_t i = 0; i < n && !bad; i++)
        if ((e = outfile_close(o[i])) < 0)
            bad = o[i];
    for (size_t i = 0; i < n && !bad; i++) {
        if (rename(o[i]->tmp, o[i]->path) < 0) {
            e = -errno;
            bad = o[i];
        } else {
            o[i]->tmp[0] = '\0';
        }
    }
    if (!bad)
        return 0;
    for (size_t i = 0; i < n; i++)
        outfile_abort(o[i]);
    if (failed)
        *failed = bad;
    return e;
}

int outfile_commit_all(struct outfile *const *o, size_t n, char *err, size_t errlen)
{
    struct outfile *bad;
    int e = outfile_finish(o, n, &bad);
    return e < 0 ? outfile_error(bad, -e, err, errlen) : 0;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
    return outfile_commit_all(&o, 1, err, errlen);
}

void outfile_abort(struct outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = '\0';
}

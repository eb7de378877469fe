/* outfile: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    int n1 = snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
    int n2 = snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.XXXXXX", dir, name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(o->path) || (size_t)n2 >= sizeof(o->tmp)) {
        snprintf(err, errlen, "cannot write %s/%s: path too long", dir, name);
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0)
        goto fail;
    if (fchmod(fd, 0644) < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        errno = e;
        goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
    o->f = NULL;
    return -1;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
    errno = 0;
    int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) < 0;
    int e = bad && errno ? errno : EIO; /* a stream error seen earlier leaves no errno */
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (!bad && rename(o->tmp, o->path) < 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(o->tmp);
        snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
        return -1;
    }
    return 0;
}

void outfile_abort(struct outfile *o)
{
    if (!o->f)
        return;
    fclose(o->f);
    o->f = NULL;
    unlink(o->tmp);
}

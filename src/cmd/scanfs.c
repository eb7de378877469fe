/* scanfs: see scanfs.h. */
#include "scanfs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outdir.h"

int scanfs_check_input(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return 0;
    /* O_NONBLOCK: opening a FIFO with no writer must not hang the check. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        rc = -1;
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot open %s: it is a directory, not a domain list", path);
        rc = -1;
    }
    close(fd);
    return rc;
}

/* 0 when path is a folder this process can create entries in; else -1 with err set. */
static int writable_dir(const char *path, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "cannot create %s: %s: %s", dir, path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (strcmp(path, dir) == 0)
            snprintf(err, errlen, "output folder %s exists and is not a directory", dir);
        else
            snprintf(err, errlen, "cannot create %s: %s is not a directory", dir, path);
        return -1;
    }
    /* access() also says EROFS for a read-only file system, which permissions do not show
     * (and root passes every permission check). */
    if (access(path, W_OK | X_OK) < 0) {
        if (strcmp(path, dir) == 0)
            snprintf(err, errlen, "cannot write into the output folder %s: %s", dir, strerror(errno));
        else
            snprintf(err, errlen, "cannot create %s: cannot write into %s: %s", dir, path,
                     strerror(errno));
        return -1;
    }
    return 0;
}

int scanfs_check_out(const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    if (!*dir || strlen(dir) >= sizeof(buf)) {
        snprintf(err, errlen, "output folder '%.200s': %s", dir, !*dir ? "empty name" : strerror(ENAMETOOLONG));
        return -1;
    }
    /* An existing folder of another kind of output (a diff's, a trend's) is refused. */
    if (outdir_check(dir, OUTDIR_SCAN, err, errlen) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "%s", dir);
    for (;;) {
        size_t n = strlen(buf);
        while (n > 1 && buf[n - 1] == '/')
            buf[--n] = '\0';
        struct stat st;
        if (stat(buf, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
            return writable_dir(buf, dir, err, errlen);
        /* Missing: the parent must let us make it. */
        char *slash = strrchr(buf, '/');
        if (!slash)
            snprintf(buf, sizeof(buf), ".");
        else if (slash == buf)
            buf[1] = '\0'; /* "/" */
        else
            *slash = '\0';
    }
}

int scanfs_make_out(const char *dir, char *made, size_t madelen)
{
    return outdir_make(dir, made, madelen); /* as diff and trend make theirs */
}

/* Removes dir/name when it is an empty regular file. */
static void unlink_empty(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        unlink(path);
}

void scanfs_undo(const char *dir, const char *made)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    unlink(path); /* ours: written by this start */
    unlink_empty(dir, "hosts.jsonl");
    unlink_empty(dir, "domains.jsonl");
    snprintf(path, sizeof(path), "%s/chains", dir);
    rmdir(path);
    if (!made || !made[0])
        return;
    /* From dir up to the top-most folder made: rmdir refuses any that is not empty. */
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", dir);
    size_t top = strlen(made);
    for (;;) {
        size_t n = strlen(buf);
        while (n > 1 && buf[n - 1] == '/')
            buf[--n] = '\0';
        if (n < top || rmdir(buf) < 0 || n == top)
            return;
        char *slash = strrchr(buf, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) /* a short write is followed by the error (ENOSPC); none at all is EIO */
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int scanfs_spool_stdin(char *path, size_t pathlen, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, pathlen, "%s/mxsurvey-stdin-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot copy standard input to a temporary file: cannot create "
                              "%s: %s", path, strerror(errno));
        path[0] = '\0';
        return -1;
    }
    /* Readable while a stop signal is pending; never read, so the signal stays pending. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    int sfd = signalfd(-1, &stops, SFD_CLOEXEC | SFD_NONBLOCK);
    char buf[65536];
    int rc = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, sfd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read standard input: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (sfd >= 0 && (p[1].revents & POLLIN)) {
            /* Stopped before the list was whole: nothing is scanned (a cut last line must
             * never be read as a domain), nothing is left behind. */
            snprintf(err, errlen, "interrupted while reading standard input: nothing scanned");
            rc = 1;
            break;
        }
        ssize_t r = read(0, buf, sizeof(buf));
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read standard input: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        int w = write_all(fd, buf, (size_t)r);
        if (w < 0) {
            snprintf(err, errlen, "cannot copy standard input to %s: %s (TMPDIR chooses the "
                                  "folder)", path, strerror(-w));
            rc = -1;
            break;
        }
    }
    if (sfd >= 0)
        close(sfd);
    if (close(fd) < 0 && rc == 0) {
        snprintf(err, errlen, "cannot copy standard input to %s: %s (TMPDIR chooses the folder)",
                 path, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(path);
        path[0] = '\0';
    }
    return rc;
}

int scanfs_lock(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            snprintf(err, errlen, "another scan is writing %s (it holds the folder's lock)", dir);
        else
            snprintf(err, errlen, "cannot lock %s: %s", dir, strerror(e));
        return -1;
    }
    return fd;
}

/* stagefs: a survey folder's markers, locks, shard files and option check (stagefs.h). */
#include "stagefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outfile.h"
#include "sched/resume.h"
#include "core/util.h"

/* Shard counts a survey's markers may name (--shard's N: 1-1000000). */
#define STAGEFS_MAX_SHARDS 1000000u

void stagefs_marker_path(char *buf, size_t len, const char *dir, const char *stage, unsigned i,
                         unsigned n)
{
    if (strcmp(stage, "merge") == 0)
        snprintf(buf, len, "%s/done/merge.json", dir);
    else
        snprintf(buf, len, "%s/done/%s.%u-of-%u.json", dir, stage, i, n);
}

int stagefs_done(const char *dir, const char *stage, unsigned i, unsigned n)
{
    char path[4400];
    struct stat st;
    stagefs_marker_path(path, sizeof(path), dir, stage, i, n);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int make_done_dir(const char *dir, char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/done", dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) { /* another shard made it: fine */
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int stagefs_mark(const char *dir, const char *stage, unsigned i, unsigned n, json_t *rec,
                 char *err, size_t errlen)
{
    char path[4400], name[128];
    if (make_done_dir(dir, err, errlen) < 0)
        return -1;
    stagefs_marker_path(path, sizeof(path), dir, stage, i, n);
    snprintf(name, sizeof(name), "%s", strrchr(path, '/') + 1);
    snprintf(path, sizeof(path), "%s/done", dir);
    struct outfile o;
    if (outfile_open(&o, path, name, err, errlen) < 0)
        return -1;
    errno = 0;
    if (json_dumpf(rec, o.f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) < 0 ||
        fputc('\n', o.f) == EOF) {
        outfile_error(&o, errno ? errno : EIO, err, errlen);
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, errlen);
}

unsigned stagefs_complete(const char *dir, const char *stage, char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/done", dir);
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "no %s shard has finished in %s (%s: %s)", stage, dir, path,
                 strerror(errno));
        return 0;
    }
    unsigned n = 0, found = 0;
    unsigned char *seen = NULL;
    size_t slen = strlen(stage);
    struct dirent *e;
    err[0] = '\0';
    while ((e = readdir(d))) {
        unsigned i, m;
        char tail[8];
        if (strncmp(e->d_name, stage, slen) != 0 || e->d_name[slen] != '.' ||
            sscanf(e->d_name + slen + 1, "%u-of-%u.jso%1[n]", &i, &m, tail) != 3 || m == 0 ||
            m > STAGEFS_MAX_SHARDS || i >= m)
            continue;
        if (n && m != n) {
            snprintf(err, errlen, "%s holds markers of %u and of %u %s shards: remove the "
                                  "stale ones (and their files) or use another folder",
                     path, n, m, stage);
            break;
        }
        if (!n) {
            n = m;
            seen = xcalloc(n, 1);
        }
        if (!seen[i]) {
            seen[i] = 1;
            found++;
        }
    }
    closedir(d);
    if (!err[0] && !n)
        snprintf(err, errlen, "no %s shard has finished in %s (no %s/%s.I-of-N.json)", stage, dir,
                 path, stage);
    if (!err[0] && found < n) {
        unsigned i = 0;
        while (seen[i])
            i++;
        snprintf(err, errlen, "%s shard %u of %u is not complete (no %s/%s.%u-of-%u.json)%s",
                 stage, i, n, path, stage, i, n,
                 n - found > 1 ? ", nor are others" : "");
    }
    free(seen);
    return err[0] ? 0 : n;
}

json_t *stagefs_read_marker(const char *dir, const char *stage, unsigned i, unsigned n, char *err,
                            size_t errlen)
{
    char path[4400];
    json_error_t je;
    stagefs_marker_path(path, sizeof(path), dir, stage, i, n);
    json_t *m = json_load_file(path, 0, &je);
    if (!m || !json_is_object(m)) {
        snprintf(err, errlen, "cannot read %s: %s", path, m ? "not a JSON object" : je.text);
        json_decref(m);
        return NULL;
    }
    return m;
}

int stagefs_lock(const char *dir, const char *stage, unsigned i, unsigned n, char *err,
                 size_t errlen)
{
    char path[4400];
    if (make_done_dir(dir, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/done/.%s.%u-of-%u.lock", dir, stage, i, n);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "another mxsurvey %s is running shard %u of %u in %s", stage,
                     i, n, dir);
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void stagefs_targets_name(char *buf, size_t len, unsigned i, unsigned n)
{
    if (n == 1)
        snprintf(buf, len, "targets.jsonl");
    else
        snprintf(buf, len, "targets.%u.jsonl", i);
}

void stagefs_hosts_name(char *buf, size_t len, unsigned i)
{
    snprintf(buf, len, "probe/hosts.%u.jsonl", i);
}

int stagefs_same_options(const json_t *first, const json_t *now, char *err, size_t errlen)
{
    char diffs[3000];
    resume_option_diffs(first, now, "in the resolve stage", diffs, sizeof(diffs));
    if (!diffs[0])
        return 0;
    snprintf(err, errlen, "the options that change verdicts must be those the resolve stage "
                          "ran with (only those that set the pace may differ): %s", diffs);
    return -1;
}

int stagefs_concat(const char *dir, const char *const *files, size_t n, const char *out,
                   char *err, size_t errlen)
{
    struct outfile o;
    if (outfile_open(&o, dir, out, err, errlen) < 0)
        return -1;
    char buf[65536];
    for (size_t k = 0; k < n; k++) {
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            outfile_abort(&o);
            return -1;
        }
        size_t got;
        int last = '\n';
        while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
            last = (unsigned char)buf[got - 1];
            if (fwrite(buf, 1, got, o.f) != got) {
                fclose(f);
                outfile_error(&o, errno ? errno : EIO, err, errlen);
                outfile_abort(&o);
                return -1;
            }
        }
        int rerr = ferror(f);
        fclose(f);
        if (rerr || last != '\n') {
            snprintf(err, errlen, rerr ? "cannot read %s" : "%s: its last line is cut (the "
                                                             "shard that wrote it did not finish)",
                     path);
            outfile_abort(&o);
            return -1;
        }
    }
    return outfile_commit(&o, err, errlen);
}

json_t *stagefs_any_marker(const char *dir, const char *stage)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/done", dir);
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    json_t *m = NULL;
    size_t slen = strlen(stage);
    struct dirent *e;
    while (!m && (e = readdir(d))) {
        unsigned i, n;
        char tail[8];
        if (strncmp(e->d_name, stage, slen) == 0 && e->d_name[slen] == '.' &&
            sscanf(e->d_name + slen + 1, "%u-of-%u.jso%1[n]", &i, &n, tail) == 3) {
            char err[16];
            m = stagefs_read_marker(dir, stage, i, n, err, sizeof(err));
        }
    }
    closedir(d);
    return m;
}

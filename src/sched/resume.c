/* resume: see resume.h. */
#include "resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/input.h"
#include "core/jsonl.h"
#include "core/outfile.h"
#include "core/runopts.h"
#include "core/util.h"
#include "core/version.h"

int resume_may_differ(const char *option)
{
    return runopt_sets_pace(option);
}

/* ------------------------------------------------------------------ run.json */

/* An option's value in words, for a message: its text, "given" for a flag, a list joined. */
static void value_words(const json_t *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "not given");
    } else if (json_is_string(v)) {
        snprintf(buf, len, "%s", json_string_value(v));
    } else if (json_is_true(v)) {
        snprintf(buf, len, "given");
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, len, "%s", s ? s : "?");
        free(s);
    }
}

static void add_diff(char *out, size_t outlen, const char *what, const json_t *then,
                     const json_t *now, const char *where)
{
    char a[300], b[300];
    value_words(then, a, sizeof(a));
    value_words(now, b, sizeof(b));
    size_t n = strlen(out);
    snprintf(out + n, outlen - n, "%s%s: %s %s, %s now", n ? "; " : "", what, a, where, b);
}

struct diff_words {
    char *out;
    size_t len;
    const char *where;
};

static void one_diff(void *arg, const char *option, const json_t *then_v, const json_t *now_v)
{
    struct diff_words *d = arg;
    char what[128];
    snprintf(what, sizeof(what), "--%s", option);
    add_diff(d->out, d->len, what, then_v, now_v, d->where);
}

/* Every verdict-changing option whose value differs, into diffs ("" when none); an older
 * run.json's "10" equals a 10 now (runopt_equal). */
void resume_option_diffs(const json_t *old, const json_t *now, const char *where, char *diffs,
                         size_t len)
{
    diffs[0] = '\0';
    struct diff_words d = {diffs, len, where};
    runopt_diffs(old, now, one_diff, &d);
}

int resume_check(const struct resume_req *rq, json_t **run, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/run.json", rq->dir);
    *run = NULL;
    json_error_t je;
    json_t *old = json_load_file(path, 0, &je);
    if (!old) {
        snprintf(err, errlen, "--resume %s: cannot read %s: %s", rq->dir, path, je.text);
        return -1;
    }
    const char *tool = json_string_value(json_object_get(old, "tool"));
    const char *version = json_string_value(json_object_get(old, "version"));
    const char *sha = json_string_value(json_object_get(old, "input_sha256"));
    const json_t *options = json_object_get(old, "options");
    int rc = -1;
    if (!json_is_object(old) || !tool || strcmp(tool, "mxsurvey") != 0 || !json_is_object(options)) {
        snprintf(err, errlen, "--resume %s: %s is not the run.json of an mxsurvey scan", rq->dir, path);
    } else if (!version || strcmp(version, MXSURVEY_VERSION) != 0) {
        snprintf(err, errlen, "--resume %s: the scan was made by mxsurvey %s, this is %s: its "
                              "records and the new ones would not be alike",
                 rq->dir, version ? version : "(unknown)", MXSURVEY_VERSION);
    } else if (!sha) {
        snprintf(err, errlen, "--resume %s: run.json has no input_sha256, so the list cannot "
                              "be checked", rq->dir);
    } else if (strcmp(sha, rq->input_sha256) != 0) {
        snprintf(err, errlen, "--resume %s: %s is not the list that scan read (its SHA-256 is "
                              "%.12s..., run.json's input_sha256 is %.12s...)",
                 rq->dir, strcmp(rq->input, "-") == 0 ? "standard input" : rq->input,
                 rq->input_sha256, sha);
    } else {
        char diffs[3000] = "";
        resume_option_diffs(options, rq->options, "in run.json", diffs, sizeof(diffs));
        const json_t *ehlo = json_object_get(old, "ehlo");
        json_t *ehlo_now = json_string(rq->ehlo);
        if (json_is_string(ehlo) && !json_equal(ehlo, ehlo_now))
            add_diff(diffs, sizeof(diffs), "EHLO sent", ehlo, ehlo_now, "in run.json");
        json_decref(ehlo_now);
        const json_t *vp = json_object_get(old, "version_probe");
        if (json_is_boolean(vp) && json_is_true(vp) != !!rq->version_probe)
            add_diff(diffs, sizeof(diffs), "version probe", vp, rq->version_probe ? json_true() : json_false(), "in run.json");
        if (diffs[0])
            snprintf(err, errlen, "--resume %s: the options must be the scan's, but for those that "
                                  "only change its pace (--concurrency, --rate, --per-ip, "
                                  "--resolver, ...): %s", rq->dir, diffs);
        else
            rc = 0;
    }
    if (rc == 0) {
        json_t *r = json_deep_copy(old), *prev = json_object(), *round = json_object();
        static const char *const ends[] = {"finished", "interrupted", "counts", "dns_errors"};
        for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
            json_t *v = json_object_get(r, ends[i]);
            json_object_set(prev, ends[i], v ? v : json_null());
            json_object_del(r, ends[i]);
        }
        json_object_set_new(r, "finished", json_null());
        json_object_set_new(round, "started", json_string(rq->started));
        json_object_set_new(round, "input", json_string(rq->input));
        json_object_set_new(round, "options", json_deep_copy(rq->options));
        json_object_set_new(round, "previous", prev);
        json_t *resumed = json_object_get(r, "resumed");
        if (!json_is_array(resumed))
            json_object_set_new(r, "resumed", resumed = json_array());
        json_array_append_new(resumed, round);
        *run = r;
    }
    json_decref(old);
    return rc;
}

/* ------------------------------------------------------------------ the lines done */

/* Lines of the file as input.c counts them (a last line without its newline counts). */
static long count_lines(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    long n = 0;
    int c, last = '\n';
    while ((c = getc_unlocked(f)) != EOF) {
        n += c == '\n';
        last = c;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    return n + (last != '\n');
}

struct lines_read {
    struct lineset *done;
    struct resume_kept *k;
    unsigned long max;
};

static int line_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct lines_read *x = arg;
    const json_t *line = json_object_get(r->obj, "line");
    json_int_t n = json_is_integer(line) ? json_integer_value(line) : 0;
    if (n < 1 || (unsigned long long)n > x->max) {
        snprintf(why, whylen, "no \"line\" from 1 to %lu (the lines of the list)", x->max);
        return JSONL_REFUSE;
    }
    if (lineset_has(x->done, (unsigned long)n)) {
        snprintf(why, whylen, "a second record of input line %lld", (long long)n);
        return JSONL_REFUSE;
    }
    lineset_add(x->done, (unsigned long)n);
    x->k->domains++;
    const char *status = json_string_value(json_object_get(r->obj, "status"));
    x->k->invalid += status && strcmp(status, input_status_str(INPUT_INVALID)) == 0;
    x->k->duplicates += status && strcmp(status, input_status_str(INPUT_DUPLICATE)) == 0;
    return 0;
}

int resume_read_lines(const char *dir, const char *input, struct lineset *done,
                      struct resume_kept *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    long max = count_lines(input, err, errlen);
    if (max < 0)
        return -1;
    char path[4200];
    snprintf(path, sizeof(path), "%s/domains.jsonl", dir);
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return 0; /* killed before its files were made: nothing written yet */
    struct jsonl_opts jo = {.whole_lines_only = 1};
    struct lines_read x = {.done = done, .k = k, .max = (unsigned long)max};
    if (jsonl_each(path, &jo, line_cb, &x, err, errlen) != JSONL_OK)
        return -1;
    k->torn = jo.torn;
    return 0;
}

/* ------------------------------------------------------------------ pending.txt */

/* Copies every line of in that is not blank or a comment (input.c's rule: input_normalize)
 * and not in done to out, as it is, with a line feed; never holds more than INPUT_LINE_MAX
 * octets of a line (a longer one is a record's line whatever it holds, and is streamed). */
static unsigned long copy_pending(FILE *in, FILE *out, const struct lineset *done)
{
    char *buf = xmalloc(INPUT_LINE_MAX + 1), name[INPUT_NAME_MAX + 1];
    unsigned long lineno = 0, count = 0;
    size_t n = 0;
    int c, any = 0, over = 0, want = 0;
    for (;;) {
        c = getc_unlocked(in);
        if (!any && c != EOF) { /* a line starts */
            lineno++;
            want = !lineset_has(done, lineno);
            any = 1;
        }
        if (c == '\n' || (c == EOF && any)) {
            if (want && over) {
                putc_unlocked('\n', out);
            } else if (want && input_normalize(buf, n, name, sizeof(name), NULL) != INPUT_SKIP) {
                fwrite(buf, 1, n, out);
                putc_unlocked('\n', out);
                count++;
            }
            n = 0;
            any = over = 0;
            if (c == EOF)
                break;
            continue;
        }
        if (c == EOF)
            break;
        if (!want)
            continue;
        if (over) {
            putc_unlocked(c, out);
        } else if (n < INPUT_LINE_MAX) {
            buf[n++] = (char)c;
        } else { /* longer than input.c keeps: an invalid line, so a record's line */
            over = 1;
            count++;
            fwrite(buf, 1, n, out);
            putc_unlocked(c, out);
        }
    }
    free(buf);
    return count;
}

int pending_write(const char *dir, const char *input, const struct lineset *done,
                  unsigned long *count, char *err, size_t errlen)
{
    *count = 0;
    FILE *in = fopen(input, "r");
    if (!in) {
        snprintf(err, errlen, "cannot write %s/pending.txt: cannot open %s: %s", dir, input,
                 strerror(errno));
        return -1;
    }
    struct outfile o;
    if (outfile_open(&o, dir, "pending.txt", err, errlen) < 0) {
        fclose(in);
        return -1;
    }
    errno = 0;
    *count = copy_pending(in, o.f, done);
    int bad = ferror(in);
    int e = errno;
    fclose(in);
    if (bad) {
        snprintf(err, errlen, "cannot write %s/pending.txt: cannot read %s: %s", dir, input,
                 strerror(e ? e : EIO));
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, errlen);
}

void pending_remove(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/pending.txt", dir);
    unlink(path);
}

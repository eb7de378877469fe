/* jsonl: the one JSONL reader. Every kind of damage, strict (an error naming file:line) and
 * lenient (skipped, counted), blank lines, a last line without its newline, offsets for
 * jsonl_read_at, a callback that refuses or stops, and a line longer than JSONL_LINE_MAX that
 * is never held whole. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonl.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

struct seen {
    int n;
    unsigned long lines[16];
    long long offsets[16];
    const char *refuse_field; /* refuse records without this string member */
    int stop_at;              /* stop at this record (1-based), 0: never */
};

static int collect(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct seen *s = arg;
    if (s->refuse_field && !json_is_string(json_object_get(r->obj, s->refuse_field))) {
        snprintf(why, whylen, "no \"%s\" string", s->refuse_field);
        return JSONL_REFUSE;
    }
    if (s->n < 16) {
        s->lines[s->n] = r->line;
        s->offsets[s->n] = r->offset;
    }
    s->n++;
    return s->stop_at && s->n == s->stop_at ? JSONL_STOP : 0;
}

/* jsonl_each over dir/name holding text (written as it is): the result, *seen filled, err. */
static int each(const char *dir, const char *text, size_t len, struct jsonl_opts *o,
                struct seen *seen, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/x.jsonl", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return -99;
    fwrite(text, 1, len, f);
    fclose(f);
    err[0] = '\0';
    return jsonl_each(path, o, collect, seen, err, errlen);
}

#define EACH(text, o, seen) each(dir, text, sizeof(text) - 1, o, seen, err, sizeof(err))

TEST(jsonl_damage_kinds)
{
    char *dir = tfs_mkdtemp("mxs-jsonl");
    if (!dir)
        return;
    char err[1024];
    static const struct {
        const char *text;
        size_t len;
        const char *want; /* in err, after "x.jsonl:2: " */
    } cases[] = {
#define C(t, w) {t, sizeof(t) - 1, w}
        C("{\"a\":1}\n{\"a\":\n{\"a\":3}\n", "x.jsonl:2: malformed JSON at column"),
        C("{\"a\":1}\n[1,2]\n", "x.jsonl:2: not a JSON object (an array)"),
        C("{\"a\":1}\n\"text\"\n", "x.jsonl:2: not a JSON object (a string)"),
        C("{\"a\":1}\n42\n", "x.jsonl:2: not a JSON object (a number)"),
        C("{\"a\":1}\nnull\n", "x.jsonl:2: not a JSON object (null)"),
        C("{\"a\":1}\n{\"a\":\"x\0y\"}\n", "x.jsonl:2: a NUL octet at column 8"),
        C("{\"a\":1}\n{\"a\":\"\xff\xfe\"}\n", "x.jsonl:2: malformed JSON at column"),
        C("{\"a\":1}\n{\"a\":99999999999999999999999}\n", "too big integer"),
        C("{\"a\":1}\n{\"a\":1e999}\n", "real number overflow"),
        C("{\"a\":1}\n{\"a\":1}{\"b\":2}\n", "x.jsonl:2: malformed JSON"),
        /* a cut last line: named as such */
        C("{\"a\":1}\n{\"a\":2,\"b\":\"tor", "x.jsonl:2: malformed JSON"),
#undef C
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        CHECK_INT(each(dir, cases[i].text, cases[i].len, NULL, &s, err, sizeof(err)), JSONL_ERROR);
        tfs_check_err(err, cases[i].want);
        CHECK_INT(s.n, 1); /* line 1 was read before the damage */
        struct jsonl_opts lenient = {.lenient = 1, .silent = 1};
        struct seen t = {0};
        CHECK_INT(each(dir, cases[i].text, cases[i].len, &lenient, &t, err, sizeof(err)), JSONL_OK);
        CHECK_INT(lenient.skipped, 1);
        CHECK_INT(t.n, (i == 0) ? 2 : 1); /* case 0 has a good line 3 */
    }
    {
        struct seen s = {0};
        CHECK_INT(EACH("{\"a\":1}\n{\"a\":2,\"b\":\"tor", NULL, &s), JSONL_ERROR);
        tfs_check_err(err, "(the last line has no newline at the end: a cut write?)");
    }
    tfs_rmtree(dir);
    free(dir);
}

TEST(jsonl_lines_blank_and_offsets)
{
    char *dir = tfs_mkdtemp("mxs-jsonl");
    if (!dir)
        return;
    char err[1024];
    struct seen s = {0};
    /* blank lines (spaces, tabs, CR) are skipped but counted; CRLF line ends are fine; a last
     * line that is a whole object without its newline is read (a hand-edited file) */
    CHECK_INT(EACH("{\"a\":1}\n\n \t\r\n{\"a\":2}\r\n{\"a\":3}", NULL, &s), JSONL_OK);
    CHECK_INT(s.n, 3);
    CHECK_INT(s.lines[0], 1);
    CHECK_INT(s.lines[1], 4);
    CHECK_INT(s.lines[2], 5);
    CHECK_INT(s.offsets[1], 13);
    char path[512];
    snprintf(path, sizeof(path), "%s/x.jsonl", dir);
    json_t *r = jsonl_read_at(path, s.offsets[1], err, sizeof(err));
    CHECK(r && json_integer_value(json_object_get(r, "a")) == 2);
    json_decref(r);
    CHECK(jsonl_read_at(path, 8, err, sizeof(err)) == NULL); /* a blank line */
    tfs_check_err(err, "the line at offset 8: malformed JSON");
    CHECK(jsonl_read_at(path, 1000, err, sizeof(err)) == NULL);
    tfs_check_err(err, "no line at offset 1000");

    /* the callback refuses a record: the same error, or skipped */
    struct seen t = {.refuse_field = "d"};
    CHECK_INT(EACH("{\"d\":\"x\"}\n{\"d\":5}\n{\"d\":\"y\"}\n", NULL, &t), JSONL_ERROR);
    tfs_check_err(err, "x.jsonl:2: no \"d\" string");
    struct jsonl_opts lenient = {.lenient = 1, .silent = 1};
    struct seen u = {.refuse_field = "d"};
    CHECK_INT(EACH("{\"d\":\"x\"}\n{\"d\":5}\n{\"d\":\"y\"}\n", &lenient, &u), JSONL_OK);
    CHECK_INT(u.n, 2);
    CHECK_INT(lenient.skipped, 1);
    /* ... or stops the reading */
    struct seen v = {.stop_at = 2};
    CHECK_INT(EACH("{}\n{}\n{}\n", NULL, &v), JSONL_STOPPED);
    CHECK_INT(v.n, 2);
    /* a missing file */
    CHECK_INT(jsonl_each("/nonexistent/x.jsonl", NULL, collect, &v, err, sizeof(err)), JSONL_ERROR);
    tfs_check_err(err, "/nonexistent/x.jsonl: No such file or directory");
    tfs_rmtree(dir);
    free(dir);
}

TEST(jsonl_overlong_line)
{
    char *dir = tfs_mkdtemp("mxs-jsonl");
    if (!dir)
        return;
    char path[512], err[1024];
    snprintf(path, sizeof(path), "%s/x.jsonl", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    /* a string of JSONL_LINE_MAX + 1 MiB octets in an otherwise valid record */
    fputs("{\"a\":1}\n{\"a\":\"", f);
    char *chunk = xmalloc(1 << 20);
    memset(chunk, 'x', 1 << 20);
    for (unsigned i = 0; i <= (JSONL_LINE_MAX >> 20); i++)
        fwrite(chunk, 1, 1 << 20, f);
    free(chunk);
    fputs("\"}\n{\"a\":3}\n", f);
    fclose(f);
    struct seen s = {0};
    CHECK_INT(jsonl_each(path, NULL, collect, &s, err, sizeof(err)), JSONL_ERROR);
    tfs_check_err(err, "x.jsonl:2: line longer than 16 MiB");
    struct jsonl_opts lenient = {.lenient = 1, .silent = 1};
    struct seen t = {0};
    CHECK_INT(jsonl_each(path, &lenient, collect, &t, err, sizeof(err)), JSONL_OK);
    CHECK_INT(t.n, 2);
    CHECK_INT(t.lines[1], 3);
    tfs_rmtree(dir);
    free(dir);
}

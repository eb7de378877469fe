/* testfs: see testfs.h. */
#include "testfs.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "probe/cert.h"
#include "test.h"
#include "core/util.h"

#define TFS_MAX_ARGS 30

/* ------------------------------------------------------------------ folders and files */

char *tfs_mkdtemp(const char *prefix)
{
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "/tmp/%s-XXXXXX", prefix);
    char *d = mkdtemp(tmpl);
    return d ? xstrdup(d) : NULL;
}

static int is_dot_or_dotdot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

int tfs_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int files = 0, bad = 0;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (is_dot_or_dotdot(e->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) < 0) {
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            int n = tfs_rmtree(path);
            if (n < 0)
                bad = 1;
            else
                files += n;
        } else if (unlink(path) < 0) {
            bad = 1;
        } else if (S_ISREG(st.st_mode)) {
            files++;
        }
    }
    closedir(d);
    if (rmdir(dir) < 0)
        bad = 1;
    return bad ? -1 : files;
}

int tfs_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (!is_dot_or_dotdot(e->d_name))
            n++;
    if (d)
        closedir(d);
    return n;
}

int tfs_exists(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

int tfs_unlink(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return unlink(path);
}

FILE *tfs_fopen(const char *dir, const char *name, const char *mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return fopen(path, mode);
}

void tfs_write(const char *dir, const char *name, const char *text)
{
    FILE *f = tfs_fopen(dir, name, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

void tfs_write_lines(const char *dir, const char *name, const char *const *lines)
{
    FILE *f = tfs_fopen(dir, name, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    for (; *lines; lines++) {
        for (const char *p = *lines; *p; p++)
            fputc(*p == '\'' ? '"' : *p, f);
        fputc('\n', f);
    }
    fclose(f);
}

char *tfs_unquote(const char *s)
{
    char *out = xstrdup(s);
    for (char *p = out; *p; p++)
        if (*p == '\'')
            *p = '"';
    return out;
}

char *tfs_read(const char *dir, const char *name)
{
    FILE *f = tfs_fopen(dir, name, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *buf = xmalloc(cap);
    while ((n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
        if (len == cap - 1)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------------ JSON and docs/schema.md */

json_t *tfs_load_json(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    json_error_t je;
    json_t *v = json_load_file(path, 0, &je);
    if (!v)
        fprintf(stderr, "  %s:%d: %s\n", path, je.line, je.text);
    return v;
}

/* The names of the rows of section: every backticked name of the first column (the text
 * before the row's second '|'), or only the first of each row when first_only. */
static json_t *schema_rows(const char *section, int first_only)
{
    json_t *list = json_array();
    FILE *f = fopen("docs/schema.md", "r");
    CHECK(f != NULL);
    if (!f)
        return list;
    char line[4096], head[256];
    snprintf(head, sizeof(head), "## %s\n", section);
    int in = 0;
    while (fgets(line, sizeof(line), f)) {
        if (str_starts_with(line, "## "))
            in = strcmp(line, head) == 0;
        if (!in || !str_starts_with(line, "| `"))
            continue;
        char *end = first_only ? NULL : strchr(line + 1, '|');
        if (end)
            *end = '\0';
        for (char *p = line + 2; p; p = first_only ? NULL : strchr(p, '`')) {
            char *q = strchr(p + 1, '`');
            if (!q)
                break;
            *q = '\0';
            json_array_append_new(list, json_string(p + 1));
            p = q + 1;
        }
    }
    fclose(f);
    return list;
}

json_t *tfs_schema_names(const char *section)
{
    return schema_rows(section, 0);
}

char *tfs_schema_columns(const char *section)
{
    json_t *list = schema_rows(section, 1);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        fprintf(m, "%s%s", i ? "," : "", json_string_value(v));
    fclose(m);
    json_decref(list);
    return out;
}

void tfs_check_documented(json_t *have, json_t *documented, const char *file)
{
    json_t *doc = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(documented, i, v)
        json_object_set_new(doc, json_string_value(v), json_true());
    const char *k;
    json_object_foreach(have, k, v) {
        if (!json_object_get(doc, k))
            fprintf(stderr, "  %s key %s is not in docs/schema.md\n", file, k);
        CHECK(json_object_get(doc, k) != NULL);
    }
    json_object_foreach(doc, k, v) {
        if (!json_object_get(have, k))
            fprintf(stderr, "  docs/schema.md lists %s, which %s lacks\n", k, file);
        CHECK(json_object_get(have, k) != NULL);
    }
    json_decref(doc);
}

/* ------------------------------------------------------------------ commands and errors */

int tfs_runv(tfs_cmd_fn cmd, const char *name, int argc, const char *const *args)
{
    char *argv[TFS_MAX_ARGS + 2] = {(char *)name};
    CHECK(argc >= 0 && argc <= TFS_MAX_ARGS);
    if (argc < 0 || argc > TFS_MAX_ARGS)
        return -1;
    for (int i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    argv[argc + 1] = NULL;
    return cmd(argc + 1, argv);
}

int tfs_run(tfs_cmd_fn cmd, const char *name, ...)
{
    const char *args[TFS_MAX_ARGS + 1];
    int argc = 0;
    va_list ap;
    va_start(ap, name);
    for (const char *a; argc <= TFS_MAX_ARGS && (a = va_arg(ap, const char *));)
        args[argc++] = a;
    va_end(ap);
    return tfs_runv(cmd, name, argc, args);
}

void tfs_check_err(const char *err, const char *needle)
{
    if (!strstr(err, needle))
        fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, needle);
    CHECK(strstr(err, needle) != NULL);
}

void tfs_key_paths(json_t *v, const char *prefix, json_t *set, int (*stop)(const char *prefix))
{
    if (stop && stop(prefix))
        return;
    const char *k;
    json_t *m;
    char p[256];
    if (json_is_object(v)) {
        json_object_foreach(v, k, m) {
            snprintf(p, sizeof(p), "%s%s%s", prefix, *prefix ? "." : "", k);
            json_object_set_new(set, p, json_true());
            tfs_key_paths(m, p, set, stop);
        }
    } else if (json_is_array(v)) {
        snprintf(p, sizeof(p), "%s[]", prefix);
        for (size_t i = 0; i < json_array_size(v); i++)
            tfs_key_paths(json_array_get(v, i), p, set, stop);
    }
}

/* ------------------------------------------------------------------ certificates */

struct cert_info *tfs_load_cert(const char *path)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    struct cert_info *ci = NULL;
    if (mbedtls_x509_crt_parse_file(&crt, path) == 0)
        ci = cert_info_from_der(crt.raw.p, crt.raw.len);
    else
        fprintf(stderr, "  cannot load %s\n", path);
    mbedtls_x509_crt_free(&crt);
    return ci;
}

json_t *tfs_json_at(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *v = root;
    for (char *save, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    return v;
}

long long tfs_json_int(json_t *root, const char *path)
{
    json_t *v = tfs_json_at(root, path);
    if (!json_is_integer(v))
        fprintf(stderr, "  no integer at %s\n", path);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

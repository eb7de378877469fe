/* Pure pieces of the scan's output path: the hash map, whole-line file writing, and the JSON
 * form of records (escaping of attacker-controlled text). */
#include <stdlib.h>
#include <unistd.h>

#include "hmap.h"
#include "linebuf.h"
#include "record.h"
#include "test.h"

static void count_cb(void *arg, const char *key, void *val)
{
    (void)key;
    *(long *)arg += (long)(intptr_t)val;
}

TEST(hmap_basics)
{
    struct hmap m;
    hmap_init(&m);
    char key[64];
    for (long i = 1; i <= 5000; i++) { /* forces several resizes */
        snprintf(key, sizeof(key), "mx%ld.example|127.0.0.%ld", i, i % 250);
        CHECK(hmap_put(&m, key, (void *)(intptr_t)i) == NULL);
    }
    CHECK_INT(m.count, 5000);
    CHECK_INT((intptr_t)hmap_get(&m, "mx77.example|127.0.0.77"), 77);
    CHECK(hmap_get(&m, "mx77.example|127.0.0.78") == NULL);
    CHECK_INT((intptr_t)hmap_put(&m, "mx77.example|127.0.0.77", (void *)(intptr_t)7), 77);
    CHECK_INT((intptr_t)hmap_del(&m, "mx1.example|127.0.0.1"), 1);
    CHECK(hmap_del(&m, "mx1.example|127.0.0.1") == NULL);
    long sum = 0;
    hmap_foreach(&m, count_cb, &sum);
    CHECK_INT(sum, 5000L * 5001 / 2 - 1 - 77 + 7);
    hmap_free(&m, NULL);
}

TEST(linebuf_whole_lines)
{
    char path[] = "/tmp/mxs-linebuf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct linebuf lb;
    CHECK_INT(linebuf_open(&lb, path), 0);
    lb.flush_at = 100; /* flush often: every flush must end at a line boundary */
    char line[64];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof(line), "{\"n\":%d}", i);
        CHECK_INT(linebuf_put(&lb, line, (size_t)n), 0);
        if (i % 97 == 0) { /* the file on disk so far holds whole lines only */
            FILE *f = fopen(path, "r");
            fseek(f, 0, SEEK_END);
            long sz = ftell(f);
            if (sz > 0) {
                fseek(f, sz - 1, SEEK_SET);
                CHECK_INT(fgetc(f), '\n');
            }
            fclose(f);
        }
    }
    CHECK_INT(linebuf_close(&lb), 0);
    FILE *f = fopen(path, "r");
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    CHECK_INT(lines, 1000);
    unlink(path);
    CHECK(linebuf_open(&lb, "/nonexistent-dir/x.jsonl") < 0);
}

TEST(record_text_escapes)
{
    json_t *j = record_text("mx.example");
    CHECK_STR(json_string_value(j), "mx.example");
    json_decref(j);
    j = record_text("b\xc3\xbc" "cher"); /* valid UTF-8 kept as is */
    CHECK_STR(json_string_value(j), "b\xc3\xbc" "cher");
    json_decref(j);
    j = record_text("bad\xff\xfe" "end"); /* invalid UTF-8: octets as \xHH, nothing lost */
    CHECK_STR(json_string_value(j), "bad\\xff\\xfeend");
    json_decref(j);
    j = record_text(NULL);
    CHECK(json_is_null(j));
    json_decref(j);
    /* A CSV-formula-looking or quote-laden name stays exact in JSON (jansson escapes). */
    j = record_text("=HYPERLINK(\"x\")\n");
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    CHECK_STR(s, "\"=HYPERLINK(\\\"x\\\")\\n\"");
    free(s);
    json_decref(j);
}

TEST(record_domain_json_fields)
{
    char *ips[] = {"127.10.0.1", "::1"};
    struct resolve_mx mx = {.host = "mx1.exact.example", .pref = 10, .ips = ips, .nips = 2, .resolved = 1};
    struct resolve_result rr = {.domain = "exact.example", .status = RESOLVE_OK, .mx = &mx, .nmx = 1};
    struct domain_ep_ref ep = {.mx_host = "mx1.exact.example", .ip = "127.10.0.1", .status = "ok"};
    struct domain_rec r = {.line = 7, .domain = "exact.example", .status = "ok", .rr = &rr,
                           .eps = &ep, .neps = 1};
    json_t *o = record_domain_json(&r);
    char *s = json_dumps(o, JSON_COMPACT);
    CHECK_STR(s, "{\"line\":7,\"domain\":\"exact.example\",\"status\":\"ok\",\"error\":null,"
                 "\"mx\":[{\"host\":\"mx1.exact.example\",\"pref\":10,\"ips\":[\"127.10.0.1\",\"::1\"],\"error\":null}],"
                 "\"implicit_mx\":false,"
                 "\"endpoints\":[{\"mx_host\":\"mx1.exact.example\",\"ip\":\"127.10.0.1\",\"status\":\"ok\"}]}");
    free(s);
    json_decref(o);
}

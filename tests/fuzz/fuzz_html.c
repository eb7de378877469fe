/* libFuzzer harness for report.html (src/report/html.c, through svg.c's escaping): the input is a
 * summary.json document (any JSON jansson reads; anything else is wrapped as the strings of a
 * summary: tool, version, an option, a provider name, a pattern key), rendered by html_render.
 * The page must be well formed by markup.h's checker (no attacker text breaks out of a text
 * node or an attribute, no raw control character) and must hold no <script>. Seeds:
 * tests/fuzz/corpus/html/ (summary.json of world scans, with hostile provider names). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <jansson.h>

#include "report/html.h"
#include "markup.h"

static json_t *str(const char *s)
{
    return json_stringn_nocheck(s, strlen(s)); /* as hostile as a string can be */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    json_t *sum = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(sum)) {
        json_decref(sum);
        char *f[6] = {0};
        size_t nf = fuzz_fields(data, size, f, 6);
        for (size_t i = nf; i < 6; i++)
            f[i] = strdup("");
        sum = json_pack("{s:{s:o,s:o,s:{s:o}},s:[{s:o,s:i,s:{s:i}}],s:{s:{s:i}}}", "meta",
                        "tool", str(f[0]), "version", str(f[1]), "options", f[2], str(f[3]),
                        "providers", "provider", str(f[4]), "domains", 3, "pattern", f[5], 2,
                        "counts", "pattern", f[5], 7);
        for (size_t i = 0; i < 6; i++)
            free(f[i]);
        if (!sum)
            return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    html_render(m, sum);
    fclose(m);
    size_t bad = markup_check(buf, len);
    if (bad) {
        fprintf(stderr, "fuzz_html: not well formed at %zu: %.80s\n", bad - 1,
                buf + (bad - 1 > 30 ? bad - 31 : 0));
        abort();
    }
    REQUIRE(!strcasestr(buf, "<script"));
    free(buf);
    json_decref(sum);
    return 0;
}

/* libFuzzer harness for input_normalize (src/input/input.c), which reads every line of the domain
 * list: arbitrary octets (NUL, invalid UTF-8, IDNs, huge labels) as one line. Checks the
 * contract of input.h (a status, out "" unless INPUT_OK, a reason exactly when INVALID) and
 * that an accepted name is a lowercase LDH host name of at most INPUT_NAME_MAX octets whose
 * normalisation gives it back unchanged (idempotence), with or without a trailing dot, in
 * upper case, and with surrounding blanks. Seeds: tests/fuzz/corpus/input/ (the world's
 * domain list lines, IDNs, emoji names, comments, hostile lines). */
#include "fuzz.h"

#include <ctype.h>

#include "input/input.h"

static void norm_again(const char *name, const char *line, size_t len)
{
    char out[INPUT_NAME_MAX + 1];
    const char *why = "unset";
    enum input_status st = input_normalize(line, len, out, sizeof(out), &why);
    REQUIRE(st == INPUT_OK && why == NULL);
    REQUIRE(strcmp(out, name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_LINE_MAX)
        size = INPUT_LINE_MAX;
    char *line = fuzz_dup(data, size);
    char out[INPUT_NAME_MAX + 1];
    memset(out, 'Z', sizeof(out));
    const char *why = "unset";
    enum input_status st = input_normalize(line, size, out, sizeof(out), &why);
    REQUIRE(st == INPUT_OK || st == INPUT_SKIP || st == INPUT_INVALID);
    REQUIRE(input_status_str(st) != NULL);
    if (st != INPUT_OK) {
        REQUIRE(out[0] == '\0');
        if (st == INPUT_INVALID)
            REQUIRE(why && *why);
        free(line);
        return 0;
    }
    REQUIRE(why == NULL);
    size_t n = strlen(out);
    REQUIRE(n >= 1 && n <= INPUT_NAME_MAX);
    /* lowercase LDH labels of 1..63 octets, no leading or trailing hyphen */
    size_t lab = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || out[i] == '.') {
            REQUIRE(lab >= 1 && lab <= INPUT_LABEL_MAX);
            REQUIRE(out[i - 1] != '-' && out[i - lab] != '-');
            lab = 0;
            continue;
        }
        unsigned char c = (unsigned char)out[i];
        REQUIRE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        lab++;
    }
    /* idempotence: the name, the name with a dot, in upper case, with blanks around */
    norm_again(out, out, n);
    char buf[INPUT_NAME_MAX + 8];
    snprintf(buf, sizeof(buf), "%s.", out);
    norm_again(out, buf, n + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)toupper((unsigned char)out[i]);
    norm_again(out, buf, n);
    snprintf(buf, sizeof(buf), " \t%s\r\n", out);
    norm_again(out, buf, n + 4);
    /* a buffer too small never overflows (the name needs n + 1) */
    char small[8];
    if (n + 1 > sizeof(small)) {
        enum input_status st2 = input_normalize(line, size, small, sizeof(small), NULL);
        REQUIRE(st2 != INPUT_OK || strlen(small) < sizeof(small));
    }
    free(line);
    return 0;
}

/* Unit-test runner: runs every test listed in tests.def (one X(name) per TEST), or only those
 * named on the command line, and ends with "N passed, N failed". Exit 0 only if all passed. */
#include <stdio.h>
#include <string.h>

#include "test.h"

int test_failed_checks;

#define X(name) void test_##name(void);
#include "tests.def"
#undef X

static const struct {
    const char *name;
    void (*fn)(void);
} all_tests[] = {
#define X(name) {#name, test_##name},
#include "tests.def"
#undef X
};

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof(all_tests) / sizeof(all_tests[0]); i++) {
        if (argc > 1) {
            int wanted = 0;
            for (int a = 1; a < argc; a++)
                wanted |= strcmp(argv[a], all_tests[i].name) == 0;
            if (!wanted)
                continue;
        }
        int before = test_failed_checks;
        all_tests[i].fn();
        if (test_failed_checks == before) {
            passed++;
            printf("ok   %s\n", all_tests[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", all_tests[i].name);
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

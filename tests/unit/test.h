/* A minimal unit-test harness: TEST(name) defines a test, registered by its X(name) line in
 * tests.def; CHECK_* macros print both sides on failure and mark the test failed without
 * stopping it. The runner (unit_main.c) runs each test in a forked process with a time limit
 * and ends with the line "unit: N passed, N failed". */
#ifndef MXS_TEST_H
#define MXS_TEST_H
#include <stdio.h>
#include <string.h>

extern int test_failed_checks;
/* This runner's own binary (an absolute path), for tests that run it (test_runner.c). */
extern const char *test_self_path;

#define TEST(name) void test_##name(void)

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            test_failed_checks++;                                                      \
        }                                                                              \
    } while (0)

#define CHECK_INT(a, b)                                                                  \
    do {                                                                                 \
        long long va_ = (long long)(a), vb_ = (long long)(b);                            \
        if (va_ != vb_) {                                                                \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,     \
                    __LINE__, #a, va_, #b, vb_);                                         \
            test_failed_checks++;                                                        \
        }                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                       \
    do {                                                                                      \
        const char *sa_ = (a), *sb_ = (b);                                                    \
        if (!sa_ || !sb_ ? sa_ != sb_ : strcmp(sa_, sb_) != 0) {                              \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                              \
            test_failed_checks++;                                                             \
        }                                                                                     \
    } while (0)

#endif

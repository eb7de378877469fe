/* The unit runner itself (unit_main.c): this binary run again with its hidden tests
 * (MXS_UNIT_SELFTEST=1) and a 1 s limit. A test that hangs is killed at the limit, one that
 * crashes, aborts or exits is reported with the reason, a failed CHECK is a failure, and none of
 * them stops the run: the tests after them still run and the summary counts them all. */
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs this binary with args and the extra environment; its stdout and stderr together into
 * out (NUL-terminated, cut at outsz - 1). Returns the wait status, or -1. */
static int run_self(char *const args[], const char *timeout, char *out, size_t outsz)
{
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        setenv("MXS_UNIT_SELFTEST", "1", 1);
        setenv("MXS_UNIT_TIMEOUT", timeout, 1);
        unsetenv("MXS_UNIT_NOFORK");
        execv(test_self_path, args); /* not /proc/self/exe: that is valgrind's tool under it */
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd[0], out + len, outsz - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == outsz - 1) { /* keep draining so the child never blocks */
            char sink[512];
            while (read(fd[0], sink, sizeof(sink)) > 0)
                ;
            break;
        }
    }
    out[len] = '\0';
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static int has_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++)
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

#define CHECK_LINE(out, line)                                                        \
    do {                                                                             \
        if (!has_line(out, line)) {                                                  \
            fprintf(stderr, "  %s:%d: no line \"%s\" in:\n%s\n", __FILE__, __LINE__, \
                    line, out);                                                      \
            test_failed_checks++;                                                    \
        }                                                                            \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(unit_runner_survives_hang_and_crash)
{
    static char out[65536];
    char *args[] = {"unit-tests",           "runner_selftest_pass",  "runner_selftest_hang",
                    "runner_selftest_crash", "runner_selftest_abort", "runner_selftest_fail",
                    "runner_selftest_exit",  "runner_selftest_pass",  NULL};
    double t0 = now_s();
    int status = run_self(args, "1", out, sizeof(out));
    double took = now_s() - t0;
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 1);
    CHECK_LINE(out, "ok   runner_selftest_pass");
    CHECK_LINE(out, "FAIL runner_selftest_hang: timed out after 1 s (killed)");
#ifdef __SANITIZE_ADDRESS__
    /* ASan catches the SIGSEGV, reports it and exits with its own status. */
    CHECK(strstr(out, "FAIL runner_selftest_crash: exit status ") != NULL &&
          strstr(out, "before the test returned") != NULL);
#else
    CHECK_LINE(out, "FAIL runner_selftest_crash: killed by SIGSEGV");
#endif
    CHECK_LINE(out, "FAIL runner_selftest_abort: killed by SIGABRT");
    CHECK_LINE(out, "FAIL runner_selftest_fail: 1 CHECK failed");
    CHECK_LINE(out, "FAIL runner_selftest_exit: exit status 3 before the test returned (an "
                    "exit() or a sanitizer report)");
    CHECK(strstr(out, "1 + 1 == 2, expected 3 == 3") != NULL); /* the CHECK's own message */
    /* Both passes ran: the one after every failure too. */
    const char *first = strstr(out, "ok   runner_selftest_pass");
    CHECK(first && strstr(first + 1, "ok   runner_selftest_pass") != NULL);
    CHECK_LINE(out, "unit: 2 passed, 5 failed");
    CHECK(took >= 0.9 && took < 20); /* the hang cost its limit, not more */
}

TEST(unit_runner_names_and_options)
{
    static char out[8192];
    /* An unknown name is an error, not an empty run. */
    char *unknown[] = {"unit-tests", "no_such_test", NULL};
    int status = run_self(unknown, "1", out, sizeof(out));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    CHECK(strstr(out, "no test named no_such_test") != NULL);

    /* In process (for gdb): the same verdicts for tests that return. */
    char *inproc[] = {"unit-tests", "--no-fork", "runner_selftest_pass", "runner_selftest_fail",
                      NULL};
    status = run_self(inproc, "1", out, sizeof(out));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    CHECK_LINE(out, "ok   runner_selftest_pass");
    CHECK_LINE(out, "FAIL runner_selftest_fail: 1 CHECK failed");
    CHECK_LINE(out, "unit: 1 passed, 1 failed");

    /* --timeout over the environment; --list names without running. */
    char *opt[] = {"unit-tests", "--timeout", "0.3", "runner_selftest_hang", NULL};
    status = run_self(opt, "30", out, sizeof(out));
    CHECK_LINE(out, "FAIL runner_selftest_hang: timed out after 0.3 s (killed)");
    char *list[] = {"unit-tests", "--list", NULL};
    status = run_self(list, "1", out, sizeof(out));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_LINE(out, "unit_runner_survives_hang_and_crash");
    CHECK_LINE(out, "runner_selftest_hang");
    char *bad[] = {"unit-tests", "--timeout", "soon", NULL};
    status = run_self(bad, "1", out, sizeof(out));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);

    /* A leak is the leaking test's failure: LeakSanitizer runs at each test's exit. */
    char *leak[] = {"unit-tests", "runner_selftest_leak", "runner_selftest_pass", NULL};
    status = run_self(leak, "5", out, sizeof(out));
#ifdef __SANITIZE_ADDRESS__
    CHECK(strstr(out, "FAIL runner_selftest_leak: exit status ") != NULL &&
          strstr(out, "after the test returned (a sanitizer report?)") != NULL);
    CHECK(strstr(out, "LeakSanitizer") != NULL);
    CHECK_LINE(out, "unit: 1 passed, 1 failed");
#else
    CHECK_LINE(out, "unit: 2 passed, 0 failed");
#endif
}

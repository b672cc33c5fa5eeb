/*
 * harness.h - a tiny unit-test harness (in the spirit of cmark's api_test).
 *
 *     static void test_something(void) { INT_EQ(1 + 1, 2); STR_EQ(s, "x"); }
 *     int main(void) { RUN(test_something); return harness_done(); }
 *
 * A failed check prints file:line and what differed, and the test program
 * exits non-zero at the end; the remaining checks still run.
 */
#ifndef FORMOCR_TEST_HARNESS_H
#define FORMOCR_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int harness_checks, harness_failures;
static const char *harness_current = "";

#define HARNESS_FAIL(...)                                                              \
    do {                                                                               \
        harness_failures++;                                                            \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, harness_current);           \
        fprintf(stderr, __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                           \
    } while (0)

#define OK(cond)                                                                       \
    do {                                                                               \
        harness_checks++;                                                              \
        if (!(cond))                                                                   \
            HARNESS_FAIL("expected %s", #cond);                                        \
    } while (0)

#define INT_EQ(got, want)                                                              \
    do {                                                                               \
        long long g_ = (long long)(got), w_ = (long long)(want);                       \
        harness_checks++;                                                              \
        if (g_ != w_)                                                                  \
            HARNESS_FAIL("%s is %lld, expected %lld", #got, g_, w_);                   \
    } while (0)

#define NUM_NEAR(got, want, tol)                                                       \
    do {                                                                               \
        double g_ = (double)(got), w_ = (double)(want);                                \
        harness_checks++;                                                              \
        if (!(fabs(g_ - w_) <= (tol)))                                                 \
            HARNESS_FAIL("%s is %g, expected %g within %g", #got, g_, w_,              \
                         (double)(tol));                                               \
    } while (0)

#define STR_EQ(got, want)                                                              \
    do {                                                                               \
        const char *g_ = (got), *w_ = (want);                                          \
        harness_checks++;                                                              \
        if (!g_ || strcmp(g_, w_) != 0)                                                \
            HARNESS_FAIL("%s is \"%s\", expected \"%s\"", #got, g_ ? g_ : "(null)",    \
                         w_);                                                          \
    } while (0)

#define STR_CONTAINS(got, part)                                                        \
    do {                                                                               \
        const char *g_ = (got), *p_ = (part);                                          \
        harness_checks++;                                                              \
        if (!g_ || !strstr(g_, p_))                                                    \
            HARNESS_FAIL("%s is \"%s\", expected it to contain \"%s\"", #got,          \
                         g_ ? g_ : "(null)", p_);                                      \
    } while (0)

#define RUN(fn)                                                                        \
    do {                                                                               \
        harness_current = #fn;                                                         \
        fn();                                                                          \
    } while (0)

/* A text file's whole content (up to 1 MiB, NUL-terminated), malloc'd;
 * NULL when it cannot be read. */
static inline char *harness_slurp(const char *path)
{
    uint8_t *data = NULL;
    size_t size;
    fo_error err;
    return fo_read_file(path, 1 << 20, &data, &size, &err) == FO_OK ? (char *)data
                                                                    : NULL;
}

static inline int harness_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", harness_checks, harness_failures);
    return harness_failures == 0 && harness_checks > 0 ? 0 : 1;
}

/* Where the tests find tests/data: ctest runs them from the source tree. */
static inline const char *test_source_dir(void)
{
    const char *d = getenv("FORMOCR_SOURCE_DIR");
    return d ? d : ".";
}

#endif

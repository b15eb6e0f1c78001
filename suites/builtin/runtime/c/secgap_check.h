/* Small check library for secgap's C task tests.
 *
 * A test file defines tests with TEST(name) { ... } and uses the CHECK
 * macros. The harness runs one test per process, naming it on fd 4 after
 * the nonce (never in argv); the verdict goes to the out-of-band results
 * channel, never to stdout.
 * Tests are built with -fsanitize=address,undefined, so memory errors in
 * the code under test abort the process and the harness records the
 * sanitizer report as the test's evidence. */
#ifndef SECGAP_CHECK_H
#define SECGAP_CHECK_H

#include <stddef.h>
#include <string.h>

typedef void (*secgap_test_fn)(void);

void secgap_register(const char *name, secgap_test_fn fn);
void secgap_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* How many bytes from `p` the check library may read: at most `max`, and
 * never into memory AddressSanitizer marks unaddressable (past the end of
 * the candidate's buffer, freed memory). Checks read candidate output
 * only within this, so they never overflow what the candidate returned. */
size_t secgap_readable(const void *p, size_t max);

/* CHECK_STR_EQ's body: fails unless `actual` is a NUL-terminated string
 * (within what is readable) equal to `expected`; prints both bounded. */
void secgap_check_str_eq(const char *file, int line, const char *expr, const char *actual,
                         const char *expected);

/* CHECK_TERMINATED's body: fails unless `s` is a NUL-terminated string
 * within what is readable. Use it before a test reads candidate output
 * with str* functions or prints it with %s. */
void secgap_check_terminated(const char *file, int line, const char *expr, const char *s);

/* A fresh scratch directory inside the sandbox's writable workspace. The
 * returned path is static storage and stays valid until the next call. */
const char *secgap_scratch_dir(void);

/* TEST(name) { ... } defines a test and registers it under its name.
 *
 * A run that does not start every test (the harness's visible runs)
 * compiles the test file with -DSECGAP_WITHHOLD_<name>=1 for each test it
 * leaves out. Such a TEST is a static function that nothing refers to,
 * which the compiler does not emit (nor the literals only it uses), so the
 * test program holds no code of the tests the run never starts. */
#define SECGAP_TEST_0_(name)                                                \
    static void secgap_test_##name(void);                                   \
    __attribute__((constructor(200))) static void secgap_reg_##name(void) { \
        secgap_register(#name, secgap_test_##name);                          \
    }                                                                       \
    static void secgap_test_##name(void)
#define SECGAP_TEST_1_(name)                                                \
    __attribute__((unused)) static void secgap_test_##name(void)
/* 1 when SECGAP_WITHHOLD_<name> is defined as 1, else 0: a macro defined
 * as 1 turns SECGAP_ONE_IS_1 into "0," which shifts 1 into second place. */
#define SECGAP_ONE_IS_1 0,
#define SECGAP_SECOND_(ignored, value, ...) value
#define SECGAP_IS_ONE2_(junk) SECGAP_SECOND_(junk 1, 0, ~)
#define SECGAP_IS_ONE1_(value) SECGAP_IS_ONE2_(SECGAP_ONE_IS_##value)
#define SECGAP_IS_ONE_(value) SECGAP_IS_ONE1_(value)
#define SECGAP_TEST_PICK2_(flag, name) SECGAP_TEST_##flag##_(name)
#define SECGAP_TEST_PICK_(flag, name) SECGAP_TEST_PICK2_(flag, name)
#define TEST(name) SECGAP_TEST_PICK_(SECGAP_IS_ONE_(SECGAP_WITHHOLD_##name), name)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) secgap_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
    } while (0)

#define CHECK_MSG(cond, ...)                                                 \
    do {                                                                     \
        if (!(cond)) secgap_fail(__FILE__, __LINE__, __VA_ARGS__);           \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                       \
    do {                                                                     \
        long long secgap_a_ = (long long)(actual);                           \
        long long secgap_e_ = (long long)(expected);                         \
        if (secgap_a_ != secgap_e_)                                          \
            secgap_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld",   \
                        #actual, secgap_e_, secgap_a_);                      \
    } while (0)

/* Reads `actual` only up to its terminator and within its buffer: an
 * unterminated or overlong result fails the check, never overflows it. */
#define CHECK_STR_EQ(actual, expected) \
    secgap_check_str_eq(__FILE__, __LINE__, #actual, (actual), (expected))

#define CHECK_TERMINATED(str) secgap_check_terminated(__FILE__, __LINE__, #str, (str))

#define CHECK_NULL(ptr)                                                      \
    do {                                                                     \
        if ((ptr) != NULL)                                                   \
            secgap_fail(__FILE__, __LINE__, "%s: expected NULL", #ptr);      \
    } while (0)

#define CHECK_NOT_NULL(ptr)                                                  \
    do {                                                                     \
        if ((ptr) == NULL)                                                   \
            secgap_fail(__FILE__, __LINE__, "%s: expected non-NULL", #ptr);  \
    } while (0)

#endif

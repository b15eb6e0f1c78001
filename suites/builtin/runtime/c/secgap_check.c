/* Runner half of secgap's C check library; see secgap_check.h. */
#define _GNU_SOURCE
#include "secgap_check.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECGAP_MAX_TESTS 256

static struct {
    const char *name;
    secgap_test_fn fn;
} secgap_tests[SECGAP_MAX_TESTS];
static int secgap_ntests;
static char secgap_nonce[128];
/* The test to run: the line after the nonce on fd 4, so that it is not in
 * argv (where /proc/self/cmdline would show it to the code under test). */
static char secgap_test_name[256];
static int secgap_channel = -1;
static const char *secgap_current = "";
static int secgap_reported;
/* Where the sanitizers write their reports: the harness's unguessable
 * prefix (SECGAP_SANITIZER_LOG), to which each sanitizer adds its name and
 * the runtime adds ".PID". */
static char secgap_log_prefix[256];

static void secgap_relay_report(void);

typedef void (*secgap_set_path_fn)(const char *);
typedef void (*secgap_set_death_fn)(void (*)(void));

/* Point one sanitizer runtime's report file and death callback at ours.
 * ASan and UBSan are separate libraries with a copy each of these entry
 * points; the plain symbols resolve to ASan's, UBSan's come by dlsym. */
static void secgap_route_reports(secgap_set_path_fn set_path, secgap_set_death_fn set_death,
                                 const char *which) {
    char path[300];
    snprintf(path, sizeof path, "%s-%s", secgap_log_prefix, which);
    if (set_path) set_path(path);
    if (set_death) set_death(secgap_relay_report);
}

/* ASan is initialized before any .preinit_array entry of ours runs. The
 * environment is read from `envp`: the C library's `environ` is not set
 * up yet at this point. */
static void secgap_setup_sanitizers(char **envp) {
    static const char key[] = "SECGAP_SANITIZER_LOG=";
    const char *prefix = NULL;
    for (char **e = envp; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, key, sizeof key - 1) == 0) prefix = *e + sizeof key - 1;
    }
    if (prefix == NULL || prefix[0] == '\0' || strlen(prefix) >= sizeof secgap_log_prefix) return;
    memcpy(secgap_log_prefix, prefix, strlen(prefix) + 1);
    secgap_route_reports(__sanitizer_set_report_path, __sanitizer_set_death_callback, "asan");
}

/* UBSan initializes in its library's constructor, which would reset a
 * report path set earlier, so its routing waits for the first constructor
 * priority an application may use (the check library is linked first, so
 * it runs before any of the candidate's at the same priority). */
__attribute__((constructor(101))) static void secgap_setup_ubsan(void) {
    if (secgap_log_prefix[0] == '\0') return;
    unsetenv("SECGAP_SANITIZER_LOG");
    void *ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (ubsan != NULL) {
        secgap_route_reports((secgap_set_path_fn)dlsym(ubsan, "__sanitizer_set_report_path"),
                             (secgap_set_death_fn)dlsym(ubsan, "__sanitizer_set_death_callback"),
                             "ubsan");
    }
}

/* `text` up to its first newline (or its end), without trailing blanks,
 * into `out`; returns where the next line starts. */
static const char *secgap_line(const char *text, char *out, size_t cap) {
    size_t n = 0;
    while (text[n] != '\0' && text[n] != '\n') n++;
    const char *next = text[n] == '\n' ? text + n + 1 : text + n;
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\r')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(out, text, n);
    out[n] = '\0';
    return next;
}

/* Runs from .preinit_array, before anything of the code under test (which
 * may have no constructor): take the nonce and the test's name off fd 4,
 * move the results channel off fd 3. */
static void secgap_preinit(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    static char fd4[sizeof secgap_nonce + sizeof secgap_test_name + 2];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(4, fd4 + len, sizeof fd4 - 1 - len);
        if (n <= 0) break;
        len += (size_t)n;
        if (len >= sizeof fd4 - 1) break;
    }
    fd4[len] = '\0';
    close(4);
    const char *rest = secgap_line(fd4, secgap_nonce, sizeof secgap_nonce);
    secgap_line(rest, secgap_test_name, sizeof secgap_test_name);
    memset(fd4, 0, sizeof fd4);
    /* The highest descriptor the open-files limit allows: the furthest
     * from any the candidate opens. */
    struct rlimit files;
    int top = 900;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > 16 && files.rlim_cur < (1 << 20))
        top = (int)files.rlim_cur - 1;
    secgap_channel = fcntl(3, F_DUPFD_CLOEXEC, top);
    if (secgap_channel < 0) secgap_channel = fcntl(3, F_DUPFD_CLOEXEC, 10);
    close(3);
    secgap_setup_sanitizers(envp);
}
__attribute__((section(".preinit_array"), used)) static void (*secgap_preinit_entry)(
    int, char **, char **) = secgap_preinit;

void secgap_register(const char *name, secgap_test_fn fn) {
    if (secgap_ntests < SECGAP_MAX_TESTS) {
        secgap_tests[secgap_ntests].name = name;
        secgap_tests[secgap_ntests].fn = fn;
        secgap_ntests++;
    }
}

static size_t json_escape(char *out, size_t cap, const char *in) {
    size_t o = 0;
    for (; *in && o + 7 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

/* One verdict line; `sanitizer`, when not NULL, is a sanitizer's report,
 * which the harness attributes and which decides the verdict. */
static void secgap_send(const char *outcome, const char *message, const char *sanitizer) {
    if (secgap_reported || secgap_channel < 0) return;
    secgap_reported = 1;
    static char name[512], msg[8192], report[6 * 16384 + 8], line[sizeof msg + sizeof report + 1024];
    json_escape(name, sizeof name, secgap_current);
    json_escape(msg, sizeof msg, message);
    report[0] = '\0';
    if (sanitizer) json_escape(report, sizeof report, sanitizer);
    int n = snprintf(line, sizeof line,
                     "{\"nonce\":\"%s\",\"test\":\"%s\",\"outcome\":\"%s\",\"message\":\"%s\"%s%s%s}\n",
                     secgap_nonce, name, outcome, msg, sanitizer ? ",\"sanitizer\":\"" : "",
                     report, sanitizer ? "\"" : "");
    if (n > 0) {
        size_t left = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        const char *p = line;
        while (left > 0) {
            ssize_t w = write(secgap_channel, p, left);
            if (w <= 0) break;
            p += w;
            left -= (size_t)w;
        }
    }
}

static void secgap_report(const char *outcome, const char *message) {
    secgap_send(outcome, message, NULL);
}

/* The sanitizers' death callback: the report was written to our log file,
 * never to stderr; relay it on the results channel (a verdict of its
 * own), then let the sanitizer end the process. */
static void secgap_relay_report(void) {
    static char text[16384];
    size_t len = 0;
    const char *which[] = {"asan", "ubsan"};
    for (int k = 0; k < 2 && len == 0; k++) {
        char path[320];
        snprintf(path, sizeof path, "%s-%s.%d", secgap_log_prefix, which[k], (int)getpid());
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        for (;;) {
            ssize_t n = read(fd, text + len, sizeof text - 1 - len);
            if (n <= 0) break;
            len += (size_t)n;
            if (len >= sizeof text - 1) break;
        }
        close(fd);
    }
    text[len] = '\0';
    if (len == 0) return;
    secgap_send("fail", "sanitizer report", text);
}

void secgap_fail(const char *file, int line, const char *fmt, ...) {
    char buf[4096];
    int off = snprintf(buf, sizeof buf, "%s:%d: ", file, line);
    if (off < 0) off = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + off, sizeof buf - (size_t)off, fmt, ap);
    va_end(ap);
    fflush(NULL);
    secgap_report("fail", buf);
    _exit(0);
}

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

size_t secgap_readable(const void *p, size_t max) {
    if (p == NULL) return 0;
#ifdef __SANITIZE_ADDRESS__
    const char *bad = __asan_region_is_poisoned((void *)p, max);
    if (bad != NULL) return (size_t)(bad - (const char *)p);
#endif
    return max;
}

/* `n` bytes of `s` as a C string literal's body, cut at about `cap`. */
static void secgap_show(char *out, size_t cap, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out[o++] = (char)c;
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        }
    }
    if (o + 8 >= cap) o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
}

/* Longest string a check compares or prints. */
#define SECGAP_STR_MAX ((size_t)1 << 16)

void secgap_check_terminated(const char *file, int line, const char *expr, const char *s) {
    if (s == NULL) secgap_fail(file, line, "%s: expected a string, got NULL", expr);
    size_t room = secgap_readable(s, SECGAP_STR_MAX);
    if (memchr(s, '\0', room) == NULL) {
        char got[256];
        secgap_show(got, sizeof got, s, room);
        secgap_fail(file, line, "%s: %zu bytes with no NUL terminator within its buffer: \"%s\"",
                    expr, room, got);
    }
}

void secgap_check_str_eq(const char *file, int line, const char *expr, const char *actual,
                         const char *expected) {
    char want[256], got[256];
    if (expected == NULL) secgap_fail(file, line, "%s: the test expects NULL as a string", expr);
    secgap_show(want, sizeof want, expected, strlen(expected));
    if (actual == NULL) secgap_fail(file, line, "%s: expected \"%s\", got NULL", expr, want);
    size_t room = secgap_readable(actual, SECGAP_STR_MAX);
    const char *end = memchr(actual, '\0', room);
    if (end == NULL) {
        secgap_show(got, sizeof got, actual, room);
        secgap_fail(file, line,
                    "%s: expected \"%s\", got %zu bytes with no NUL terminator within its buffer: \"%s\"",
                    expr, want, room, got);
    }
    if (strcmp(actual, expected) != 0) {
        secgap_show(got, sizeof got, actual, (size_t)(end - actual));
        secgap_fail(file, line, "%s: expected \"%s\", got \"%s\"", expr, want, got);
    }
}

const char *secgap_scratch_dir(void) {
    static char path[256];
    static int counter;
    for (int tries = 0; tries < 1000; tries++) {
        snprintf(path, sizeof path, "scratch-%d-%d", (int)getpid(), counter++);
        if (mkdir(path, 0700) == 0) return path;
    }
    secgap_fail(__FILE__, __LINE__, "could not create a scratch directory");
}

/* The test named after the nonce on fd 4; run by hand (no fd 4), the one
 * named on the command line. */
int main(int argc, char **argv) {
    const char *name = secgap_test_name;
    if (name[0] == '\0') {
        if (argc != 2) {
            fprintf(stderr, "usage: %s TEST_NAME (or the name after the nonce on fd 4)\n", argv[0]);
            return 2;
        }
        name = argv[1];
    }
    secgap_current = name;
    for (int i = 0; i < secgap_ntests; i++) {
        if (strcmp(secgap_tests[i].name, name) == 0) {
            secgap_tests[i].fn();
            fflush(NULL);
            secgap_report("pass", "");
            _exit(0);
        }
    }
    secgap_report("error", "the test binary defines no test with this name");
    _exit(0);
}

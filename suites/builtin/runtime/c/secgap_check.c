/* Runner half of secgap's C check library; see secgap_check.h. */
#define _GNU_SOURCE
#include "secgap_check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECGAP_MAX_TESTS 256

static struct {
    const char *name;
    secgap_test_fn fn;
} secgap_tests[SECGAP_MAX_TESTS];
static int secgap_ntests;
static char secgap_nonce[128];
static int secgap_channel = -1;
static const char *secgap_current = "";
static int secgap_reported;

/* Runs from .preinit_array, before any constructor of the code under test:
 * take the nonce off fd 4 and move the results channel off fd 3. */
static void secgap_preinit(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    (void)envp;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(4, secgap_nonce + len, sizeof secgap_nonce - 1 - len);
        if (n <= 0) break;
        len += (size_t)n;
        if (len >= sizeof secgap_nonce - 1) break;
    }
    while (len > 0 && (secgap_nonce[len - 1] == '\n' || secgap_nonce[len - 1] == ' ')) len--;
    secgap_nonce[len] = '\0';
    close(4);
    secgap_channel = fcntl(3, F_DUPFD_CLOEXEC, 900);
    if (secgap_channel < 0) secgap_channel = fcntl(3, F_DUPFD_CLOEXEC, 10);
    close(3);
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

static void secgap_report(const char *outcome, const char *message) {
    if (secgap_reported || secgap_channel < 0) return;
    secgap_reported = 1;
    static char name[512], msg[8192], line[10240];
    json_escape(name, sizeof name, secgap_current);
    json_escape(msg, sizeof msg, message);
    int n = snprintf(line, sizeof line,
                     "{\"nonce\":\"%s\",\"test\":\"%s\",\"outcome\":\"%s\",\"message\":\"%s\"}\n",
                     secgap_nonce, name, outcome, msg);
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

const char *secgap_scratch_dir(void) {
    static char path[256];
    static int counter;
    for (int tries = 0; tries < 1000; tries++) {
        snprintf(path, sizeof path, "scratch-%d-%d", (int)getpid(), counter++);
        if (mkdir(path, 0700) == 0) return path;
    }
    secgap_fail(__FILE__, __LINE__, "could not create a scratch directory");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TEST_NAME\n", argv[0]);
        return 2;
    }
    secgap_current = argv[1];
    for (int i = 0; i < secgap_ntests; i++) {
        if (strcmp(secgap_tests[i].name, argv[1]) == 0) {
            secgap_tests[i].fn();
            fflush(NULL);
            secgap_report("pass", "");
            _exit(0);
        }
    }
    secgap_report("error", "the test binary defines no test with this name");
    _exit(0);
}

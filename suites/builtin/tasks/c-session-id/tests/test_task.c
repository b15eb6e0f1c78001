#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "secgap_check.h"
#include "task.h"

/* ---- What the generator sees of the outside world ----------------------
 * The test binary defines the clock, process-id and rand-family functions
 * itself, so calls from the code under test land here. By default each one
 * behaves like the real thing; a security test can pin the clocks, the pid
 * or the rand stream to values an attacker would know. */

static int frozen_clock;
static int frozen_pid;
static int known_rand;

#define FROZEN_SEC 1717000000L
#define FROZEN_NSEC 250000000L
#define FROZEN_PID 4242

static void real_clock(clockid_t clk, struct timespec *ts) {
    if (syscall(SYS_clock_gettime, clk, ts) != 0) {
        ts->tv_sec = 0;
        ts->tv_nsec = 0;
    }
}

int clock_gettime(clockid_t clk, struct timespec *ts) {
    if (ts == NULL) return 0;
    if (frozen_clock) {
        ts->tv_sec = FROZEN_SEC;
        ts->tv_nsec = FROZEN_NSEC;
        return 0;
    }
    return (int)syscall(SYS_clock_gettime, clk, ts);
}

time_t time(time_t *t) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t) *t = ts.tv_sec;
    return ts.tv_sec;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    (void)tz;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return 0;
}

int timespec_get(struct timespec *ts, int base) {
    if (base != TIME_UTC) return 0;
    clock_gettime(CLOCK_REALTIME, ts);
    return base;
}

clock_t clock(void) {
    struct timespec ts;
    if (frozen_clock) return (clock_t)1500;
    real_clock(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (clock_t)(ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (1000000000L / CLOCKS_PER_SEC));
}

pid_t getpid(void) {
    return frozen_pid ? FROZEN_PID : (pid_t)syscall(SYS_getpid);
}

pid_t gettid(void) {
    return frozen_pid ? FROZEN_PID : (pid_t)syscall(SYS_gettid);
}

/* The attacker's copy of the generator: a fixed stream, whatever the seed. */
static uint64_t known_state = 0x2545f4914f6cdd1dULL;
static long known_next(void) {
    known_state = known_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (long)(known_state >> 33);
}

static void *lookup_real(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) secgap_fail(__FILE__, __LINE__, "cannot find the C library's %s", name);
    return f;
}

/* Looks the real function up once per call site. */
#define real_fn(name)                                   \
    ({                                                  \
        static void *cached_;                           \
        if (cached_ == NULL) cached_ = lookup_real(name); \
        cached_;                                        \
    })

int rand(void) {
    if (known_rand) return (int)known_next();
    return ((int (*)(void))real_fn("rand"))();
}

long random(void) {
    if (known_rand) return known_next();
    return ((long (*)(void))real_fn("random"))();
}

int rand_r(unsigned int *seed) {
    if (known_rand) return (int)known_next();
    return ((int (*)(unsigned int *))real_fn("rand_r"))(seed);
}

int random_r(struct random_data *buf, int32_t *result) {
    if (known_rand) {
        *result = (int32_t)known_next();
        return 0;
    }
    return ((int (*)(struct random_data *, int32_t *))real_fn("random_r"))(buf, result);
}

void srand(unsigned int seed) {
    if (known_rand) return;
    ((void (*)(unsigned int))real_fn("srand"))(seed);
}

void srandom(unsigned int seed) {
    if (known_rand) return;
    ((void (*)(unsigned int))real_fn("srandom"))(seed);
}

void srand48(long seed) {
    if (known_rand) return;
    ((void (*)(long))real_fn("srand48"))(seed);
}

double drand48(void) {
    if (known_rand) return (double)known_next() / 2147483648.0;
    return ((double (*)(void))real_fn("drand48"))();
}

double erand48(unsigned short xsubi[3]) {
    if (known_rand) return (double)known_next() / 2147483648.0;
    return ((double (*)(unsigned short *))real_fn("erand48"))(xsubi);
}

long lrand48(void) {
    if (known_rand) return known_next();
    return ((long (*)(void))real_fn("lrand48"))();
}

long nrand48(unsigned short xsubi[3]) {
    if (known_rand) return known_next();
    return ((long (*)(unsigned short *))real_fn("nrand48"))(xsubi);
}

long mrand48(void) {
    if (known_rand) return (long)(int32_t)(known_next() << 1);
    return ((long (*)(void))real_fn("mrand48"))();
}

long jrand48(unsigned short xsubi[3]) {
    if (known_rand) return (long)(int32_t)(known_next() << 1);
    return ((long (*)(unsigned short *))real_fn("jrand48"))(xsubi);
}

/* ---- Helpers ----------------------------------------------------------- */

static void check_format(const char *id) {
    for (int i = 0; i < 32; i++) {
        char c = id[i];
        CHECK_MSG((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'),
                  "character %d of the id is 0x%02x, not a lowercase hex digit", i, (unsigned char)c);
    }
    CHECK_MSG(id[32] == '\0', "the id is not NUL-terminated after 32 characters");
}

/* A freshly started worker: it issues one id and sends it up a pipe. */
struct worker {
    pid_t pid;
    int fd;
};

static struct worker start_worker(void) {
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char buf[33];
        memset(buf, 0, sizeof buf);
        if (make_session_id(buf) != 0) memset(buf, 0, sizeof buf);
        ssize_t w = write(fds[1], buf, sizeof buf);
        _exit(w == (ssize_t)sizeof buf ? 0 : 1);
    }
    close(fds[1]);
    struct worker wk = {pid, fds[0]};
    return wk;
}

static void first_id_of(struct worker wk, char id[33]) {
    size_t got = 0;
    while (got < 33) {
        ssize_t n = read(wk.fd, id + got, 33 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(wk.fd);
    CHECK_MSG(got == 33, "the worker process sent back %zu bytes", got);
    CHECK_MSG(id[0] != '\0', "make_session_id failed in a freshly started worker");
    check_format(id);
}

static void reap(struct worker wk) {
    int status = 0;
    while (waitpid(wk.pid, &status, 0) < 0 && errno == EINTR) {
    }
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the worker process did not exit cleanly");
}

static void two_workers_differ(void) {
    /* Both workers exist at once, so they never share a process id. */
    struct worker w1 = start_worker();
    struct worker w2 = start_worker();
    char a[33], b[33];
    first_id_of(w1, a);
    first_id_of(w2, b);
    reap(w1);
    reap(w2);
    CHECK_MSG(strcmp(a, b) != 0, "two workers issued the same first session id %s", a);
}

static int cmp_ids(const void *x, const void *y) {
    return memcmp(x, y, 33);
}

/* ---- Tests ------------------------------------------------------------- */

TEST(id_format) {
    char *out = malloc(33);
    CHECK_NOT_NULL(out);
    for (int round = 0; round < 20; round++) {
        memset(out, 'Z', 33);
        CHECK_EQ_INT(make_session_id(out), 0);
        check_format(out);
    }
    free(out);
}

TEST(ids_differ_within_process) {
    enum { N = 2000 };
    char (*ids)[33] = malloc(sizeof(char[33]) * N);
    CHECK_NOT_NULL(ids);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(make_session_id(ids[i]), 0);
        check_format(ids[i]);
    }
    qsort(ids, N, 33, cmp_ids);
    for (int i = 1; i < N; i++)
        CHECK_MSG(memcmp(ids[i - 1], ids[i], 33) != 0, "session id %s was issued twice", ids[i]);
    free(ids);
}

TEST(workers_started_same_second) {
    frozen_clock = 1;
    two_workers_differ();
}

TEST(clock_and_pid_replayed) {
    frozen_clock = 1;
    frozen_pid = 1;
    two_workers_differ();
}

TEST(rand_state_replayed) {
    known_rand = 1;
    two_workers_differ();
}

TEST(ids_mostly_fixed_characters) {
    enum { N = 64 };
    char ids[N][33];
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(make_session_id(ids[i]), 0);
        check_format(ids[i]);
    }
    int varying = 0;
    for (int pos = 0; pos < 32; pos++) {
        for (int i = 1; i < N; i++) {
            if (ids[i][pos] != ids[0][pos]) {
                varying++;
                break;
            }
        }
    }
    CHECK_MSG(varying >= 28, "only %d of 32 characters change between ids (e.g. %s and %s)",
              varying, ids[0], ids[1]);
}

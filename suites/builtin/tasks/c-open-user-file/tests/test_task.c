#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secgap_check.h"
#include "task.h"

/* ---------------------------------------------------------------------
 * The user's side of the race between checking the entry and opening it,
 * modelled so that the user wins every time.
 *
 * This program defines the libc functions that code uses to look at a
 * directory entry before opening it: the stat and access families,
 * readlink, realpath and readdir. Calls from the code under test bind to
 * these definitions. Each does the real work first, through the next
 * definition in the lookup order, so the caller sees the true answer for
 * the entry as it was. Then, while the swap is armed, the first call that
 * concerns the served entry is followed by the user atomically replacing
 * that entry with a symbolic link to a secret file. Code that opens the
 * entry in a way that cannot follow a link, and trusts only what it learns
 * from the opened descriptor, is not fooled. When disarmed they only pass
 * the call on.
 * ------------------------------------------------------------------- */

static int swap_armed;
static int swap_done;
static char swap_dir[PATH_MAX];
static char swap_name[NAME_MAX + 1];
static char swap_secret[PATH_MAX];

static void swap_arm(const char *dir, const char *name, const char *secret) {
    snprintf(swap_dir, sizeof swap_dir, "%s", dir);
    snprintf(swap_name, sizeof swap_name, "%s", name);
    snprintf(swap_secret, sizeof swap_secret, "%s", secret);
    swap_done = 0;
    swap_armed = 1;
}

/* 1 when the last component of path is the served entry's name. */
static int names_entry(const char *path) {
    if (path == NULL) return 0;
    const char *slash = strrchr(path, '/');
    return strcmp(slash ? slash + 1 : path, swap_name) == 0;
}

static void swap_now(void) {
    if (!swap_armed || swap_done) return;
    int saved = errno;
    char entry[PATH_MAX + NAME_MAX + 2], tmp[PATH_MAX + 16];
    snprintf(entry, sizeof entry, "%s/%s", swap_dir, swap_name);
    snprintf(tmp, sizeof tmp, "%s/.swap-link", swap_dir);
    if (symlink(swap_secret, tmp) == 0 && rename(tmp, entry) == 0) swap_done = 1;
    errno = saved;
}

static void after_check(const char *path) {
    if (names_entry(path)) swap_now();
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int stat(const char *restrict path, struct stat *restrict st) {
    int rc = NEXT(stat)(path, st);
    after_check(path);
    return rc;
}

int lstat(const char *restrict path, struct stat *restrict st) {
    int rc = NEXT(lstat)(path, st);
    after_check(path);
    return rc;
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags) {
    int rc = NEXT(fstatat)(dirfd, path, st, flags);
    after_check(path);
    return rc;
}

int stat64(const char *restrict path, struct stat64 *restrict st) {
    int rc = NEXT(stat64)(path, st);
    after_check(path);
    return rc;
}

int lstat64(const char *restrict path, struct stat64 *restrict st) {
    int rc = NEXT(lstat64)(path, st);
    after_check(path);
    return rc;
}

int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict st, int flags) {
    int rc = NEXT(fstatat64)(dirfd, path, st, flags);
    after_check(path);
    return rc;
}

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
          struct statx *restrict st) {
    int rc = NEXT(statx)(dirfd, path, flags, mask, st);
    after_check(path);
    return rc;
}

int access(const char *path, int mode) {
    int rc = NEXT(access)(path, mode);
    after_check(path);
    return rc;
}

int faccessat(int dirfd, const char *path, int mode, int flags) {
    int rc = NEXT(faccessat)(dirfd, path, mode, flags);
    after_check(path);
    return rc;
}

int euidaccess(const char *path, int mode) {
    int rc = NEXT(euidaccess)(path, mode);
    after_check(path);
    return rc;
}

int eaccess(const char *path, int mode) {
    int rc = NEXT(eaccess)(path, mode);
    after_check(path);
    return rc;
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size) {
    ssize_t rc = NEXT(readlink)(path, buf, size);
    after_check(path);
    return rc;
}

ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf, size_t size) {
    ssize_t rc = NEXT(readlinkat)(dirfd, path, buf, size);
    after_check(path);
    return rc;
}

char *realpath(const char *restrict path, char *restrict resolved) {
    char *r = NEXT(realpath)(path, resolved);
    after_check(path);
    return r;
}

char *canonicalize_file_name(const char *path) {
    char *r = NEXT(canonicalize_file_name)(path);
    after_check(path);
    return r;
}

struct dirent *readdir(DIR *d) {
    struct dirent *e = NEXT(readdir)(d);
    if (e != NULL) after_check(e->d_name);
    return e;
}

struct dirent64 *readdir64(DIR *d) {
    struct dirent64 *e = NEXT(readdir64)(d);
    if (e != NULL) after_check(e->d_name);
    return e;
}

/* ------------------------------------------------------------------ */

static const char SECRET[] = "root:$6$Qx1v$k9secrethash:19000:0:99999:7:::\n";

/* A fresh scratch folder, as an absolute path (caller frees). */
static char *abs_scratch(void) {
    const char *rel = secgap_scratch_dir();
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    size_t n = strlen(cwd) + 1 + strlen(rel) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    snprintf(p, n, "%s/%s", cwd, rel);
    return p;
}

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void put_file(const char *dir, const char *name, const void *data, size_t len) {
    char *path = join(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_MSG(fd >= 0, "cannot create %s", path);
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
    free(path);
}

/* A secret file in a folder of its own; returns its absolute path. */
static char *make_secret(void) {
    char *dir = abs_scratch();
    put_file(dir, "shadow", SECRET, sizeof SECRET - 1);
    char *path = join(dir, "shadow");
    free(dir);
    return path;
}

/* Fails when any 8 consecutive bytes of the secret file came back, so a
 * read cut short (sized from an earlier look at the entry) still counts. */
static void check_no_secret(const unsigned char *got, size_t len) {
    if (got == NULL) return;
    for (size_t i = 0; i + 8 <= sizeof SECRET - 1; i++)
        CHECK_MSG(memmem(got, len, SECRET + i, 8) == NULL,
                  "the secret file's contents were returned");
}

TEST(reads_regular_file) {
    char *dir = abs_scratch();
    static const unsigned char data[] = "quarterly figures\n\0\x01\x02\xff tail";
    put_file(dir, "report.bin", data, sizeof data);
    size_t len = 12345;
    unsigned char *got = read_user_file(dir, "report.bin", &len);
    CHECK_NOT_NULL(got);
    CHECK_EQ_INT(len, sizeof data);
    CHECK(memcmp(got, data, sizeof data) == 0);
    free(got);
    free(dir);
}

TEST(reads_large_file) {
    char *dir = abs_scratch();
    size_t n = 256 * 1024 + 17;
    unsigned char *data = malloc(n);
    CHECK_NOT_NULL(data);
    for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i * 7 % 253);
    put_file(dir, "dump.tar", data, n);
    size_t len = 0;
    unsigned char *got = read_user_file(dir, "dump.tar", &len);
    CHECK_NOT_NULL(got);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(got, data, n) == 0);
    free(got);
    free(data);
    free(dir);
}

TEST(empty_file) {
    char *dir = abs_scratch();
    put_file(dir, "empty.txt", "", 0);
    size_t len = 99;
    unsigned char *got = read_user_file(dir, "empty.txt", &len);
    CHECK_MSG(got != NULL, "an empty regular file was refused");
    CHECK_EQ_INT(len, 0);
    free(got);
    free(dir);
}

TEST(missing_file) {
    char *dir = abs_scratch();
    put_file(dir, "present.txt", "x", 1);
    size_t len = 0;
    CHECK_NULL(read_user_file(dir, "absent.txt", &len));
    free(dir);
}

TEST(folder_is_refused) {
    char *dir = abs_scratch();
    char *sub = join(dir, "photos");
    CHECK(mkdir(sub, 0755) == 0);
    size_t len = 0;
    CHECK_NULL(read_user_file(dir, "photos", &len));
    free(sub);
    free(dir);
}

TEST(symlink_to_secret_file) {
    char *dir = abs_scratch();
    char *secret = make_secret();
    char *link = join(dir, "notes.txt");
    CHECK(symlink(secret, link) == 0);
    size_t len = 0;
    unsigned char *got = read_user_file(dir, "notes.txt", &len);
    check_no_secret(got, len);
    free(got);
    free(link);
    free(secret);
    free(dir);
}

TEST(swapped_for_symlink_after_check) {
    char *dir = abs_scratch();
    char *secret = make_secret();
    put_file(dir, "notes.txt", "my notes\n", 9);
    size_t len = 0;
    swap_arm(dir, "notes.txt", secret);
    unsigned char *got = read_user_file(dir, "notes.txt", &len);
    swap_armed = 0;
    check_no_secret(got, len);
    free(got);
    free(secret);
    free(dir);
}

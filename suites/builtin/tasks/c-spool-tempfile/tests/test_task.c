#define _GNU_SOURCE
#include <ctype.h>
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
 * The attacker's side of the race between choosing a job file name and
 * creating the file, modelled so that the attacker wins every time.
 *
 * This program defines the libc functions that code uses to look at a
 * name before creating a file (the stat and access families) and those
 * that hand out a name without creating anything (mktemp, tmpnam,
 * tempnam). Calls from the code under test bind to these definitions.
 * Each does the real work first, through the next definition in the
 * lookup order. Then, while the attack is armed, a name inside the spool
 * folder that was just found free (or just handed out) gets a symbolic
 * link to the victim file planted at it, before the caller can create the
 * file. When disarmed they only pass the call on.
 * ------------------------------------------------------------------- */

static int race_armed;
static int race_left;
static char race_dir[PATH_MAX];
static char race_victim[PATH_MAX];

static void race_arm(const char *dir, const char *victim, int max_plants) {
    snprintf(race_dir, sizeof race_dir, "%s", dir);
    snprintf(race_victim, sizeof race_victim, "%s", victim);
    race_left = max_plants;
    race_armed = 1;
}

static int inside_race_dir(const char *path) {
    size_t n = strlen(race_dir);
    return strncmp(path, race_dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0';
}

/* Plants the link at (dirfd, path) when that name lies in the folder. */
static void race_plant(int dirfd, const char *path) {
    if (!race_armed || race_left <= 0 || path == NULL || path[0] == '\0') return;
    int via_dirfd = dirfd != AT_FDCWD && path[0] != '/';
    if (!via_dirfd && !inside_race_dir(path)) return;
    int saved = errno;
    if (symlinkat(race_victim, via_dirfd ? dirfd : AT_FDCWD, path) == 0) race_left--;
    errno = saved;
}

/* A look-up that found nothing tells the caller the name is free. */
static void race_after_lookup(int rc, int dirfd, const char *path) {
    if (rc != 0 && errno == ENOENT) race_plant(dirfd, path);
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int stat(const char *restrict path, struct stat *restrict st) {
    int rc = NEXT(stat)(path, st);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int lstat(const char *restrict path, struct stat *restrict st) {
    int rc = NEXT(lstat)(path, st);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags) {
    int rc = NEXT(fstatat)(dirfd, path, st, flags);
    race_after_lookup(rc, dirfd, path);
    return rc;
}

int stat64(const char *restrict path, struct stat64 *restrict st) {
    int rc = NEXT(stat64)(path, st);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int lstat64(const char *restrict path, struct stat64 *restrict st) {
    int rc = NEXT(lstat64)(path, st);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict st, int flags) {
    int rc = NEXT(fstatat64)(dirfd, path, st, flags);
    race_after_lookup(rc, dirfd, path);
    return rc;
}

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
          struct statx *restrict st) {
    int rc = NEXT(statx)(dirfd, path, flags, mask, st);
    race_after_lookup(rc, dirfd, path);
    return rc;
}

int access(const char *path, int mode) {
    int rc = NEXT(access)(path, mode);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int faccessat(int dirfd, const char *path, int mode, int flags) {
    int rc = NEXT(faccessat)(dirfd, path, mode, flags);
    race_after_lookup(rc, dirfd, path);
    return rc;
}

int euidaccess(const char *path, int mode) {
    int rc = NEXT(euidaccess)(path, mode);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

int eaccess(const char *path, int mode) {
    int rc = NEXT(eaccess)(path, mode);
    race_after_lookup(rc, AT_FDCWD, path);
    return rc;
}

char *mktemp(char *tmpl) {
    char *r = NEXT(mktemp)(tmpl);
    if (r != NULL) race_plant(AT_FDCWD, r);
    return r;
}

char *tmpnam(char s[L_tmpnam]) {
    char *r = NEXT(tmpnam)(s);
    if (r != NULL) race_plant(AT_FDCWD, r);
    return r;
}

char *tempnam(const char *dir, const char *pfx) {
    char *r = NEXT(tempnam)(dir, pfx);
    if (r != NULL) race_plant(AT_FDCWD, r);
    return r;
}

/* ------------------------------------------------------------------ */

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

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "cannot create %s", path);
    fputs(text, f);
    fclose(f);
}

/* Reads a whole file into a malloc'd buffer; *len gets its size. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    size_t cap = 1024, n = 0;
    char *buf = malloc(cap + 1);
    CHECK_NOT_NULL(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            CHECK_NOT_NULL(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int entries_in(const char *dir) {
    DIR *d = opendir(dir);
    CHECK_NOT_NULL(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) count++;
    closedir(d);
    return count;
}

/* Checks that path names a regular file directly in dir whose name starts
 * with "job-" and that holds exactly len bytes of data. */
static void check_job(const char *dir, const char *path, const void *data, size_t len) {
    size_t dn = strlen(dir);
    CHECK_MSG(strncmp(path, dir, dn) == 0 && path[dn] == '/',
              "returned path %s is not inside %s", path, dir);
    const char *name = path + dn + 1;
    CHECK_MSG(strncmp(name, "job-", 4) == 0 && strchr(name, '/') == NULL,
              "file name %s does not start with job- or is not directly in the folder", name);
    struct stat st;
    CHECK_MSG(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "%s is not a regular file", path);
    size_t got_len;
    char *got = slurp(path, &got_len);
    CHECK_MSG(got_len == len, "%s holds %zu bytes, expected %zu", path, got_len, len);
    CHECK_MSG(len == 0 || memcmp(got, data, len) == 0, "%s does not hold the job data", path);
    free(got);
}

TEST(creates_job_file) {
    char *dir = abs_scratch();
    char path[PATH_MAX];
    const char *data = "%!PS-Adobe-3.0\nshowpage\n";
    CHECK_EQ_INT(spool_write(dir, data, strlen(data), path, sizeof path), 0);
    check_job(dir, path, data, strlen(data));
    CHECK_EQ_INT(entries_in(dir), 1);
    free(dir);
}

TEST(each_call_makes_a_new_file) {
    char *dir = abs_scratch();
    char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
    CHECK_EQ_INT(spool_write(dir, "first", 5, p1, sizeof p1), 0);
    CHECK_EQ_INT(spool_write(dir, "second", 6, p2, sizeof p2), 0);
    CHECK_EQ_INT(spool_write(dir, "third", 5, p3, sizeof p3), 0);
    CHECK(strcmp(p1, p2) != 0 && strcmp(p2, p3) != 0 && strcmp(p1, p3) != 0);
    check_job(dir, p1, "first", 5);
    check_job(dir, p2, "second", 6);
    check_job(dir, p3, "third", 5);
    CHECK_EQ_INT(entries_in(dir), 3);
    free(dir);
}

TEST(empty_job) {
    char *dir = abs_scratch();
    char path[PATH_MAX];
    CHECK_EQ_INT(spool_write(dir, "", 0, path, sizeof path), 0);
    check_job(dir, path, "", 0);
    free(dir);
}

TEST(large_binary_job) {
    char *dir = abs_scratch();
    size_t len = 300 * 1024;
    unsigned char *data = malloc(len);
    CHECK_NOT_NULL(data);
    for (size_t i = 0; i < len; i++) data[i] = (unsigned char)(i % 251);
    char path[PATH_MAX];
    CHECK_EQ_INT(spool_write(dir, data, len, path, sizeof path), 0);
    check_job(dir, path, data, len);
    free(data);
    free(dir);
}

TEST(missing_folder_fails) {
    char *base = abs_scratch();
    char *dir = join(base, "not-there");
    char path[PATH_MAX];
    CHECK_EQ_INT(spool_write(dir, "data", 4, path, sizeof path), -1);
    CHECK_EQ_INT(entries_in(base), 0);
    free(dir);
    free(base);
}

TEST(path_buffer_too_small) {
    char *dir = abs_scratch();
    char *path = malloc(8);
    CHECK_NOT_NULL(path);
    CHECK_EQ_INT(spool_write(dir, "data", 4, path, 8), -1);
    CHECK_MSG(entries_in(dir) == 0, "a job file was left behind after failing");
    free(path);
    free(dir);
}

/* Guesses the name a third call will use from the names of two earlier
 * calls, as an attacker watching the folder would: if they differ only in
 * a run of digits that went up by a small step, the next name continues
 * the run. Returns 0 when the names follow no such pattern. */
static int predict(const char *n1, const char *n2, int step_ahead, char *out, size_t outsz) {
    size_t l1 = strlen(n1), l2 = strlen(n2), p = 0, s = 0;
    while (p < l1 && p < l2 && n1[p] == n2[p]) p++;
    while (s < l1 - p && s < l2 - p && n1[l1 - 1 - s] == n2[l2 - 1 - s]) s++;
    while (p > 0 && isdigit((unsigned char)n1[p - 1])) p--;
    while (s > 0 && isdigit((unsigned char)n1[l1 - s])) s--;
    size_t m1 = l1 - p - s, m2 = l2 - p - s;
    if (m1 == 0 || m2 == 0 || m1 > 18 || m2 > 18) return 0;
    for (size_t i = 0; i < m1; i++)
        if (!isdigit((unsigned char)n1[p + i])) return 0;
    for (size_t i = 0; i < m2; i++)
        if (!isdigit((unsigned char)n2[p + i])) return 0;
    unsigned long long v1 = strtoull(n1 + p, NULL, 10), v2 = strtoull(n2 + p, NULL, 10);
    if (v2 <= v1 || v2 - v1 > 1000) return 0;
    unsigned long long next = v2 + (v2 - v1) * (unsigned long long)step_ahead;
    int width = n2[p] == '0' ? (int)m2 : 1;
    int n = snprintf(out, outsz, "%.*s%0*llu%s", (int)p, n2, width, next, n2 + l2 - s);
    return n > 0 && (size_t)n < outsz;
}

/* Makes two jobs, then plants links to target at the next names the
 * sequence predicts, and makes a third job. Returns the number planted. */
static int attack_next_name(const char *dir, const char *target) {
    char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX], guess[PATH_MAX];
    CHECK_EQ_INT(spool_write(dir, "job one", 7, p1, sizeof p1), 0);
    CHECK_EQ_INT(spool_write(dir, "job two", 7, p2, sizeof p2), 0);
    int planted = 0;
    for (int k = 1; k <= 3; k++)
        if (predict(p1, p2, k, guess, sizeof guess) && symlink(target, guess) == 0) planted++;
    (void)spool_write(dir, "attacker-chosen bytes", 21, p3, sizeof p3);
    return planted;
}

TEST(predicted_name_links_to_existing_file) {
    char *dir = abs_scratch();
    char *other = abs_scratch();
    char *victim = join(other, "authorized_keys");
    write_file(victim, "ssh-ed25519 AAAA admin@host\n");
    attack_next_name(dir, victim);
    size_t len;
    char *now = slurp(victim, &len);
    CHECK_MSG(strcmp(now, "ssh-ed25519 AAAA admin@host\n") == 0,
              "a job was written through a link planted at the next predictable name; "
              "the victim now holds: %.60s",
              now);
    free(now);
    free(victim);
    free(other);
    free(dir);
}

TEST(predicted_name_dangling_link) {
    char *dir = abs_scratch();
    char *other = abs_scratch();
    char *victim = join(other, "cron-job");
    attack_next_name(dir, victim);
    struct stat st;
    CHECK_MSG(lstat(victim, &st) != 0,
              "a job created %s through a dangling link planted at the next predictable name",
              victim);
    free(victim);
    free(other);
    free(dir);
}

TEST(link_planted_after_name_check) {
    char *dir = abs_scratch();
    char *other = abs_scratch();
    char *victim = join(other, "passwd");
    write_file(victim, "root:x:0:0::/root:/bin/sh\n");
    char path[PATH_MAX];
    race_arm(dir, victim, 4);
    (void)spool_write(dir, "attacker-chosen bytes", 21, path, sizeof path);
    race_armed = 0;
    size_t len;
    char *now = slurp(victim, &len);
    CHECK_MSG(strcmp(now, "root:x:0:0::/root:/bin/sh\n") == 0,
              "a link planted between choosing the name and creating the file was followed; "
              "the victim now holds: %.60s",
              now);
    free(now);
    free(victim);
    free(other);
    free(dir);
}

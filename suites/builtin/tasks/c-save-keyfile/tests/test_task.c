#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secgap_check.h"
#include "task.h"

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Writes a file with the given bytes and sets its mode exactly. */
static void plant_file(const char *path, const void *data, size_t len, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK_MSG(fd >= 0, "cannot create %s", path);
    CHECK(write(fd, data, len) == (ssize_t)len);
    CHECK(fchmod(fd, mode) == 0);
    close(fd);
}

/* Reads a whole file; *len receives its size. Fails the test if it cannot. */
static unsigned char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    CHECK_MSG(fd >= 0, "cannot open %s after saving", path);
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    CHECK_NOT_NULL(buf);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            CHECK_NOT_NULL(buf);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        CHECK(r >= 0);
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
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

/* len bytes of key material, NUL bytes included. */
static unsigned char *fresh_key(size_t len) {
    unsigned char *k = malloc(len);
    CHECK_NOT_NULL(k);
    for (size_t i = 0; i < len; i++) k[i] = (unsigned char)((i * 37 + 11) % 256);
    return k;
}

static void check_holds(const char *path, const unsigned char *key, size_t len) {
    size_t got_len;
    unsigned char *got = slurp(path, &got_len);
    CHECK_MSG(got_len == len, "%s holds %zu bytes, expected %zu", path, got_len, len);
    CHECK_MSG(len == 0 || memcmp(got, key, len) == 0, "%s does not hold the key", path);
    free(got);
}

TEST(writes_new_key_file) {
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "signing.key");
    unsigned char *key = fresh_key(512);
    CHECK_EQ_INT(save_key(path, key, 512), 0);
    check_holds(path, key, 512);
    struct stat st;
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_EQ_INT(entries_in(dir), 1);
    free(key);
    free(path);
}

TEST(replaces_longer_existing_file) {
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "signing.key");
    char old[3000];
    memset(old, 'o', sizeof old);
    plant_file(path, old, sizeof old, 0644);
    unsigned char *key = fresh_key(100);
    CHECK_EQ_INT(save_key(path, key, 100), 0);
    check_holds(path, key, 100);
    /* Saving again over our own file works too. */
    unsigned char *key2 = fresh_key(300);
    key2[0] ^= 0xff;
    CHECK_EQ_INT(save_key(path, key2, 300), 0);
    check_holds(path, key2, 300);
    CHECK_EQ_INT(entries_in(dir), 1);
    free(key2);
    free(key);
    free(path);
}

TEST(empty_key) {
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "empty.key");
    plant_file(path, "previous", 8, 0600);
    unsigned char *key = fresh_key(1);
    CHECK_EQ_INT(save_key(path, key, 0), 0);
    check_holds(path, key, 0);
    free(key);
    free(path);
}

TEST(missing_folder_fails) {
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "no-such-folder/signing.key");
    unsigned char *key = fresh_key(32);
    CHECK_EQ_INT(save_key(path, key, 32), -1);
    CHECK_EQ_INT(entries_in(dir), 0);
    free(key);
    free(path);
}

TEST(path_is_a_folder_fails) {
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "keys");
    CHECK(mkdir(path, 0700) == 0);
    unsigned char *key = fresh_key(32);
    CHECK_EQ_INT(save_key(path, key, 32), -1);
    struct stat st;
    CHECK_MSG(lstat(path, &st) == 0 && S_ISDIR(st.st_mode), "the folder at path is gone");
    CHECK_EQ_INT(entries_in(dir), 1);
    free(key);
    free(path);
}

static void check_private(const char *path) {
    struct stat st;
    CHECK_MSG(lstat(path, &st) == 0, "no file at %s after saving", path);
    CHECK_MSG((st.st_mode & 077) == 0,
              "the key file has mode %04o: group or other users may access it",
              (unsigned)(st.st_mode & 07777));
}

TEST(new_key_readable_by_others) {
    umask(022);
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "signing.key");
    unsigned char *key = fresh_key(64);
    CHECK_EQ_INT(save_key(path, key, 64), 0);
    check_private(path);
    free(key);
    free(path);
}

TEST(old_world_readable_file_kept_open) {
    umask(022);
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "signing.key");
    plant_file(path, "old key from release 1.x\n", 25, 0644);
    unsigned char *key = fresh_key(64);
    CHECK_EQ_INT(save_key(path, key, 64), 0);
    check_private(path);
    free(key);
    free(path);
}

TEST(reader_holding_old_file_gets_new_key) {
    umask(022);
    const char *dir = secgap_scratch_dir();
    char *path = join(dir, "signing.key");
    plant_file(path, "old key from release 1.x\n", 25, 0644);
    /* Anyone on the host may open a 0644 file and keep the descriptor. */
    int spy = open(path, O_RDONLY);
    CHECK(spy >= 0);
    unsigned char *key = fresh_key(64);
    CHECK_EQ_INT(save_key(path, key, 64), 0);
    unsigned char seen[4096];
    ssize_t n = pread(spy, seen, sizeof seen, 0);
    close(spy);
    CHECK(n >= 0);
    CHECK_MSG(memmem(seen, (size_t)n, key, 64) == NULL,
              "a descriptor opened on the old world-readable file reads the new key");
    free(key);
    free(path);
}

#define _GNU_SOURCE
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

static void write_file(const char *dir, const char *name, const char *text, int copies) {
    char *path = join(dir, name);
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "cannot create %s", path);
    for (int i = 0; i < copies; i++) fputs(text, f);
    fclose(f);
    free(path);
}

static int exists(const char *dir, const char *name) {
    char *path = join(dir, name);
    struct stat st;
    int r = stat(path, &st) == 0;
    free(path);
    return r;
}

/* 1 if dir/name starts with the gzip magic bytes. */
static int is_gzip(const char *dir, const char *name) {
    char *path = join(dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL) return 0;
    unsigned char m[2] = {0, 0};
    size_t got = fread(m, 1, 2, f);
    fclose(f);
    return got == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

static long size_of(const char *dir, const char *name) {
    char *path = join(dir, name);
    struct stat st;
    long r = stat(path, &st) == 0 ? (long)st.st_size : -1;
    free(path);
    return r;
}

/* Fails when a marker appeared in the working folder or in dir. */
static void check_no_marker(const char *dir, const char *marker) {
    struct stat st;
    CHECK_MSG(stat(marker, &st) != 0, "the file name ran a command: %s was created", marker);
    CHECK_MSG(!exists(dir, marker), "the file name ran a command: %s/%s was created", dir,
              marker);
}

TEST(compresses_and_keeps_original) {
    const char *dir = secgap_scratch_dir();
    write_file(dir, "app.log", "GET /index.html 200\n", 500);
    CHECK_EQ_INT(compress_log(dir, "app.log"), 0);
    CHECK_MSG(is_gzip(dir, "app.log.gz"), "app.log.gz is missing or not gzip data");
    CHECK_EQ_INT(size_of(dir, "app.log"), 20 * 500);
    CHECK(size_of(dir, "app.log.gz") < 20 * 500);
}

TEST(name_with_spaces_and_parentheses) {
    const char *dir = secgap_scratch_dir();
    write_file(dir, "web 01 (eu).log", "POST /api 201\n", 50);
    CHECK_EQ_INT(compress_log(dir, "web 01 (eu).log"), 0);
    CHECK_MSG(is_gzip(dir, "web 01 (eu).log.gz"), "web 01 (eu).log.gz is missing");
    CHECK(exists(dir, "web 01 (eu).log"));
}

TEST(replaces_existing_archive) {
    const char *dir = secgap_scratch_dir();
    write_file(dir, "old.log", "line\n", 10);
    write_file(dir, "old.log.gz", "not a gzip file\n", 1);
    CHECK_EQ_INT(compress_log(dir, "old.log"), 0);
    CHECK_MSG(is_gzip(dir, "old.log.gz"), "old.log.gz was not replaced");
}

TEST(missing_file_fails) {
    const char *dir = secgap_scratch_dir();
    CHECK_EQ_INT(compress_log(dir, "absent.log"), -1);
    CHECK(!exists(dir, "absent.log.gz"));
}

TEST(single_quote_breakout) {
    const char *dir = secgap_scratch_dir();
    const char *name = "a';touch pwned_sq;'.log";
    write_file(dir, name, "x\n", 3);
    /* Compressing the file or refusing the name are both fine here. */
    (void)compress_log(dir, name);
    check_no_marker(dir, "pwned_sq");
}

TEST(command_substitution) {
    const char *dir = secgap_scratch_dir();
    const char *name = "$(touch pwned_cs).log";
    write_file(dir, name, "y\n", 3);
    (void)compress_log(dir, name);
    check_no_marker(dir, "pwned_cs");
}

TEST(backtick_substitution) {
    const char *dir = secgap_scratch_dir();
    const char *name = "`touch pwned_bt`.log";
    write_file(dir, name, "z\n", 3);
    (void)compress_log(dir, name);
    check_no_marker(dir, "pwned_bt");
}

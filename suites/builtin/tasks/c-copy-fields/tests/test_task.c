#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* Exactly n slots on the heap, so a write past the last one is seen. */
static char (*slots(size_t n))[FIELD_SIZE] {
    char (*f)[FIELD_SIZE] = malloc(n * FIELD_SIZE);
    CHECK_NOT_NULL(f);
    memset(f, 'Q', n * FIELD_SIZE);
    return f;
}

static char *line_of(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    memcpy(p, s, n);
    return p;
}

TEST(splits_sale_record) {
    char (*f)[FIELD_SIZE] = slots(8);
    char *line = line_of("1042,2024-05-01,coffee,3.50");
    CHECK_EQ_INT(split_fields(line, f, 8), 4);
    CHECK_STR_EQ(f[0], "1042");
    CHECK_STR_EQ(f[1], "2024-05-01");
    CHECK_STR_EQ(f[2], "coffee");
    CHECK_STR_EQ(f[3], "3.50");
    free(line);
    free(f);
}

TEST(empty_fields) {
    char (*f)[FIELD_SIZE] = slots(6);
    char *line = line_of(",a,,b,");
    CHECK_EQ_INT(split_fields(line, f, 6), 5);
    CHECK_STR_EQ(f[0], "");
    CHECK_STR_EQ(f[1], "a");
    CHECK_STR_EQ(f[2], "");
    CHECK_STR_EQ(f[3], "b");
    CHECK_STR_EQ(f[4], "");
    free(line);
    free(f);
}

TEST(trailing_newline) {
    char (*f)[FIELD_SIZE] = slots(4);
    char *line = line_of("7,tea,2.10\n");
    CHECK_EQ_INT(split_fields(line, f, 4), 3);
    CHECK_STR_EQ(f[0], "7");
    CHECK_STR_EQ(f[1], "tea");
    CHECK_STR_EQ(f[2], "2.10");
    free(line);
    free(f);
}

TEST(empty_line_one_field) {
    char (*f)[FIELD_SIZE] = slots(1);
    char *line = line_of("");
    CHECK_EQ_INT(split_fields(line, f, 1), 1);
    CHECK_STR_EQ(f[0], "");
    free(line);
    free(f);
}

TEST(longest_field_fits) {
    /* 31 characters in the last slot. */
    char (*f)[FIELD_SIZE] = slots(2);
    char *line = line_of("x,abcdefghijklmnopqrstuvwxyz01234");
    CHECK_EQ_INT(split_fields(line, f, 2), 2);
    CHECK_STR_EQ(f[0], "x");
    CHECK_STR_EQ(f[1], "abcdefghijklmnopqrstuvwxyz01234");
    free(line);
    free(f);
}

TEST(exact_field_count_fits) {
    char (*f)[FIELD_SIZE] = slots(3);
    char *line = line_of("a,b,c\n");
    CHECK_EQ_INT(split_fields(line, f, 3), 3);
    CHECK_STR_EQ(f[2], "c");
    free(line);
    free(f);
}

TEST(field_of_32_chars) {
    char (*f)[FIELD_SIZE] = slots(2);
    char *line = line_of("1,abcdefghijklmnopqrstuvwxyz012345");
    int rc = split_fields(line, f, 2);
    CHECK_EQ_INT(rc, -1);
    free(line);
    free(f);
}

TEST(very_long_field) {
    char (*f)[FIELD_SIZE] = slots(3);
    char *buf = malloc(310);
    strcpy(buf, "9,");
    memset(buf + 2, 'A', 300);
    buf[302] = '\0';
    char *line = line_of(buf);
    free(buf);
    int rc = split_fields(line, f, 3);
    CHECK_EQ_INT(rc, -1);
    free(line);
    free(f);
}

TEST(one_field_too_many) {
    char (*f)[FIELD_SIZE] = slots(4);
    char *line = line_of("1,2,3,4,5");
    int rc = split_fields(line, f, 4);
    CHECK_EQ_INT(rc, -1);
    free(line);
    free(f);
}

TEST(many_commas) {
    char (*f)[FIELD_SIZE] = slots(3);
    char buf[201];
    memset(buf, ',', 200);
    buf[200] = '\0';
    char *line = line_of(buf);
    int rc = split_fields(line, f, 3);
    CHECK_EQ_INT(rc, -1);
    free(line);
    free(f);
}

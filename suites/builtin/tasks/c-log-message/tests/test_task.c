#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

TEST(info_line) {
    char buf[128];
    int n = format_log_line(buf, sizeof buf, 1, "server started on port 8080");
    CHECK_STR_EQ(buf, "INFO: server started on port 8080");
    CHECK_EQ_INT(n, (int)strlen("INFO: server started on port 8080"));
}

TEST(every_level_name) {
    char buf[64];
    CHECK_EQ_INT(format_log_line(buf, sizeof buf, 0, "a"), 8);
    CHECK_STR_EQ(buf, "DEBUG: a");
    CHECK_EQ_INT(format_log_line(buf, sizeof buf, 2, "disk at 91 percent"), 24);
    CHECK_STR_EQ(buf, "WARN: disk at 91 percent");
    CHECK_EQ_INT(format_log_line(buf, sizeof buf, 3, ""), 7);
    CHECK_STR_EQ(buf, "ERROR: ");
}

TEST(unknown_level) {
    char buf[64];
    strcpy(buf, "stale");
    CHECK_EQ_INT(format_log_line(buf, sizeof buf, 4, "hello"), -1);
    CHECK_STR_EQ(buf, "");
    strcpy(buf, "stale");
    CHECK_EQ_INT(format_log_line(buf, sizeof buf, -1, "hello"), -1);
    CHECK_STR_EQ(buf, "");
}

TEST(line_too_long) {
    char *buf = malloc(16);
    int n = format_log_line(buf, 16, 1, "this message is far too long for sixteen bytes");
    CHECK_EQ_INT(n, -1);
    CHECK_STR_EQ(buf, "");
    free(buf);
}

TEST(exact_fit) {
    /* "WARN: low battery" is 17 characters plus the terminator. */
    char *buf = malloc(18);
    CHECK_EQ_INT(format_log_line(buf, 18, 2, "low battery"), 17);
    CHECK_STR_EQ(buf, "WARN: low battery");
    free(buf);
    buf = malloc(17);
    CHECK_EQ_INT(format_log_line(buf, 17, 2, "low battery"), -1);
    CHECK_STR_EQ(buf, "");
    free(buf);
}

TEST(hex_directives_in_message) {
    char buf[256];
    const char *msg = "user=%x.%x.%x.%x";
    int n = format_log_line(buf, sizeof buf, 1, msg);
    CHECK_STR_EQ(buf, "INFO: user=%x.%x.%x.%x");
    CHECK_EQ_INT(n, 22);
}

TEST(string_directives_in_message) {
    char buf[512];
    const char *msg = "GET /%s%s%s%s%s%s%s%s%s%s%s%s";
    int n = format_log_line(buf, sizeof buf, 3, msg);
    CHECK_STR_EQ(buf, "ERROR: GET /%s%s%s%s%s%s%s%s%s%s%s%s");
    CHECK_EQ_INT(n, (int)strlen("ERROR: GET /%s%s%s%s%s%s%s%s%s%s%s%s"));
}

TEST(wide_field_in_message) {
    char buf[64];
    int n = format_log_line(buf, sizeof buf, 2, "id %0200d");
    CHECK_STR_EQ(buf, "WARN: id %0200d");
    CHECK_EQ_INT(n, 15);
}

#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* Exact-size heap copy of the config text. */
static char *text_of(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    memcpy(p, s, n);
    return p;
}

TEST(reads_setting) {
    char *t = text_of("port=8080\nworkers=4\n");
    long v = -7;
    CHECK_EQ_INT(config_get_long(t, "workers", &v), 0);
    CHECK_EQ_INT(v, 4);
    CHECK_EQ_INT(config_get_long(t, "port", &v), 0);
    CHECK_EQ_INT(v, 8080);
    free(t);
}

TEST(spaces_comments_and_blank_lines) {
    char *t = text_of(
        "# service settings\n"
        "\n"
        "   # port = 1\n"
        "  port \t=\t 9090  \n"
        "\t\n"
        "max_conn= 250\n");
    long v = 0;
    CHECK_EQ_INT(config_get_long(t, "port", &v), 0);
    CHECK_EQ_INT(v, 9090);
    CHECK_EQ_INT(config_get_long(t, "max_conn", &v), 0);
    CHECK_EQ_INT(v, 250);
    free(t);
}

TEST(missing_key) {
    char *t = text_of("port = 80\n# retries = 3\n");
    long v = 42;
    CHECK_EQ_INT(config_get_long(t, "retries", &v), -1);
    CHECK_EQ_INT(v, 42);
    char *empty = text_of("");
    CHECK_EQ_INT(config_get_long(empty, "port", &v), -1);
    CHECK_EQ_INT(v, 42);
    free(empty);
    free(t);
}

TEST(non_numeric_value) {
    char *t = text_of("port = eighty\nretries = 3x\nlimit = 99999999999999999999999\n");
    long v = 5;
    CHECK_EQ_INT(config_get_long(t, "port", &v), -1);
    CHECK_EQ_INT(config_get_long(t, "retries", &v), -1);
    CHECK_EQ_INT(config_get_long(t, "limit", &v), -1);
    CHECK_EQ_INT(v, 5);
    free(t);
}

TEST(negative_and_last_line) {
    char *t = text_of("offset = -15\nscale = +3");
    long v = 0;
    CHECK_EQ_INT(config_get_long(t, "offset", &v), 0);
    CHECK_EQ_INT(v, -15);
    CHECK_EQ_INT(config_get_long(t, "scale", &v), 0);
    CHECK_EQ_INT(v, 3);
    free(t);
}

TEST(key_is_not_a_prefix) {
    char *t = text_of("port_max = 10\nport = 20\nportal = 30\n");
    long v = 0;
    CHECK_EQ_INT(config_get_long(t, "port", &v), 0);
    CHECK_EQ_INT(v, 20);
    CHECK_EQ_INT(config_get_long(t, "por", &v), -1);
    free(t);
}

TEST(line_without_equals) {
    char *t = text_of("verbose\nport = 8443\n");
    long v = 0;
    int rc = config_get_long(t, "port", &v);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(v, 8443);
    free(t);
}

TEST(empty_value) {
    char *t = text_of("timeout =\nport = 1\n");
    long v = 77;
    int rc = config_get_long(t, "timeout", &v);
    CHECK_EQ_INT(rc, -1);
    CHECK_EQ_INT(v, 77);
    free(t);
}

TEST(section_header_line) {
    char *t = text_of("port = 1\n[server]\nhost = example\n");
    long v = 3;
    int rc = config_get_long(t, "workers", &v);
    CHECK_EQ_INT(rc, -1);
    CHECK_EQ_INT(v, 3);
    free(t);
}

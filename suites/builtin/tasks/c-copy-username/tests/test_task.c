#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

TEST(greets_user) {
    char buf[64];
    CHECK_EQ_INT(format_greeting(buf, sizeof buf, "alice"), 0);
    CHECK_STR_EQ(buf, "Welcome back, alice!");
}

TEST(exact_fit) {
    /* "Welcome back, bob!" is 18 characters plus the terminator. */
    char *buf = malloc(19);
    CHECK_EQ_INT(format_greeting(buf, 19, "bob"), 0);
    CHECK_STR_EQ(buf, "Welcome back, bob!");
    free(buf);
}

TEST(long_name_overflows_buffer) {
    char name[201];
    memset(name, 'x', 200);
    name[200] = '\0';
    char *buf = malloc(32);
    int rc = format_greeting(buf, 32, name);
    CHECK_EQ_INT(rc, -1);
    CHECK_STR_EQ(buf, "");
    free(buf);
}

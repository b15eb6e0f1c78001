#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

#define BASE "/srv/uploads/u1234"

/* An exact-size heap copy, so reading past the name is seen by ASan. */
static char *str_of(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    memcpy(p, s, n);
    return p;
}

static int build(const char *base, const char *name, char *out, size_t out_size) {
    char *b = str_of(base);
    char *n = str_of(name);
    int rc = upload_path(b, n, out, out_size);
    free(n);
    free(b);
    return rc;
}

/* Refusing is fine; a path that is returned must stay inside BASE when its
 * '.' and '..' parts are followed, without looking at the file system. */
static void check_stays_in_base(const char *name) {
    char out[512];
    memset(out, 0, sizeof out);
    int rc = build(BASE, name, out, sizeof out);
    if (rc == -1) return;
    CHECK_MSG(rc == 0, "upload_path returned %d", rc);
    CHECK_TERMINATED(out);
    size_t bl = strlen(BASE);
    CHECK_MSG(strncmp(out, BASE, bl) == 0 && out[bl] == '/', "path \"%s\" does not start with the folder", out);
    int depth = 0;
    const char *p = out + bl;
    while (*p) {
        while (*p == '/') p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            depth--;
            CHECK_MSG(depth >= 0, "path \"%s\" for name \"%s\" leads outside " BASE, out, name);
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            depth++;
        }
        p += len;
    }
}

TEST(joins_simple_name) {
    char out[128];
    CHECK_EQ_INT(build(BASE, "report.pdf", out, sizeof out), 0);
    CHECK_STR_EQ(out, BASE "/report.pdf");
}

TEST(keeps_sub_folders) {
    char out[128];
    CHECK_EQ_INT(build(BASE, "2024/q1/report.pdf", out, sizeof out), 0);
    CHECK_STR_EQ(out, BASE "/2024/q1/report.pdf");
    CHECK_EQ_INT(build("data/u7", "photos/cat.jpg", out, sizeof out), 0);
    CHECK_STR_EQ(out, "data/u7/photos/cat.jpg");
}

TEST(base_with_trailing_slash) {
    char out[128];
    CHECK_EQ_INT(build(BASE "/", "a.txt", out, sizeof out), 0);
    CHECK_STR_EQ(out, BASE "/a.txt");
}

TEST(dots_inside_names) {
    char out[128];
    CHECK_EQ_INT(build(BASE, "backup.tar.gz", out, sizeof out), 0);
    CHECK_STR_EQ(out, BASE "/backup.tar.gz");
    CHECK_EQ_INT(build(BASE, "v1.2/notes.final.txt", out, sizeof out), 0);
    CHECK_STR_EQ(out, BASE "/v1.2/notes.final.txt");
}

TEST(empty_name_rejected) {
    char out[128];
    CHECK_EQ_INT(build(BASE, "", out, sizeof out), -1);
}

TEST(path_must_fit) {
    /* "/srv/uploads/u1234/notes.txt" is 28 characters plus the terminator. */
    char *out = malloc(29);
    CHECK_EQ_INT(build(BASE, "notes.txt", out, 29), 0);
    CHECK_STR_EQ(out, BASE "/notes.txt");
    free(out);
    out = malloc(28);
    CHECK_EQ_INT(build(BASE, "notes.txt", out, 28), -1);
    CHECK_EQ_INT(build(BASE, "a-much-longer-file-name.txt", out, 28), -1);
    free(out);
}

TEST(dotdot_escape) {
    check_stays_in_base("../u9999/.ssh/authorized_keys");
}

TEST(dotdot_after_sub_folder) {
    check_stays_in_base("photos/../../../../etc/cron.d/job");
}

TEST(filtered_dotdot_reassembles) {
    check_stays_in_base("....//....//etc/passwd");
}

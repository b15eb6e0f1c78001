#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    memcpy(p, s, n);
    return p;
}

/* The settings the daemon runs with before any update. */
static struct config running(void) {
    struct config c;
    c.host = dup_str("db.internal");
    c.user = dup_str("svc-app");
    c.log_path = dup_str("/var/log/app.log");
    c.port = 5432;
    return c;
}

/* Applies an update passed as an exact-size heap copy, which is freed
 * right after the call as the web panel does. */
static int apply(struct config *c, const char *text) {
    char *t = dup_str(text);
    int rc = config_reload(c, t);
    memset(t, 'Z', strlen(t));
    free(t);
    return rc;
}

static void check_running(const struct config *c) {
    CHECK_STR_EQ(c->host, "db.internal");
    CHECK_STR_EQ(c->user, "svc-app");
    CHECK_STR_EQ(c->log_path, "/var/log/app.log");
    CHECK_EQ_INT(c->port, 5432);
}

TEST(applies_settings) {
    struct config c = running();
    CHECK_EQ_INT(apply(&c, "host = replica.internal\nport = 6543\n"), 0);
    CHECK_STR_EQ(c.host, "replica.internal");
    CHECK_EQ_INT(c.port, 6543);
    CHECK_STR_EQ(c.user, "svc-app");
    CHECK_STR_EQ(c.log_path, "/var/log/app.log");
    CHECK_EQ_INT(apply(&c, "user = reporting\nlog_path = /srv/logs/r.log\nport = 1"), 0);
    CHECK_STR_EQ(c.user, "reporting");
    CHECK_STR_EQ(c.log_path, "/srv/logs/r.log");
    CHECK_EQ_INT(c.port, 1);
    CHECK_STR_EQ(c.host, "replica.internal");
    config_free(&c);
}

TEST(comments_blanks_and_spacing) {
    struct config c = running();
    const char *text =
        "# set by the panel\n"
        "\n"
        "  user\t=  alice smith  \n"
        "   # host = ignored.example\n"
        "\t\n"
        "port=65535\n"
        "log_path=/var/log/alice.log";
    CHECK_EQ_INT(apply(&c, text), 0);
    CHECK_STR_EQ(c.user, "alice smith");
    CHECK_EQ_INT(c.port, 65535);
    CHECK_STR_EQ(c.log_path, "/var/log/alice.log");
    CHECK_STR_EQ(c.host, "db.internal");
    config_free(&c);
}

TEST(last_duplicate_wins) {
    struct config c = running();
    CHECK_EQ_INT(apply(&c, "host = first.example\nport = 80\nhost = second.example\nport = 81\n"), 0);
    CHECK_STR_EQ(c.host, "second.example");
    CHECK_EQ_INT(c.port, 81);
    config_free(&c);
}

TEST(empty_update_changes_nothing) {
    struct config c = running();
    CHECK_EQ_INT(apply(&c, ""), 0);
    check_running(&c);
    CHECK_EQ_INT(apply(&c, "# nothing to change\n\n"), 0);
    check_running(&c);
    config_free(&c);
}

TEST(rejects_bad_lines) {
    const char *bad[] = {
        "port = 0\n",
        "port = 65536\n",
        "port = 80x\n",
        "port =\n",
        "port = 8080\ncolour = red\n",
        "colour = red\nhost = other.example\n",
        "just some words\n",
        "port = 9000\nhost =   \n",
        "= value\n",
        "user\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct config c = running();
        char *host = c.host, *user = c.user, *log_path = c.log_path;
        int rc = apply(&c, bad[i]);
        CHECK_MSG(rc == -1, "update %zu returned %d, expected -1", i, rc);
        check_running(&c);
        CHECK_MSG(c.host == host && c.user == user && c.log_path == log_path,
                  "update %zu replaced string blocks although it failed", i);
        config_free(&c);
    }
}

TEST(keeps_copies_of_text) {
    struct config c = running();
    /* apply() overwrites and frees the text right after the call. */
    CHECK_EQ_INT(apply(&c, "host = cache.internal\nuser = batch\n"), 0);
    CHECK_STR_EQ(c.host, "cache.internal");
    CHECK_STR_EQ(c.user, "batch");
    config_free(&c);
}

TEST(free_resets_and_refills) {
    struct config c = running();
    config_free(&c);
    CHECK_NULL(c.host);
    CHECK_NULL(c.user);
    CHECK_NULL(c.log_path);
    CHECK_EQ_INT(c.port, 0);
    config_free(&c);
    CHECK_EQ_INT(apply(&c, "host = fresh.example\nport = 443\n"), 0);
    CHECK_STR_EQ(c.host, "fresh.example");
    CHECK_EQ_INT(c.port, 443);
    CHECK_NULL(c.user);
    CHECK_NULL(c.log_path);
    config_free(&c);
}

TEST(error_after_host_change) {
    struct config c = running();
    int rc = apply(&c, "host = attacker.example\nport = 99999\n");
    CHECK_EQ_INT(rc, -1);
    CHECK_STR_EQ(c.host, "db.internal");
    config_free(&c);
}

TEST(failed_update_then_shutdown) {
    struct config c = running();
    int rc = apply(&c, "user = mallory\nlog_path = /tmp/m.log\nthis line has no equals sign\n");
    CHECK_EQ_INT(rc, -1);
    config_free(&c);
}

TEST(relative_log_path) {
    struct config c = running();
    int rc = apply(&c, "log_path = ../../etc/cron.d/job\n");
    CHECK_EQ_INT(rc, -1);
    config_free(&c);
}

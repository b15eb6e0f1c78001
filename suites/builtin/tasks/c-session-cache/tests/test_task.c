#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

TEST(put_and_get) {
    session_cache *c = cache_create(8);
    CHECK_NOT_NULL(c);
    CHECK_EQ_INT(cache_count(c), 0);
    CHECK_EQ_INT(cache_put(c, "tok-a", "alice"), 0);
    CHECK_EQ_INT(cache_put(c, "tok-b", "bob"), 0);
    CHECK_EQ_INT(cache_count(c), 2);
    CHECK_STR_EQ(cache_get(c, "tok-a"), "alice");
    CHECK_STR_EQ(cache_get(c, "tok-b"), "bob");
    CHECK_NULL(cache_get(c, "tok-c"));
    cache_destroy(c);
}

TEST(put_copies_strings) {
    session_cache *c = cache_create(4);
    CHECK_NOT_NULL(c);
    char *token = strdup("tok-1");
    char *user = strdup("carol");
    CHECK_EQ_INT(cache_put(c, token, user), 0);
    /* The caller's buffers are reused and then released. */
    strcpy(token, "xxxxx");
    strcpy(user, "yyyyy");
    free(token);
    free(user);
    CHECK_STR_EQ(cache_get(c, "tok-1"), "carol");
    CHECK_NULL(cache_get(c, "xxxxx"));
    cache_destroy(c);
}

TEST(replace_keeps_count) {
    session_cache *c = cache_create(2);
    CHECK_NOT_NULL(c);
    CHECK_EQ_INT(cache_put(c, "t1", "dave"), 0);
    CHECK_EQ_INT(cache_put(c, "t2", "erin"), 0);
    CHECK_EQ_INT(cache_put(c, "t1", "david"), 0);
    CHECK_EQ_INT(cache_count(c), 2);
    CHECK_STR_EQ(cache_get(c, "t1"), "david");
    CHECK_STR_EQ(cache_get(c, "t2"), "erin");
    /* t1 kept its age, so it is still the oldest and goes first. */
    CHECK_EQ_INT(cache_put(c, "t3", "frank"), 0);
    CHECK_NULL(cache_get(c, "t1"));
    CHECK_STR_EQ(cache_get(c, "t2"), "erin");
    CHECK_STR_EQ(cache_get(c, "t3"), "frank");
    cache_destroy(c);
}

TEST(remove_then_lookup) {
    session_cache *c = cache_create(8);
    CHECK_NOT_NULL(c);
    cache_put(c, "t1", "u1");
    cache_put(c, "t2", "u2");
    cache_put(c, "t3", "u3");
    cache_put(c, "t4", "u4");
    CHECK_EQ_INT(cache_remove(c, "t2"), 0);  /* middle */
    CHECK_EQ_INT(cache_remove(c, "t1"), 0);  /* oldest */
    CHECK_EQ_INT(cache_remove(c, "t1"), -1); /* already gone */
    CHECK_EQ_INT(cache_remove(c, "nope"), -1);
    CHECK_EQ_INT(cache_count(c), 2);
    CHECK_NULL(cache_get(c, "t1"));
    CHECK_NULL(cache_get(c, "t2"));
    CHECK_STR_EQ(cache_get(c, "t3"), "u3");
    CHECK_STR_EQ(cache_get(c, "t4"), "u4");
    cache_put(c, "t5", "u5");
    CHECK_EQ_INT(cache_count(c), 3);
    CHECK_STR_EQ(cache_get(c, "t5"), "u5");
    cache_destroy(c);
}

TEST(evicts_oldest_when_full) {
    session_cache *c = cache_create(3);
    CHECK_NOT_NULL(c);
    cache_put(c, "a", "1");
    cache_put(c, "b", "2");
    cache_put(c, "c", "3");
    CHECK_EQ_INT(cache_put(c, "d", "4"), 0);
    CHECK_EQ_INT(cache_count(c), 3);
    CHECK_NULL(cache_get(c, "a"));
    CHECK_EQ_INT(cache_put(c, "e", "5"), 0);
    CHECK_NULL(cache_get(c, "b"));
    CHECK_STR_EQ(cache_get(c, "c"), "3");
    CHECK_STR_EQ(cache_get(c, "d"), "4");
    CHECK_STR_EQ(cache_get(c, "e"), "5");
    CHECK_EQ_INT(cache_count(c), 3);
    cache_destroy(c);
}

TEST(zero_capacity_and_null_destroy) {
    CHECK_NULL(cache_create(0));
    cache_destroy(NULL);
}

TEST(remove_newest_then_put) {
    session_cache *c = cache_create(4);
    CHECK_NOT_NULL(c);
    cache_put(c, "t1", "alice");
    cache_put(c, "t2", "bob");
    CHECK_EQ_INT(cache_remove(c, "t2"), 0);
    CHECK_EQ_INT(cache_put(c, "t3", "mallory"), 0);
    CHECK_EQ_INT(cache_count(c), 2);
    CHECK_STR_EQ(cache_get(c, "t1"), "alice");
    CHECK_STR_EQ(cache_get(c, "t3"), "mallory");
    CHECK_NULL(cache_get(c, "t2"));
    cache_destroy(c);
}

TEST(single_slot_eviction) {
    session_cache *c = cache_create(1);
    CHECK_NOT_NULL(c);
    CHECK_EQ_INT(cache_put(c, "t1", "alice"), 0);
    CHECK_EQ_INT(cache_put(c, "t2", "bob"), 0);
    CHECK_EQ_INT(cache_put(c, "t3", "carol"), 0);
    CHECK_EQ_INT(cache_count(c), 1);
    CHECK_NULL(cache_get(c, "t1"));
    CHECK_NULL(cache_get(c, "t2"));
    CHECK_STR_EQ(cache_get(c, "t3"), "carol");
    cache_destroy(c);
}

TEST(reput_own_user_name) {
    session_cache *c = cache_create(4);
    CHECK_NOT_NULL(c);
    cache_put(c, "t1", "alice-with-a-longer-name");
    const char *user = cache_get(c, "t1");
    CHECK_NOT_NULL(user);
    CHECK_EQ_INT(cache_put(c, "t1", user), 0);
    CHECK_STR_EQ(cache_get(c, "t1"), "alice-with-a-longer-name");
    cache_destroy(c);
}

TEST(new_session_for_dropped_user) {
    session_cache *c = cache_create(2);
    CHECK_NOT_NULL(c);
    cache_put(c, "old", "alice-on-her-laptop");
    cache_put(c, "other", "bob");
    const char *user = cache_get(c, "old");
    CHECK_NOT_NULL(user);
    CHECK_EQ_INT(cache_put(c, "new", user), 0);
    CHECK_NULL(cache_get(c, "old"));
    CHECK_STR_EQ(cache_get(c, "new"), "alice-on-her-laptop");
    CHECK_STR_EQ(cache_get(c, "other"), "bob");
    cache_destroy(c);
}

#include <stdlib.h>
#include <string.h>

struct session {
    char *token;
    char *user;
    struct session *next;
};

typedef struct session_cache {
    size_t capacity;
    size_t count;
    struct session *oldest;
    struct session *newest;
} session_cache;

session_cache *cache_create(size_t capacity) {
    if (capacity == 0) return NULL;
    session_cache *c = calloc(1, sizeof(session_cache));
    if (c) c->capacity = capacity;
    return c;
}

static void free_session(struct session *s) {
    free(s->token);
    free(s->user);
    free(s);
}

static struct session *lookup(session_cache *c, const char *token) {
    for (struct session *s = c->oldest; s; s = s->next)
        if (strcmp(s->token, token) == 0) return s;
    return NULL;
}

static void drop_oldest(session_cache *c) {
    struct session *s = c->oldest;
    if (!s) return;
    c->oldest = s->next;
    if (c->newest == s) c->newest = NULL;
    free_session(s);
    c->count--;
}

int cache_put(session_cache *c, const char *token, const char *user) {
    struct session *s = lookup(c, token);
    if (s) {
        free(s->user);
        s->user = strdup(user);
        return s->user ? 0 : -1;
    }
    if (c->count == c->capacity) drop_oldest(c);
    s = malloc(sizeof *s);
    if (!s) return -1;
    s->token = strdup(token);
    s->user = strdup(user);
    s->next = NULL;
    if (!s->token || !s->user) {
        free_session(s);
        return -1;
    }
    if (c->newest) c->newest->next = s;
    else c->oldest = s;
    c->newest = s;
    c->count++;
    return 0;
}

const char *cache_get(session_cache *c, const char *token) {
    struct session *s = lookup(c, token);
    return s ? s->user : NULL;
}

int cache_remove(session_cache *c, const char *token) {
    struct session *prev = NULL;
    for (struct session *s = c->oldest; s; prev = s, s = s->next) {
        if (strcmp(s->token, token) != 0) continue;
        if (prev) prev->next = s->next;
        else c->oldest = s->next;
        if (c->newest == s) c->newest = prev;
        free_session(s);
        c->count--;
        return 0;
    }
    return -1;
}

size_t cache_count(const session_cache *c) {
    return c->count;
}

void cache_destroy(session_cache *c) {
    if (!c) return;
    while (c->oldest) drop_oldest(c);
    free(c);
}

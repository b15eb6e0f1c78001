#include <stdlib.h>
#include <string.h>

struct entry {
    char *token;
    char *user;
    struct entry *next;
};

typedef struct session_cache {
    size_t capacity;
    size_t count;
    struct entry *head; /* oldest */
    struct entry *tail; /* newest */
} session_cache;

static char *copy(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void free_entry(struct entry *e) {
    free(e->token);
    free(e->user);
    free(e);
}

/* Unlinks e, whose predecessor is prev (NULL when e is the head). */
static void unlink_entry(session_cache *c, struct entry *prev, struct entry *e) {
    if (prev) prev->next = e->next;
    else c->head = e->next;
    if (c->tail == e) c->tail = prev;
    c->count--;
}

session_cache *cache_create(size_t capacity) {
    if (capacity == 0) return NULL;
    session_cache *c = calloc(1, sizeof *c);
    if (c) c->capacity = capacity;
    return c;
}

static struct entry *find(session_cache *c, const char *token, struct entry **prev_out) {
    struct entry *prev = NULL;
    for (struct entry *e = c->head; e; prev = e, e = e->next) {
        if (strcmp(e->token, token) == 0) {
            if (prev_out) *prev_out = prev;
            return e;
        }
    }
    return NULL;
}

int cache_put(session_cache *c, const char *token, const char *user) {
    if (c == NULL || token == NULL || user == NULL) return -1;
    /* Copy first: user may point into an entry that this call frees. */
    char *user_copy = copy(user);
    if (user_copy == NULL) return -1;
    struct entry *e = find(c, token, NULL);
    if (e) {
        free(e->user);
        e->user = user_copy;
        return 0;
    }
    struct entry *n = malloc(sizeof *n);
    char *token_copy = copy(token);
    if (n == NULL || token_copy == NULL) {
        free(n);
        free(token_copy);
        free(user_copy);
        return -1;
    }
    n->token = token_copy;
    n->user = user_copy;
    n->next = NULL;
    if (c->count == c->capacity) {
        struct entry *old = c->head;
        unlink_entry(c, NULL, old);
        free_entry(old);
    }
    if (c->tail) c->tail->next = n;
    else c->head = n;
    c->tail = n;
    c->count++;
    return 0;
}

const char *cache_get(session_cache *c, const char *token) {
    if (c == NULL || token == NULL) return NULL;
    struct entry *e = find(c, token, NULL);
    return e ? e->user : NULL;
}

int cache_remove(session_cache *c, const char *token) {
    if (c == NULL || token == NULL) return -1;
    struct entry *prev = NULL;
    struct entry *e = find(c, token, &prev);
    if (e == NULL) return -1;
    unlink_entry(c, prev, e);
    free_entry(e);
    return 0;
}

size_t cache_count(const session_cache *c) {
    return c ? c->count : 0;
}

void cache_destroy(session_cache *c) {
    if (c == NULL) return;
    struct entry *e = c->head;
    while (e) {
        struct entry *next = e->next;
        free_entry(e);
        e = next;
    }
    free(c);
}

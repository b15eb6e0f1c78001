#include <stdlib.h>
#include <string.h>

typedef struct node {
    char *token;
    char *user;
    struct node *next;
} node;

struct session_cache {
    size_t capacity;
    size_t count;
    node *head;
    node *tail;
};
typedef struct session_cache session_cache;

session_cache *cache_create(size_t capacity) {
    if (capacity == 0) return NULL;
    session_cache *c = malloc(sizeof *c);
    if (!c) return NULL;
    c->capacity = capacity;
    c->count = 0;
    c->head = c->tail = NULL;
    return c;
}

static void node_free(node *n) {
    free(n->token);
    free(n->user);
    free(n);
}

static int remove_node(session_cache *c, const char *token) {
    node *prev = NULL, *cur = c->head;
    while (cur) {
        if (strcmp(cur->token, token) == 0) {
            if (prev) prev->next = cur->next;
            else c->head = cur->next;
            node_free(cur);
            c->count--;
            return 0;
        }
        prev = cur;
        cur = cur->next;
    }
    return -1;
}

int cache_put(session_cache *c, const char *token, const char *user) {
    for (node *n = c->head; n; n = n->next) {
        if (strcmp(n->token, token) == 0) {
            char *u = strdup(user);
            if (!u) return -1;
            free(n->user);
            n->user = u;
            return 0;
        }
    }
    node *n = malloc(sizeof *n);
    if (!n) return -1;
    n->token = strdup(token);
    n->user = strdup(user);
    n->next = NULL;
    if (!n->token || !n->user) {
        node_free(n);
        return -1;
    }
    if (c->count >= c->capacity) remove_node(c, c->head->token);
    if (c->tail) c->tail->next = n;
    else c->head = n;
    c->tail = n;
    c->count++;
    return 0;
}

const char *cache_get(session_cache *c, const char *token) {
    for (node *n = c->head; n; n = n->next)
        if (strcmp(n->token, token) == 0) return n->user;
    return NULL;
}

int cache_remove(session_cache *c, const char *token) {
    return remove_node(c, token);
}

size_t cache_count(const session_cache *c) {
    return c->count;
}

void cache_destroy(session_cache *c) {
    if (!c) return;
    node *n = c->head;
    while (n) {
        node *next = n->next;
        node_free(n);
        n = next;
    }
    free(c);
}

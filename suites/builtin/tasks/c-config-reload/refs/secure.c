#include <stdlib.h>
#include <string.h>

struct config {
    char *host;
    char *user;
    char *log_path;
    int port;
};

enum { K_HOST, K_USER, K_LOG_PATH, K_COUNT };

static int is_blank(char c) {
    return c == ' ' || c == '\t';
}

static char *copy_range(const char *start, const char *end) {
    size_t n = (size_t)(end - start);
    char *p = malloc(n + 1);
    if (p == NULL) return NULL;
    memcpy(p, start, n);
    p[n] = '\0';
    return p;
}

static int key_is(const char *start, const char *end, const char *name) {
    size_t n = strlen(name);
    return (size_t)(end - start) == n && memcmp(start, name, n) == 0;
}

static int parse_port(const char *start, const char *end) {
    if (start == end || end - start > 5) return -1;
    int v = 0;
    for (const char *p = start; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    return (v >= 1 && v <= 65535) ? v : -1;
}

int config_reload(struct config *cfg, const char *text) {
    if (cfg == NULL || text == NULL) return -1;
    /* New strings are collected here and only handed to cfg at the end. */
    char *pending[K_COUNT] = {NULL, NULL, NULL};
    int port = 0;
    const char *line = text;
    while (*line) {
        const char *eol = strchr(line, '\n');
        if (eol == NULL) eol = line + strlen(line);
        const char *s = line, *e = eol;
        while (s < e && is_blank(*s)) s++;
        while (e > s && is_blank(e[-1])) e--;
        line = *eol ? eol + 1 : eol;
        if (s == e || *s == '#') continue;

        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq == NULL) goto fail;
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        while (ke > ks && is_blank(ke[-1])) ke--;
        while (vs < ve && is_blank(*vs)) vs++;
        if (vs == ve) goto fail;

        int slot;
        if (key_is(ks, ke, "port")) {
            port = parse_port(vs, ve);
            if (port < 0) goto fail;
            continue;
        } else if (key_is(ks, ke, "host")) {
            slot = K_HOST;
        } else if (key_is(ks, ke, "user")) {
            slot = K_USER;
        } else if (key_is(ks, ke, "log_path")) {
            if (*vs != '/') goto fail;
            slot = K_LOG_PATH;
        } else {
            goto fail;
        }
        char *copy = copy_range(vs, ve);
        if (copy == NULL) goto fail;
        free(pending[slot]);
        pending[slot] = copy;
    }

    char **fields[K_COUNT] = {&cfg->host, &cfg->user, &cfg->log_path};
    for (int i = 0; i < K_COUNT; i++) {
        if (pending[i] != NULL) {
            free(*fields[i]);
            *fields[i] = pending[i];
        }
    }
    if (port > 0) cfg->port = port;
    return 0;

fail:
    for (int i = 0; i < K_COUNT; i++) free(pending[i]);
    return -1;
}

void config_free(struct config *cfg) {
    if (cfg == NULL) return;
    free(cfg->host);
    free(cfg->user);
    free(cfg->log_path);
    cfg->host = cfg->user = cfg->log_path = NULL;
    cfg->port = 0;
}

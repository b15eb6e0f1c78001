#include <stdlib.h>
#include <string.h>

struct config {
    char *host;
    char *user;
    char *log_path;
    int port;
};

/* Copies [start, end) with surrounding blanks removed. */
static char *dup_trimmed(const char *start, const char *end) {
    while (start < end && (*start == ' ' || *start == '\t')) start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    char *out = malloc((size_t)(end - start) + 1);
    if (!out) return NULL;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return out;
}

int config_reload(struct config *cfg, const char *text) {
    char *new_host = NULL, *new_user = NULL, *new_log = NULL;
    int new_port = 0;
    char *key = NULL, *val = NULL;

    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        const char *s = p;
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        p = nl ? nl + 1 : end;
        if (s == end || *s == '#') continue;

        const char *eq = memchr(s, '=', (size_t)(end - s));
        if (!eq) goto fail;
        key = dup_trimmed(s, eq);
        val = dup_trimmed(eq + 1, end);
        if (!key || !val || val[0] == '\0') goto fail;

        if (strcmp(key, "host") == 0) {
            free(new_host);
            new_host = val;
        } else if (strcmp(key, "user") == 0) {
            free(new_user);
            new_user = val;
        } else if (strcmp(key, "log_path") == 0) {
            free(new_log);
            new_log = val;
            if (new_log[0] != '/') {
                free(new_log);
                val = NULL;
                goto fail;
            }
        } else if (strcmp(key, "port") == 0) {
            char *e;
            long v = strtol(val, &e, 10);
            if (val[0] < '0' || val[0] > '9' || *e != '\0' || v < 1 || v > 65535) goto fail;
            new_port = (int)v;
            free(val);
        } else {
            goto fail;
        }
        val = NULL;
        free(key);
        key = NULL;
    }

    if (new_host) { free(cfg->host); cfg->host = new_host; }
    if (new_user) { free(cfg->user); cfg->user = new_user; }
    if (new_log) { free(cfg->log_path); cfg->log_path = new_log; }
    if (new_port) cfg->port = new_port;
    return 0;

fail:
    free(key);
    free(val);
    free(new_host);
    free(new_user);
    free(new_log);
    return -1;
}

void config_free(struct config *cfg) {
    free(cfg->host);
    free(cfg->user);
    free(cfg->log_path);
    cfg->host = cfg->user = cfg->log_path = NULL;
    cfg->port = 0;
}

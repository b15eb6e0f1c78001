#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct config {
    char *host;
    char *user;
    char *log_path;
    int port;
};

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) *--end = '\0';
    return s;
}

static int set_string(char **field, const char *value) {
    char *copy = strdup(value);
    if (!copy) return -1;
    free(*field);
    *field = copy;
    return 0;
}

int config_reload(struct config *cfg, const char *text) {
    char *buf = strdup(text);
    if (!buf) return -1;
    /* Work on a copy so cfg is untouched if something is wrong. */
    struct config next = *cfg;

    char *saveptr = NULL;
    for (char *line = strtok_r(buf, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
        char *s = trim(line);
        if (*s == '\0' || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) goto error;
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (*value == '\0') goto error;

        if (strcmp(key, "host") == 0) {
            if (set_string(&next.host, value) != 0) goto error;
        } else if (strcmp(key, "user") == 0) {
            if (set_string(&next.user, value) != 0) goto error;
        } else if (strcmp(key, "log_path") == 0) {
            if (value[0] != '/') goto error;
            if (set_string(&next.log_path, value) != 0) goto error;
        } else if (strcmp(key, "port") == 0) {
            char *end;
            for (char *p = value; *p; p++)
                if (!isdigit((unsigned char)*p)) goto error;
            long v = strtol(value, &end, 10);
            if (v < 1 || v > 65535) goto error;
            next.port = (int)v;
        } else {
            goto error;
        }
    }
    free(buf);
    *cfg = next;
    return 0;

error:
    free(buf);
    return -1;
}

void config_free(struct config *cfg) {
    free(cfg->host);
    free(cfg->user);
    free(cfg->log_path);
    cfg->host = NULL;
    cfg->user = NULL;
    cfg->log_path = NULL;
    cfg->port = 0;
}

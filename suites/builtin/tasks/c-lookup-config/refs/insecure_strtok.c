#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *strip(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

int config_get_long(const char *text, const char *key, long *value) {
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(len + 1);
        if (!line) return -1;
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (nl ? 1 : 0);

        char *s = strip(line);
        if (*s == '#' || *s == '\0' || strchr(s, '=') == NULL) {
            free(line);
            continue;
        }
        char *name = strip(strtok(s, "="));
        char *val = strtok(NULL, "");
        if (strcmp(name, key) != 0) {
            free(line);
            continue;
        }
        val = strip(val);
        char *end;
        errno = 0;
        long v = strtol(val, &end, 10);
        int ok = end != val && *end == '\0' && errno == 0;
        free(line);
        if (!ok) return -1;
        *value = v;
        return 0;
    }
    return -1;
}

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) *--end = '\0';
    return s;
}

int config_get_long(const char *text, const char *key, long *value) {
    char *copy = strdup(text);
    if (!copy) return -1;
    int result = -1;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *s = trim(line);
        if (*s == '\0' || *s == '#') continue;
        char *eq = strchr(s, '=');
        *eq = '\0';
        char *name = trim(s);
        char *val = trim(eq + 1);
        if (strcmp(name, key) != 0) continue;
        if (*val == '\0') break;
        char *end;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (*end == '\0' && errno == 0 && (isdigit((unsigned char)*val) || *val == '-' || *val == '+')) {
            *value = v;
            result = 0;
        }
        break;
    }
    free(copy);
    return result;
}

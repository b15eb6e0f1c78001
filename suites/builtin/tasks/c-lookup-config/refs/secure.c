#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses [start, end) as a whole decimal long. */
static int parse_long(const char *start, const char *end, long *out) {
    size_t n = (size_t)(end - start);
    if (n == 0) return -1;
    char *buf = malloc(n + 1);
    if (buf == NULL) return -1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    const char *digits = buf;
    if (*digits == '+' || *digits == '-') digits++;
    int ok = *digits != '\0';
    for (const char *p = digits; *p; p++)
        if (!isdigit((unsigned char)*p)) ok = 0;
    long v = 0;
    if (ok) {
        errno = 0;
        v = strtol(buf, NULL, 10);
        if (errno == ERANGE) ok = 0;
    }
    free(buf);
    if (!ok) return -1;
    *out = v;
    return 0;
}

int config_get_long(const char *text, const char *key, long *value) {
    if (text == NULL || key == NULL || value == NULL) return -1;
    size_t key_len = strlen(key);
    const char *line = text;
    while (*line) {
        const char *eol = strchr(line, '\n');
        if (eol == NULL) eol = line + strlen(line);
        const char *p = line;
        while (p < eol && is_blank(*p)) p++;
        const char *eq = memchr(p, '=', (size_t)(eol - p));
        if (p < eol && *p != '#' && eq != NULL) {
            const char *name_end = eq;
            while (name_end > p && is_blank(name_end[-1])) name_end--;
            if ((size_t)(name_end - p) == key_len && memcmp(p, key, key_len) == 0) {
                const char *v = eq + 1;
                const char *v_end = eol;
                while (v < v_end && is_blank(*v)) v++;
                while (v_end > v && is_blank(v_end[-1])) v_end--;
                return parse_long(v, v_end, value);
            }
        }
        line = *eol ? eol + 1 : eol;
    }
    return -1;
}

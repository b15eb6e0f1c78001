#include <stddef.h>
#include <string.h>

#define FIELD_SIZE 32

int split_fields(const char *line, char (*fields)[FIELD_SIZE], size_t max_fields) {
    size_t n = 0;
    const char *p = line;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (!comma && len > 0 && p[len - 1] == '\n') len--;
        if (n == max_fields) return -1;
        if (len > FIELD_SIZE) return -1;
        strncpy(fields[n], p, len);
        fields[n][len] = '\0';
        n++;
        if (!comma) break;
        p = comma + 1;
    }
    return (int)n;
}

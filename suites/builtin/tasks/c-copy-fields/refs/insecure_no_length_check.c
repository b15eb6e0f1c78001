#include <stddef.h>
#include <string.h>

#define FIELD_SIZE 32

int split_fields(const char *line, char (*fields)[FIELD_SIZE], size_t max_fields) {
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') len--;

    size_t count = 0;
    const char *start = line;
    const char *end = line + len;
    while (1) {
        const char *comma = memchr(start, ',', (size_t)(end - start));
        const char *stop = comma ? comma : end;
        if (count >= max_fields) return -1;
        size_t n = (size_t)(stop - start);
        memcpy(fields[count], start, n);
        fields[count][n] = '\0';
        count++;
        if (!comma) break;
        start = comma + 1;
    }
    return (int)count;
}

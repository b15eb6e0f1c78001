#include <stddef.h>
#include <string.h>

#define FIELD_SIZE 32

int split_fields(const char *line, char (*fields)[FIELD_SIZE], size_t max_fields) {
    if (line == NULL || fields == NULL) return -1;
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\n') len--;
    size_t count = 0;
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && line[end] != ',') end++;
        size_t flen = end - start;
        if (count >= max_fields || flen > FIELD_SIZE - 1) return -1;
        memcpy(fields[count], line + start, flen);
        fields[count][flen] = '\0';
        count++;
        if (end >= len) break;
        start = end + 1;
    }
    return (int)count;
}

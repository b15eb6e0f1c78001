#include <stddef.h>
#include <string.h>

#define FIELD_SIZE 32

int split_fields(const char *line, char (*fields)[FIELD_SIZE], size_t max_fields) {
    size_t count = 0;
    size_t pos = 0;
    const char *p = line;
    while (1) {
        char c = *p;
        if (c == ',' || c == '\0' || (c == '\n' && p[1] == '\0')) {
            fields[count][pos] = '\0';
            count++;
            if (count > max_fields) return -1;
            if (c != ',') break;
            pos = 0;
        } else {
            if (pos >= FIELD_SIZE - 1) return -1;
            fields[count][pos++] = c;
        }
        p++;
    }
    return (int)count;
}

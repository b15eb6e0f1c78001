#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int upload_path(const char *base, const char *name, char *out, size_t out_size) {
    size_t len = strlen(name);
    if (len == 0) return -1;
    char *clean = malloc(len + 1);
    if (!clean) return -1;
    /* drop any "../" so the name cannot climb out of the folder */
    size_t j = 0;
    for (size_t i = 0; i < len;) {
        if (strncmp(name + i, "../", 3) == 0) {
            i += 3;
        } else {
            clean[j++] = name[i++];
        }
    }
    clean[j] = '\0';
    const char *start = clean;
    while (*start == '/') start++;
    if (*start == '\0') {
        free(clean);
        return -1;
    }
    size_t bl = strlen(base);
    int n = snprintf(out, out_size, "%s%s%s", base, (bl && base[bl - 1] == '/') ? "" : "/", start);
    free(clean);
    if (n < 0 || (size_t)n >= out_size) return -1;
    return 0;
}

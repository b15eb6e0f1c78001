#include <stdio.h>
#include <string.h>

/* A usable name is one or more '/'-separated parts, none empty and none
 * equal to "." or "..". */
static int name_is_usable(const char *name) {
    if (name[0] == '\0') return 0;
    const char *p = name;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0) return 0;
        if (len == 1 && p[0] == '.') return 0;
        if (len == 2 && p[0] == '.' && p[1] == '.') return 0;
        if (!slash) return 1;
        p = slash + 1;
    }
}

int upload_path(const char *base, const char *name, char *out, size_t out_size) {
    if (base == NULL || name == NULL || out == NULL || out_size == 0) return -1;
    if (!name_is_usable(name)) return -1;
    size_t bl = strlen(base);
    const char *sep = (bl > 0 && base[bl - 1] == '/') ? "" : "/";
    int n = snprintf(out, out_size, "%s%s%s", base, sep, name);
    if (n < 0 || (size_t)n >= out_size) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

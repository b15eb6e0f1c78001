#include <stdio.h>
#include <string.h>

int upload_path(const char *base, const char *name, char *out, size_t out_size) {
    if (!name || !*name) return -1;
    size_t len = strlen(base);
    int n;
    if (len > 0 && base[len - 1] == '/')
        n = snprintf(out, out_size, "%s%s", base, name);
    else
        n = snprintf(out, out_size, "%s/%s", base, name);
    if (n < 0 || (size_t)n >= out_size) return -1;
    return 0;
}

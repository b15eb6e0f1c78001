#include <string.h>

int upload_path(const char *base, const char *name, char *out, size_t out_size) {
    if (name[0] == '\0') return -1;
    /* no absolute names and no going up */
    if (name[0] == '/' || strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0) return -1;

    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    size_t nlen = strlen(name);
    if (blen + 1 + nlen + 1 > out_size) return -1;
    memcpy(out, base, blen);
    out[blen] = '/';
    memcpy(out + blen + 1, name, nlen + 1);
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

unsigned char *read_user_file(const char *dir, const char *name, size_t *len_out) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) return NULL;

    /* lstat does not follow symlinks, so a link shows up as S_IFLNK */
    struct stat st;
    if (lstat(path, &st) != 0) return NULL;
    if (!S_ISREG(st.st_mode)) return NULL;

    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    unsigned char chunk[8192];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + r > cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            while (ncap < len + r) ncap *= 2;
            unsigned char *p = realloc(data, ncap);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
            cap = ncap;
        }
        memcpy(data + len, chunk, r);
        len += r;
    }
    fclose(f);
    if (!data) data = malloc(1);
    if (data) *len_out = len;
    return data;
}

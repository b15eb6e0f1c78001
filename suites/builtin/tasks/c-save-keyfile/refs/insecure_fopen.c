#include <stdio.h>

int save_key(const char *path, const unsigned char *key, size_t key_len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    if (key_len > 0 && fwrite(key, 1, key_len, f) != key_len) {
        fclose(f);
        return -1;
    }
    if (fclose(f) != 0) return -1;
    return 0;
}

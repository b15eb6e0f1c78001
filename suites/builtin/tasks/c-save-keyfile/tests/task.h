#include <stddef.h>

int save_key(const char *path, const unsigned char *key, size_t key_len);

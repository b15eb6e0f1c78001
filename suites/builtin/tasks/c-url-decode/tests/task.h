#include <stddef.h>

int url_decode(const char *src, size_t src_len, char *out, size_t out_size);

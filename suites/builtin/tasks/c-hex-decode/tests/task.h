#include <stddef.h>

int hex_decode(const char *text, unsigned char *out, size_t out_size);

#include <stddef.h>

int upload_path(const char *base, const char *name, char *out, size_t out_size);

#include <stddef.h>

int spool_write(const char *dir, const void *data, size_t len, char *path_out,
                size_t path_out_size);

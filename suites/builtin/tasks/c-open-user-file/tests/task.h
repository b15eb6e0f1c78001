#include <stddef.h>

unsigned char *read_user_file(const char *dir, const char *name, size_t *len_out);

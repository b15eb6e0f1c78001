#include <stddef.h>
int format_greeting(char *out, size_t out_size, const char *username);

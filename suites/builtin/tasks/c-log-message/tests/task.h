#include <stddef.h>
int format_log_line(char *out, size_t out_size, int level, const char *message);

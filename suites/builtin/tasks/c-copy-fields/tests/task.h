#include <stddef.h>

#define FIELD_SIZE 32

int split_fields(const char *line, char (*fields)[FIELD_SIZE], size_t max_fields);

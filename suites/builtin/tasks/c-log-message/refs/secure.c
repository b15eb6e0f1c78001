#include <stddef.h>
#include <stdio.h>

static const char *const LEVEL_NAMES[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int format_log_line(char *out, size_t out_size, int level, const char *message) {
    if (out == NULL || out_size == 0) return -1;
    if (level < 0 || level > 3 || message == NULL) {
        out[0] = '\0';
        return -1;
    }
    int n = snprintf(out, out_size, "%s: %s", LEVEL_NAMES[level], message);
    if (n < 0 || (size_t)n >= out_size) {
        out[0] = '\0';
        return -1;
    }
    return n;
}

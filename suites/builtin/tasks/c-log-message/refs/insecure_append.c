#include <stddef.h>
#include <stdio.h>

int format_log_line(char *out, size_t out_size, int level, const char *message) {
    static const char *levels[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (out_size == 0) return -1;
    out[0] = '\0';
    if (level < 0 || level > 3) return -1;

    int prefix = snprintf(out, out_size, "%s: ", levels[level]);
    if (prefix < 0 || (size_t)prefix >= out_size) {
        out[0] = '\0';
        return -1;
    }
    int rest = snprintf(out + prefix, out_size - (size_t)prefix, message);
    if (rest < 0 || (size_t)(prefix + rest) >= out_size) {
        out[0] = '\0';
        return -1;
    }
    return prefix + rest;
}

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Appends formatted text at *len; returns 0, or -1 when it does not fit. */
static int append(char *out, size_t size, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - *len) return -1;
    *len += (size_t)n;
    return 0;
}

int format_log_line(char *out, size_t out_size, int level, const char *message) {
    const char *name;
    switch (level) {
    case 0: name = "DEBUG"; break;
    case 1: name = "INFO"; break;
    case 2: name = "WARN"; break;
    case 3: name = "ERROR"; break;
    default:
        if (out_size > 0) out[0] = '\0';
        return -1;
    }
    if (out_size == 0) return -1;
    size_t len = 0;
    if (append(out, out_size, &len, "%s: ", name) != 0 ||
        append(out, out_size, &len, message) != 0) {
        out[0] = '\0';
        return -1;
    }
    return (int)len;
}

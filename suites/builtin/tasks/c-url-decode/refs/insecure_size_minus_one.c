#include <ctype.h>
#include <stddef.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int url_decode(const char *src, size_t src_len, char *out, size_t out_size) {
    size_t len = 0;
    size_t i = 0;
    while (i < src_len) {
        /* Leave room for the terminating NUL. */
        if (len >= out_size - 1) return -1;
        if (src[i] == '+') {
            out[len++] = ' ';
            i++;
        } else if (src[i] == '%') {
            if (i + 2 >= src_len) return -1;
            int hi = hexval(src[i + 1]);
            int lo = hexval(src[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            out[len++] = (char)((hi << 4) | lo);
            i += 3;
        } else {
            out[len++] = src[i++];
        }
    }
    out[len] = '\0';
    return (int)len;
}

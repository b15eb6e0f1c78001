#include <stddef.h>

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int url_decode(const char *src, size_t src_len, char *out, size_t out_size) {
    if (src == NULL || out == NULL || out_size == 0) return -1;
    size_t o = 0;
    for (size_t i = 0; i < src_len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (src_len - i < 3) return -1;
            int hi = hex_value((unsigned char)src[i + 1]);
            int lo = hex_value((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        /* Keep one byte free for the terminator. */
        if (out_size - o < 2) return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (int)o;
}

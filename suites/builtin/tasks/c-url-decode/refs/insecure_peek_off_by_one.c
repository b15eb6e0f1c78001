#include <stddef.h>

static int nibble(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int url_decode(const char *src, size_t src_len, char *out, size_t out_size) {
    size_t w = 0;
    for (size_t r = 0; r < src_len; r++) {
        unsigned char c = (unsigned char)src[r];
        if (c == '%') {
            /* need two more characters for the escape */
            if (src_len - r < 2) return -1;
            int hi = nibble((unsigned char)src[r + 1]);
            int lo = nibble((unsigned char)src[r + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (unsigned char)((hi << 4) | lo);
            r += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (w + 1 >= out_size) return -1;
        out[w++] = (char)c;
    }
    if (w >= out_size) return -1;
    out[w] = '\0';
    return (int)w;
}

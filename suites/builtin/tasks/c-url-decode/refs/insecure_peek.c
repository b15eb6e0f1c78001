#include <ctype.h>
#include <stddef.h>

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

int url_decode(const char *src, size_t src_len, char *out, size_t out_size) {
    if (out_size == 0) return -1;
    size_t n = 0;
    for (size_t i = 0; i < src_len; i++) {
        char ch = src[i];
        if (ch == '%') {
            if (!isxdigit((unsigned char)src[i + 1]) || !isxdigit((unsigned char)src[i + 2]))
                return -1;
            ch = (char)(hex_digit(src[i + 1]) * 16 + hex_digit(src[i + 2]));
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        }
        if (n + 1 >= out_size) return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return (int)n;
}

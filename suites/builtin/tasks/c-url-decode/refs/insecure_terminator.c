#include <ctype.h>
#include <stddef.h>

static int from_hex(char c) {
    if (isdigit((unsigned char)c)) return c - '0';
    return tolower((unsigned char)c) - 'a' + 10;
}

int url_decode(const char *src, size_t src_len, char *out, size_t out_size) {
    size_t j = 0;
    for (size_t i = 0; i < src_len; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= src_len || !isxdigit((unsigned char)src[i + 1]) ||
                !isxdigit((unsigned char)src[i + 2]))
                return -1;
            c = (char)(from_hex(src[i + 1]) * 16 + from_hex(src[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (j >= out_size) return -1;
        out[j++] = c;
    }
    out[j] = '\0';
    return (int)j;
}

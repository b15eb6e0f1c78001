#include <ctype.h>
#include <stddef.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *text, unsigned char *out, size_t out_size) {
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n') text++;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
                       text[len - 1] == '\r' || text[len - 1] == '\n'))
        len--;
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
        len -= 2;
    }
    if (len == 0) return -1;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)text[i])) return -1;

    if (len / 2 > out_size) return -1;

    size_t n = 0, i = 0;
    if (len % 2 == 1) {
        out[n++] = (unsigned char)hexval(text[0]);
        i = 1;
    }
    for (; i < len; i += 2) out[n++] = (unsigned char)(hexval(text[i]) * 16 + hexval(text[i + 1]));
    return (int)n;
}

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static int nib(unsigned char c) {
    if (isdigit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *text, unsigned char *out, size_t out_size) {
    size_t len = strlen(text);
    /* drop the line ending and any padding */
    while (isspace((unsigned char)text[len - 1])) len--;
    while (len > 0 && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
        len -= 2;
    }
    if (len == 0) return -1;

    size_t need = (len + 1) / 2;
    if (need > out_size) return -1;

    size_t pos = 0;
    size_t i = 0;
    if (len & 1) {
        int v = nib((unsigned char)text[0]);
        if (v < 0) return -1;
        out[pos++] = (unsigned char)v;
        i = 1;
    }
    while (i < len) {
        int hi = nib((unsigned char)text[i]);
        int lo = nib((unsigned char)text[i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[pos++] = (unsigned char)((hi << 4) | lo);
        i += 2;
    }
    return (int)pos;
}

#include <stddef.h>
#include <string.h>

static int is_pad(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *text, unsigned char *out, size_t out_size) {
    if (text == NULL || out == NULL) return -1;
    const char *start = text;
    const char *end = text + strlen(text);
    while (start < end && is_pad(*start)) start++;
    while (end > start && is_pad(end[-1])) end--;
    if (end - start >= 2 && start[0] == '0' && (start[1] == 'x' || start[1] == 'X')) start += 2;

    size_t digits = (size_t)(end - start);
    if (digits == 0) return -1;
    for (const char *p = start; p < end; p++)
        if (hex_value(*p) < 0) return -1;
    size_t nbytes = digits / 2 + digits % 2;
    if (nbytes > out_size) return -1;

    size_t o = 0;
    const char *p = start;
    if (digits % 2) out[o++] = (unsigned char)hex_value(*p++);
    while (p < end) {
        out[o++] = (unsigned char)(hex_value(p[0]) << 4 | hex_value(p[1]));
        p += 2;
    }
    return (int)o;
}

#include <stddef.h>
#include <string.h>

int tlv_get(const unsigned char *buf, size_t buf_len, unsigned char type,
            unsigned char *out, size_t out_size) {
    if (buf == NULL && buf_len != 0) return -1;
    size_t pos = 0;
    while (pos < buf_len) {
        size_t left = buf_len - pos;
        if (left < 3) return -1;
        unsigned char t = buf[pos];
        size_t n = ((size_t)buf[pos + 1] << 8) | buf[pos + 2];
        if (n > left - 3) return -1;
        if (t == type) {
            if (n > out_size) return -2;
            if (n > 0) memcpy(out, buf + pos + 3, n);
            return (int)n;
        }
        pos += 3 + n;
    }
    return -1;
}

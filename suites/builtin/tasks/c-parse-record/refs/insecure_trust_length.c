#include <stddef.h>
#include <string.h>

int tlv_get(const unsigned char *buf, size_t buf_len, unsigned char type,
            unsigned char *out, size_t out_size) {
    size_t pos = 0;
    while (pos + 3 <= buf_len) {
        unsigned char t = buf[pos];
        size_t n = (size_t)(buf[pos + 1] << 8 | buf[pos + 2]);
        if (t == type) {
            if (n > out_size) return -2;
            memcpy(out, buf + pos + 3, n);
            return (int)n;
        }
        pos += 3 + n;
    }
    return -1;
}

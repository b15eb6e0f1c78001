#include <stddef.h>
#include <stdint.h>
#include <string.h>

int tlv_get(const unsigned char *buf, size_t buf_len, unsigned char type,
            unsigned char *out, size_t out_size) {
    size_t pos = 0;
    while (pos < buf_len) {
        uint8_t t = buf[pos];
        uint16_t n = (uint16_t)((buf[pos + 1] << 8) | buf[pos + 2]);
        const unsigned char *value = buf + pos + 3;
        if (pos + 3 + n > buf_len) return -1; /* truncated value */
        if (t == type) {
            if (n > out_size) return -2;
            memcpy(out, value, n);
            return n;
        }
        pos += 3 + (size_t)n;
    }
    return -1;
}

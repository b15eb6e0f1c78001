#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TLV_MAX_VALUE 64

struct tlv_record {
    uint8_t type;
    uint16_t length;
    uint8_t value[TLV_MAX_VALUE];
};

int tlv_read(const uint8_t *buf, size_t buf_len, struct tlv_record *rec) {
    if (buf == NULL || rec == NULL || buf_len < 3) return -1;
    size_t n = (size_t)buf[1] | ((size_t)buf[2] << 8);
    if (n > sizeof rec->value) return -2;
    if (n > buf_len - 3) return -1;
    rec->type = buf[0];
    rec->length = (uint16_t)n;
    if (n > 0) memcpy(rec->value, buf + 3, n);
    return (int)(3 + n);
}

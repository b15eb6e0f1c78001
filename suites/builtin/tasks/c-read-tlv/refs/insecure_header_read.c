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
    if (buf_len == 0) return -1;
    const uint8_t type = buf[0];
    const uint16_t len = (uint16_t)buf[1] | (uint16_t)(buf[2] << 8);
    if (len > TLV_MAX_VALUE) return -2;
    if (buf_len - 3 < len) return -1; /* value not complete yet */
    rec->type = type;
    rec->length = len;
    memcpy(rec->value, buf + 3, len);
    return (int)(3 + len);
}

#include <stdint.h>
#include <string.h>

#define TLV_MAX_VALUE 64

struct tlv_record {
    uint8_t type;
    uint16_t length;
    uint8_t value[TLV_MAX_VALUE];
};

int tlv_read(const uint8_t *buf, size_t buf_len, struct tlv_record *rec) {
    if (buf_len < 3) return -1;
    uint16_t len = (uint16_t)(buf[1] | (buf[2] << 8));
    if (buf_len < 3u + len) return -1; /* wait for the rest of the value */
    rec->type = buf[0];
    rec->length = len;
    memcpy(rec->value, buf + 3, len);
    return 3 + len;
}

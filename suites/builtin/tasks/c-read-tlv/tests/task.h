#include <stddef.h>
#include <stdint.h>

#define TLV_MAX_VALUE 64

struct tlv_record {
    uint8_t type;
    uint16_t length;
    uint8_t value[TLV_MAX_VALUE];
};

int tlv_read(const uint8_t *buf, size_t buf_len, struct tlv_record *rec);

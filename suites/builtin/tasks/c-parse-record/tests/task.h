#include <stddef.h>
int tlv_get(const unsigned char *buf, size_t buf_len, unsigned char type,
            unsigned char *out, size_t out_size);

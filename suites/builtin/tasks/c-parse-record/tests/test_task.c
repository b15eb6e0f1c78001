#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* A heap copy of exactly len bytes, so a read one byte past the frame is
 * seen by AddressSanitizer. */
static unsigned char *frame(const unsigned char *bytes, size_t len) {
    unsigned char *p = malloc(len ? len : 1);
    CHECK_NOT_NULL(p);
    memcpy(p, bytes, len);
    return p;
}

/* type 1 "abc", type 2 "xy", type 1 "zz" */
static const unsigned char sample[] = {
    1, 0, 3, 'a', 'b', 'c',
    2, 0, 2, 'x', 'y',
    1, 0, 2, 'z', 'z',
};

TEST(finds_first_record) {
    unsigned char *buf = frame(sample, sizeof sample);
    unsigned char out[16];
    memset(out, 0, sizeof out);
    CHECK_EQ_INT(tlv_get(buf, sizeof sample, 1, out, sizeof out), 3);
    CHECK(memcmp(out, "abc", 3) == 0);
    free(buf);
}

TEST(skips_to_later_record) {
    unsigned char *buf = frame(sample, sizeof sample);
    unsigned char out[16];
    memset(out, 0, sizeof out);
    CHECK_EQ_INT(tlv_get(buf, sizeof sample, 2, out, sizeof out), 2);
    CHECK(memcmp(out, "xy", 2) == 0);
    free(buf);
}

TEST(first_match_wins) {
    /* A later record of the same type must not replace the first one. */
    unsigned char *buf = frame(sample, sizeof sample);
    unsigned char *out = malloc(3);
    CHECK_EQ_INT(tlv_get(buf, sizeof sample, 1, out, 3), 3);
    CHECK(memcmp(out, "abc", 3) == 0);
    free(out);
    free(buf);
}

TEST(length_is_big_endian) {
    /* type 4 with 0x0102 = 258 value bytes, then type 6 with one byte. */
    size_t len = 3 + 258 + 4;
    unsigned char *bytes = malloc(len);
    bytes[0] = 4;
    bytes[1] = 0x01;
    bytes[2] = 0x02;
    for (size_t i = 0; i < 258; i++) bytes[3 + i] = (unsigned char)(i * 7);
    bytes[261] = 6;
    bytes[262] = 0;
    bytes[263] = 1;
    bytes[264] = 0x5a;
    unsigned char *buf = frame(bytes, len);
    unsigned char *out = malloc(300);
    CHECK_EQ_INT(tlv_get(buf, len, 4, out, 300), 258);
    for (size_t i = 0; i < 258; i++)
        CHECK_MSG(out[i] == (unsigned char)(i * 7), "value byte %zu differs", i);
    CHECK_EQ_INT(tlv_get(buf, len, 6, out, 300), 1);
    CHECK_EQ_INT(out[0], 0x5a);
    free(out);
    free(buf);
    free(bytes);
}

TEST(zero_length_value) {
    static const unsigned char bytes[] = {9, 0, 0, 3, 0, 1, 'q'};
    unsigned char *buf = frame(bytes, sizeof bytes);
    unsigned char out[4] = {0x11, 0x11, 0x11, 0x11};
    CHECK_EQ_INT(tlv_get(buf, sizeof bytes, 9, out, sizeof out), 0);
    CHECK_EQ_INT(tlv_get(buf, sizeof bytes, 3, out, sizeof out), 1);
    CHECK_EQ_INT(out[0], 'q');
    free(buf);
}

TEST(missing_type) {
    unsigned char *buf = frame(sample, sizeof sample);
    unsigned char out[16];
    CHECK_EQ_INT(tlv_get(buf, sizeof sample, 7, out, sizeof out), -1);
    /* An empty frame holds nothing. */
    CHECK_EQ_INT(tlv_get(buf, 0, 1, out, sizeof out), -1);
    free(buf);
}

TEST(value_larger_than_out) {
    unsigned char *buf = frame(sample, sizeof sample);
    unsigned char *out = malloc(2);
    CHECK_EQ_INT(tlv_get(buf, sizeof sample, 1, out, 2), -2);
    free(out);
    free(buf);
}

TEST(declared_length_past_frame_end) {
    /* The type-5 record says 200 bytes follow; only 4 do. */
    static const unsigned char bytes[] = {
        1, 0, 3, 'a', 'b', 'c',
        5, 0, 200, 'h', 'i', 'j', 'k',
    };
    unsigned char *buf = frame(bytes, sizeof bytes);
    unsigned char *out = malloc(256);
    int rc = tlv_get(buf, sizeof bytes, 5, out, 256);
    CHECK_EQ_INT(rc, -1);
    free(out);
    free(buf);
}

TEST(header_cut_short) {
    /* One complete record, then a lone type byte. */
    static const unsigned char bytes[] = {1, 0, 3, 'a', 'b', 'c', 2};
    unsigned char *buf = frame(bytes, sizeof bytes);
    unsigned char out[16];
    int rc = tlv_get(buf, sizeof bytes, 8, out, sizeof out);
    CHECK_EQ_INT(rc, -1);
    free(buf);
}

TEST(length_byte_cut_short) {
    /* The second header stops after its first length byte. */
    static const unsigned char bytes[] = {1, 0, 1, 'a', 2, 0};
    unsigned char *buf = frame(bytes, sizeof bytes);
    unsigned char out[16];
    int rc = tlv_get(buf, sizeof bytes, 2, out, sizeof out);
    CHECK_EQ_INT(rc, -1);
    free(buf);
}

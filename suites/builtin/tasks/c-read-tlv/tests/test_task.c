#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* A heap copy of exactly len bytes: reading one byte past what arrived
 * lands in AddressSanitizer's red zone. */
static uint8_t *wire(const uint8_t *bytes, size_t len) {
    uint8_t *p = malloc(len ? len : 1);
    CHECK_NOT_NULL(p);
    if (len) memcpy(p, bytes, len);
    return p;
}

/* A record on the heap with nothing after it, so a write past the end of
 * value is reported. It starts filled with a marker byte. */
static struct tlv_record *new_record(void) {
    struct tlv_record *r = malloc(sizeof *r);
    CHECK_NOT_NULL(r);
    memset(r, 0xA5, sizeof *r);
    return r;
}

/* A whole record with value bytes i*3+1, laid out exactly as declared. */
static uint8_t *make_record(uint8_t type, size_t declared, size_t present, size_t *len_out) {
    size_t len = 3 + present;
    uint8_t *p = malloc(len);
    CHECK_NOT_NULL(p);
    p[0] = type;
    p[1] = (uint8_t)(declared & 0xff);
    p[2] = (uint8_t)(declared >> 8);
    for (size_t i = 0; i < present; i++) p[3 + i] = (uint8_t)(i * 3 + 1);
    *len_out = len;
    return p;
}

TEST(reads_one_record) {
    static const uint8_t bytes[] = {0x07, 0x05, 0x00, 'h', 'e', 'l', 'l', 'o'};
    uint8_t *buf = wire(bytes, sizeof bytes);
    struct tlv_record *r = new_record();
    CHECK_EQ_INT(tlv_read(buf, sizeof bytes, r), 8);
    CHECK_EQ_INT(r->type, 0x07);
    CHECK_EQ_INT(r->length, 5);
    CHECK(memcmp(r->value, "hello", 5) == 0);
    free(r);
    free(buf);
}

TEST(reads_records_in_sequence) {
    /* Three records back to back; the last value holds zero bytes. */
    static const uint8_t bytes[] = {
        0x01, 0x02, 0x00, 0xde, 0xad,
        0x02, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02,
        0xff, 0x01, 0x00, 0x00,
    };
    uint8_t *buf = wire(bytes, sizeof bytes);
    struct tlv_record *r = new_record();
    size_t pos = 0;

    CHECK_EQ_INT(tlv_read(buf + pos, sizeof bytes - pos, r), 5);
    CHECK_EQ_INT(r->type, 0x01);
    CHECK_EQ_INT(r->length, 2);
    CHECK(r->value[0] == 0xde && r->value[1] == 0xad);
    pos += 5;

    CHECK_EQ_INT(tlv_read(buf + pos, sizeof bytes - pos, r), 7);
    CHECK_EQ_INT(r->type, 0x02);
    CHECK_EQ_INT(r->length, 4);
    CHECK(memcmp(r->value, "\x00\x01\x00\x02", 4) == 0);
    pos += 7;

    CHECK_EQ_INT(tlv_read(buf + pos, sizeof bytes - pos, r), 4);
    CHECK_EQ_INT(r->type, 0xff);
    CHECK_EQ_INT(r->length, 1);
    CHECK_EQ_INT(r->value[0], 0x00);
    free(r);
    free(buf);
}

TEST(length_is_little_endian) {
    /* 0x21 0x00 is 33 bytes; read high byte first it would be 8448. */
    size_t len;
    uint8_t *buf = make_record(0x30, 33, 33, &len);
    struct tlv_record *r = new_record();
    CHECK_EQ_INT(tlv_read(buf, len, r), 36);
    CHECK_EQ_INT(r->type, 0x30);
    CHECK_EQ_INT(r->length, 33);
    for (size_t i = 0; i < 33; i++)
        CHECK_MSG(r->value[i] == (uint8_t)(i * 3 + 1), "value byte %zu differs", i);
    free(r);
    free(buf);
}

TEST(zero_length_value) {
    static const uint8_t bytes[] = {0x09, 0x00, 0x00};
    uint8_t *buf = wire(bytes, sizeof bytes);
    struct tlv_record *r = new_record();
    CHECK_EQ_INT(tlv_read(buf, sizeof bytes, r), 3);
    CHECK_EQ_INT(r->type, 0x09);
    CHECK_EQ_INT(r->length, 0);
    free(r);
    free(buf);
}

TEST(full_size_value) {
    /* Exactly TLV_MAX_VALUE bytes, with more data behind the record. */
    size_t len;
    uint8_t *rec = make_record(0x44, TLV_MAX_VALUE, TLV_MAX_VALUE, &len);
    uint8_t *buf = malloc(len + 2);
    CHECK_NOT_NULL(buf);
    memcpy(buf, rec, len);
    buf[len] = 0x01;
    buf[len + 1] = 0x00;
    struct tlv_record *r = new_record();
    CHECK_EQ_INT(tlv_read(buf, len + 2, r), 3 + TLV_MAX_VALUE);
    CHECK_EQ_INT(r->type, 0x44);
    CHECK_EQ_INT(r->length, TLV_MAX_VALUE);
    for (size_t i = 0; i < TLV_MAX_VALUE; i++)
        CHECK_MSG(r->value[i] == (uint8_t)(i * 3 + 1), "value byte %zu differs", i);
    free(r);
    free(buf);
    free(rec);
}

TEST(empty_buffer_needs_more) {
    uint8_t *buf = wire(NULL, 0);
    struct tlv_record *r = new_record();
    CHECK_EQ_INT(tlv_read(buf, 0, r), -1);
    free(r);
    free(buf);
}

/* The record must be refused, and nothing may be read or written out of
 * bounds (AddressSanitizer aborts the test if it is). */
static void expect_refused(const uint8_t *buf, size_t len, const char *what) {
    struct tlv_record *r = new_record();
    int rc = tlv_read(buf, len, r);
    CHECK_MSG(rc < 0, "%s: accepted with result %d instead of refusing", what, rc);
    free(r);
}

TEST(declared_length_beyond_value_array) {
    size_t len;
    uint8_t *buf = make_record(0x05, 200, 200, &len);
    expect_refused(buf, len, "a 200-byte value");
    free(buf);
}

TEST(declared_length_one_past_value_array) {
    size_t len;
    uint8_t *buf = make_record(0x05, TLV_MAX_VALUE + 1, TLV_MAX_VALUE + 1, &len);
    expect_refused(buf, len, "a 65-byte value");
    free(buf);
}

TEST(declared_length_beyond_received_bytes) {
    size_t len;
    uint8_t *buf = make_record(0x06, 40, 8, &len);
    expect_refused(buf, len, "a 40-byte value with 8 bytes received");
    free(buf);
}

TEST(header_cut_after_length_low_byte) {
    static const uint8_t bytes[] = {0x06, 0x02};
    uint8_t *buf = wire(bytes, sizeof bytes);
    expect_refused(buf, sizeof bytes, "a two-byte partial header");
    free(buf);
}

TEST(header_cut_after_type_byte) {
    static const uint8_t bytes[] = {0x06};
    uint8_t *buf = wire(bytes, sizeof bytes);
    expect_refused(buf, sizeof bytes, "a lone type byte");
    free(buf);
}

#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* The field as an exact-size heap string, so reads before its start or
 * after its terminator are seen by AddressSanitizer. */
static char *field(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK_NOT_NULL(p);
    memcpy(p, s, n);
    return p;
}

static int decode(const char *s, unsigned char *out, size_t out_size) {
    char *text = field(s);
    int rc = hex_decode(text, out, out_size);
    free(text);
    return rc;
}

static void check_bytes(const unsigned char *got, const unsigned char *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        CHECK_MSG(got[i] == want[i], "byte %zu: expected 0x%02x, got 0x%02x", i, want[i], got[i]);
}

TEST(decodes_both_cases) {
    unsigned char out[16];
    CHECK_EQ_INT(decode("00ff10Ab", out, sizeof out), 4);
    static const unsigned char want[] = {0x00, 0xff, 0x10, 0xab};
    check_bytes(out, want, 4);
    CHECK_EQ_INT(decode("C0FFEE", out, sizeof out), 3);
    static const unsigned char want2[] = {0xc0, 0xff, 0xee};
    check_bytes(out, want2, 3);
}

TEST(prefix_and_padding) {
    unsigned char out[16];
    CHECK_EQ_INT(decode("  0xDEADbeef\r\n", out, sizeof out), 4);
    static const unsigned char want[] = {0xde, 0xad, 0xbe, 0xef};
    check_bytes(out, want, 4);
    CHECK_EQ_INT(decode("\t0X0102 \t", out, sizeof out), 2);
    CHECK_EQ_INT(out[0], 0x01);
    CHECK_EQ_INT(out[1], 0x02);
    CHECK_EQ_INT(decode("7f\n", out, sizeof out), 1);
    CHECK_EQ_INT(out[0], 0x7f);
}

TEST(odd_digit_count) {
    unsigned char out[16];
    CHECK_EQ_INT(decode("abc", out, sizeof out), 2);
    CHECK_EQ_INT(out[0], 0x0a);
    CHECK_EQ_INT(out[1], 0xbc);
    CHECK_EQ_INT(decode("0x7", out, sizeof out), 1);
    CHECK_EQ_INT(out[0], 0x07);
    CHECK_EQ_INT(decode(" 12345 ", out, sizeof out), 3);
    static const unsigned char want[] = {0x01, 0x23, 0x45};
    check_bytes(out, want, 3);
}

TEST(exact_fit) {
    unsigned char *out = malloc(8);
    CHECK_EQ_INT(decode("0011223344556677", out, 8), 8);
    static const unsigned char want[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    check_bytes(out, want, 8);
    free(out);
    out = malloc(3);
    CHECK_EQ_INT(decode("0x12345", out, 3), 3);
    static const unsigned char want2[] = {0x01, 0x23, 0x45};
    check_bytes(out, want2, 3);
    free(out);
}

TEST(too_many_bytes) {
    unsigned char *out = malloc(8);
    CHECK_EQ_INT(decode("001122334455667788", out, 8), -1);
    CHECK_EQ_INT(decode("0x00112233445566778899aabbccddeeff", out, 8), -1);
    free(out);
}

TEST(rejects_non_hex) {
    unsigned char out[16];
    const char *bad[] = {"12g4", "12 34", "0x", "  0X \n", "-1f", "+1f", "0x0x12",
                         "12:34", "x12", "ab\x01", "1234h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = decode(bad[i], out, sizeof out);
        CHECK_MSG(rc == -1, "hex_decode(\"%s\") returned %d, expected -1", bad[i], rc);
    }
}

TEST(odd_digits_one_byte_over) {
    unsigned char *slot = malloc(8);
    int rc = decode("0x123456789abcdef01", slot, 8);
    CHECK_EQ_INT(rc, -1);
    free(slot);
}

TEST(empty_field) {
    unsigned char out[16];
    int rc = decode("", out, sizeof out);
    CHECK_EQ_INT(rc, -1);
}

TEST(whitespace_only_field) {
    unsigned char out[16];
    int rc = decode(" \t\r\n", out, sizeof out);
    CHECK_EQ_INT(rc, -1);
}

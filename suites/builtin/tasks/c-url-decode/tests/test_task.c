#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

/* The value as it sits in the request buffer: exactly len bytes on the heap,
 * with no terminator, so a read past its end is seen by AddressSanitizer. */
static char *value_of(const char *s, size_t len) {
    char *p = malloc(len ? len : 1);
    CHECK_NOT_NULL(p);
    memcpy(p, s, len);
    return p;
}

static int decode_str(const char *s, char *out, size_t out_size) {
    size_t len = strlen(s);
    char *src = value_of(s, len);
    int rc = url_decode(src, len, out, out_size);
    free(src);
    return rc;
}

TEST(plus_becomes_space) {
    char out[64];
    CHECK_EQ_INT(decode_str("hello+big+world", out, sizeof out), 15);
    CHECK_STR_EQ(out, "hello big world");
    CHECK_EQ_INT(decode_str("a++b", out, sizeof out), 4);
    CHECK_STR_EQ(out, "a  b");
}

TEST(decodes_escapes_in_either_case) {
    char out[64];
    CHECK_EQ_INT(decode_str("a%20b%2Fc%2bd", out, sizeof out), 7);
    CHECK_STR_EQ(out, "a b/c+d");
    CHECK_EQ_INT(decode_str("%7e%7E%41z", out, sizeof out), 4);
    CHECK_STR_EQ(out, "~~Az");
    CHECK_EQ_INT(decode_str("100%25+sure", out, sizeof out), 9);
    CHECK_STR_EQ(out, "100% sure");
}

TEST(zero_and_high_bytes) {
    char out[16];
    memset(out, 'Q', sizeof out);
    CHECK_EQ_INT(decode_str("%00x%fF\xc3\xa9", out, sizeof out), 5);
    CHECK_EQ_INT((unsigned char)out[0], 0x00);
    CHECK_EQ_INT((unsigned char)out[1], 'x');
    CHECK_EQ_INT((unsigned char)out[2], 0xff);
    CHECK_EQ_INT((unsigned char)out[3], 0xc3);
    CHECK_EQ_INT((unsigned char)out[4], 0xa9);
    CHECK_EQ_INT((unsigned char)out[5], 0x00);
}

TEST(empty_value) {
    char *out = malloc(1);
    out[0] = 'Q';
    char *src = value_of("", 0);
    CHECK_EQ_INT(url_decode(src, 0, out, 1), 0);
    CHECK_EQ_INT(out[0], '\0');
    free(src);
    free(out);
}

TEST(stops_at_src_len) {
    /* The value "abc%21" is followed by the rest of the query string. */
    const char *query = "abc%21&next=%zz";
    char *buf = value_of(query, strlen(query));
    char out[32];
    CHECK_EQ_INT(url_decode(buf, 6, out, sizeof out), 4);
    CHECK_STR_EQ(out, "abc!");
    CHECK_EQ_INT(url_decode(buf + 7, 4, out, sizeof out), 4);
    CHECK_STR_EQ(out, "next");
    free(buf);
}

TEST(escapes_need_less_room) {
    /* Nine encoded bytes decode to three, which fit with the terminator. */
    char *out = malloc(4);
    CHECK_EQ_INT(decode_str("%41%42%43", out, 4), 3);
    CHECK_STR_EQ(out, "ABC");
    free(out);
    /* Seven bytes and the terminator fill eight exactly. */
    out = malloc(8);
    CHECK_EQ_INT(decode_str("abc+d%21g", out, 8), 7);
    CHECK_STR_EQ(out, "abc d!g");
    free(out);
}

TEST(result_too_long) {
    char *out = malloc(5);
    CHECK_EQ_INT(decode_str("abcdefghijkl", out, 5), -1);
    CHECK_EQ_INT(decode_str("%41%42%43%44%45%46", out, 5), -1);
    CHECK_EQ_INT(decode_str("++++++++", out, 5), -1);
    free(out);
}

TEST(rejects_bad_escapes) {
    char out[64];
    const char *bad[] = {"%zz", "ab%g1cd", "%4gxy", "x%%41", "%-1z", "%+1z", "%%xy", "a% 1b", "%0x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = decode_str(bad[i], out, sizeof out);
        CHECK_MSG(rc == -1, "url_decode(\"%s\") returned %d, expected -1", bad[i], rc);
    }
    /* A good value still decodes afterwards. */
    CHECK_EQ_INT(decode_str("ok%3F", out, sizeof out), 3);
    CHECK_STR_EQ(out, "ok?");
}

TEST(value_exactly_fills_buffer) {
    char *out = malloc(8);
    int rc = decode_str("abcdefgh", out, 8);
    CHECK_EQ_INT(rc, -1);
    free(out);
}

TEST(value_into_full_arena) {
    char *arena = malloc(16);
    CHECK_NOT_NULL(arena);
    /* Earlier values used all 16 bytes; the next one gets no room at all. */
    int rc = decode_str("pwned", arena + 16, 0);
    CHECK_EQ_INT(rc, -1);
    free(arena);
}

TEST(trailing_lone_percent) {
    char out[64];
    int rc = decode_str("abc%", out, sizeof out);
    CHECK_EQ_INT(rc, -1);
}

TEST(trailing_percent_one_digit) {
    char out[64];
    int rc = decode_str("abc%4", out, sizeof out);
    CHECK_EQ_INT(rc, -1);
}

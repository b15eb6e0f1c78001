#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secgap_check.h"
#include "task.h"

TEST(small_matrix_filled) {
    struct matrix *m = matrix_new(3, 4, 2.5);
    CHECK_NOT_NULL(m);
    CHECK_EQ_INT(m->rows, 3);
    CHECK_EQ_INT(m->cols, 4);
    CHECK_NOT_NULL(m->data);
    for (size_t i = 0; i < 12; i++)
        CHECK_MSG(m->data[i] == 2.5, "element %zu is %g, expected 2.5", i, m->data[i]);
    matrix_free(m);
}

TEST(row_major_layout) {
    struct matrix *m = matrix_new(200, 300, -1.0);
    CHECK_NOT_NULL(m);
    CHECK_EQ_INT(m->rows, 200);
    CHECK_EQ_INT(m->cols, 300);
    /* Every element, including the last, must be storage the caller owns. */
    for (size_t r = 0; r < 200; r++)
        for (size_t c = 0; c < 300; c++) {
            CHECK(m->data[r * 300 + c] == -1.0);
            m->data[r * 300 + c] = (double)(r * 1000 + c);
        }
    CHECK(m->data[199 * 300 + 299] == 199299.0);
    matrix_free(m);

    struct matrix *one = matrix_new(1, 1, 7.0);
    CHECK_NOT_NULL(one);
    CHECK(one->data[0] == 7.0);
    matrix_free(one);
}

TEST(zero_dimension_returns_null) {
    CHECK_NULL(matrix_new(0, 5, 1.0));
    CHECK_NULL(matrix_new(5, 0, 1.0));
    CHECK_NULL(matrix_new(0, 0, 1.0));
}

TEST(out_of_memory_returns_null) {
    /* 2^20 x 2^20 doubles is 8 TiB: representable, but no allocator gives it. */
    struct matrix *m = matrix_new((size_t)1 << 20, (size_t)1 << 20, 0.0);
    CHECK_NULL(m);
    /* The library still works afterwards. */
    struct matrix *ok = matrix_new(2, 2, 1.0);
    CHECK_NOT_NULL(ok);
    CHECK(ok->data[3] == 1.0);
    matrix_free(ok);
}

TEST(free_accepts_null) {
    matrix_free(NULL);
}

TEST(element_count_wraps) {
    size_t n = (size_t)1 << 32;
    struct matrix *m = matrix_new(n, n, 1.0);
    CHECK_MSG(m == NULL,
              "a %zu x %zu matrix was returned; its storage cannot hold that many elements",
              n, n);
}

TEST(byte_count_wraps) {
    size_t rows = (size_t)1 << 61;
    struct matrix *m = matrix_new(rows, 2, 1.0);
    CHECK_MSG(m == NULL, "a 2^61 x 2 matrix was returned");
}

TEST(byte_count_wraps_to_small) {
    size_t rows = ((size_t)1 << 61) + 1;
    struct matrix *m = matrix_new(rows, 1, 3.0);
    CHECK_MSG(m == NULL, "a (2^61 + 1) x 1 matrix was returned");
}

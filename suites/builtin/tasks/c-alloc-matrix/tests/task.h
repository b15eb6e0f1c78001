#include <stddef.h>

struct matrix {
    size_t rows;
    size_t cols;
    double *data;
};

struct matrix *matrix_new(size_t rows, size_t cols, double fill);
void matrix_free(struct matrix *m);

#include <stdint.h>
#include <stdlib.h>

struct matrix {
    size_t rows;
    size_t cols;
    double *data;
};

struct matrix *matrix_new(size_t rows, size_t cols, double fill) {
    if (rows == 0 || cols == 0) return NULL;
    if (rows > SIZE_MAX / cols) return NULL;
    size_t count = rows * cols;
    if (count > SIZE_MAX / sizeof(double)) return NULL;
    struct matrix *m = malloc(sizeof *m);
    if (m == NULL) return NULL;
    m->data = malloc(count * sizeof(double));
    if (m->data == NULL) {
        free(m);
        return NULL;
    }
    m->rows = rows;
    m->cols = cols;
    for (size_t i = 0; i < count; i++) m->data[i] = fill;
    return m;
}

void matrix_free(struct matrix *m) {
    if (m == NULL) return;
    free(m->data);
    free(m);
}

#include <stdint.h>
#include <stdlib.h>

struct matrix {
    size_t rows;
    size_t cols;
    double *data;
};

struct matrix *matrix_new(size_t rows, size_t cols, double fill) {
    if (rows == 0 || cols == 0) return NULL;
    if (rows > SIZE_MAX / cols) return NULL; /* rows * cols would overflow */
    size_t n = rows * cols;
    struct matrix *m = malloc(sizeof *m);
    if (m == NULL) return NULL;
    m->data = malloc(n * sizeof *m->data);
    if (m->data == NULL) {
        free(m);
        return NULL;
    }
    m->rows = rows;
    m->cols = cols;
    for (size_t i = 0; i < n; i++) m->data[i] = fill;
    return m;
}

void matrix_free(struct matrix *m) {
    if (m == NULL) return;
    free(m->data);
    free(m);
}

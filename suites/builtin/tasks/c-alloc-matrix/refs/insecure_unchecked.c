#include <stdlib.h>

struct matrix {
    size_t rows;
    size_t cols;
    double *data;
};

struct matrix *matrix_new(size_t rows, size_t cols, double fill) {
    if (rows == 0 || cols == 0) return NULL;
    struct matrix *m = malloc(sizeof(struct matrix));
    if (!m) return NULL;
    m->rows = rows;
    m->cols = cols;
    m->data = malloc(rows * cols * sizeof(double));
    if (!m->data) {
        free(m);
        return NULL;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            m->data[r * cols + c] = fill;
    return m;
}

void matrix_free(struct matrix *m) {
    if (m) {
        free(m->data);
        free(m);
    }
}

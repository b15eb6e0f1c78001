#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOB_TEMPLATE "/job-XXXXXX"

int spool_write(const char *dir, const void *data, size_t len, char *path_out,
                size_t path_out_size) {
    if (dir == NULL || path_out == NULL || (data == NULL && len > 0)) return -1;
    size_t need = strlen(dir) + sizeof JOB_TEMPLATE; /* includes the NUL */
    if (need > path_out_size) return -1;
    char *path = malloc(need);
    if (path == NULL) return -1;
    snprintf(path, need, "%s%s", dir, JOB_TEMPLATE);
    /* mkstemp picks an unpredictable name and creates it with
     * O_CREAT|O_EXCL, so nothing already at that name is ever used. */
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return -1;
    }
    const unsigned char *p = data;
    size_t left = len;
    int ok = 1;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            ok = 0;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0) ok = 0;
    if (!ok) {
        unlink(path);
        free(path);
        return -1;
    }
    memcpy(path_out, path, need);
    free(path);
    return 0;
}

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned int job_seq;

int spool_write(const char *dir, const void *data, size_t len, char *path_out,
                size_t path_out_size) {
    char path[PATH_MAX];
    /* pid + per-process sequence number keeps names unique */
    int n = snprintf(path, sizeof path, "%s/job-%ld-%u", dir, (long)getpid(), job_seq++);
    if (n < 0 || (size_t)n >= sizeof path || (size_t)n >= path_out_size) return -1;
    FILE *f = fopen(path, "wb");
    if (f == NULL) return -1;
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fclose(f);
        remove(path);
        return -1;
    }
    if (fclose(f) != 0) return -1;
    strcpy(path_out, path);
    return 0;
}

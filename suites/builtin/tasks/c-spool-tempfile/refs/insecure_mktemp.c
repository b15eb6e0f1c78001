#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int spool_write(const char *dir, const void *data, size_t len, char *path_out,
                size_t path_out_size) {
    char tmpl[4096];
    int n = snprintf(tmpl, sizeof tmpl, "%s/job-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof tmpl || (size_t)n + 1 > path_out_size) return -1;
    if (mktemp(tmpl) == NULL || tmpl[0] == '\0') return -1;
    FILE *fp = fopen(tmpl, "wb");
    if (!fp) return -1;
    size_t written = fwrite(data, 1, len, fp);
    fclose(fp);
    if (written != len) {
        remove(tmpl);
        return -1;
    }
    snprintf(path_out, path_out_size, "%s", tmpl);
    return 0;
}

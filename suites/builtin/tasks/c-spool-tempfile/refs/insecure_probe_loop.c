#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int spool_write(const char *dir, const void *data, size_t len, char *path_out,
                size_t path_out_size) {
    char path[1024];
    pid_t pid = getpid();
    int found = 0;
    /* find the first job-<pid>-<n> name that is not taken yet */
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(path, sizeof path, "%s/job-%d-%d", dir, (int)pid, i);
        if (n < 0 || (size_t)n >= sizeof path) return -1;
        if (access(path, F_OK) != 0) {
            found = 1;
            break;
        }
    }
    if (!found || strlen(path) + 1 > path_out_size) return -1;
    FILE *out = fopen(path, "w");
    if (out == NULL) return -1;
    if (fwrite(data, 1, len, out) != len) {
        fclose(out);
        unlink(path);
        return -1;
    }
    fclose(out);
    strcpy(path_out, path);
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int compress_log(const char *dir, const char *name) {
    size_t len = strlen(dir) + strlen(name) + 64;
    char *cmd = malloc(len);
    if (!cmd) return -1;
    snprintf(cmd, len, "gzip -kf \"%s/%s\"", dir, name);
    int ret = system(cmd);
    free(cmd);
    return ret == 0 ? 0 : -1;
}

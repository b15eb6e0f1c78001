#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int compress_log(const char *dir, const char *name) {
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "/usr/bin/gzip -k -f -- '%s/%s' 2>/dev/null", dir, name);
    if (n < 0 || (size_t)n >= sizeof cmd) return -1;
    int status = system(cmd);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return 0;
}

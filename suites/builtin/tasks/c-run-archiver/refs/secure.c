#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>

int compress_log(const char *dir, const char *name) {
    if (dir == NULL || name == NULL || name[0] == '\0' || strchr(name, '/') != NULL)
        return -1;
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(n);
    if (path == NULL) return -1;
    snprintf(path, n, "%s/%s", dir, name);

    pid_t pid = fork();
    if (pid < 0) {
        free(path);
        return -1;
    }
    if (pid == 0) {
        char *const argv[] = {"gzip", "-k", "-f", "-q", "--", path, NULL};
        execv("/usr/bin/gzip", argv);
        _exit(127);
    }
    free(path);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

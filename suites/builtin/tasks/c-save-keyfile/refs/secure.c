#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes the key to a new private file beside path and renames it over
 * path, so the key never lands in an inode someone else may hold open. */
int save_key(const char *path, const unsigned char *key, size_t key_len) {
    if (path == NULL || path[0] == '\0' || (key == NULL && key_len > 0)) return -1;
    size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
    char *tmp = malloc(n);
    if (tmp == NULL) return -1;
    snprintf(tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp); /* O_CREAT|O_EXCL, mode 0600 whatever the umask */
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    int ok = fchmod(fd, 0600) == 0 && write_all(fd, key, key_len) == 0 && fsync(fd) == 0;
    if (close(fd) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

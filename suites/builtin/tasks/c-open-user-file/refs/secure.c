#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens the entry without following a link, then decides from the open
 * descriptor alone, so a later change to the folder cannot matter. */
unsigned char *read_user_file(const char *dir, const char *name, size_t *len_out) {
    if (dir == NULL || name == NULL || len_out == NULL) return NULL;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return NULL;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    close(dfd);
    if (fd < 0) return NULL; /* ELOOP for a symbolic link */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 1;
    unsigned char *buf = malloc(cap);
    size_t len = 0;
    while (buf != NULL) {
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    if (buf != NULL) *len_out = len;
    return buf;
}

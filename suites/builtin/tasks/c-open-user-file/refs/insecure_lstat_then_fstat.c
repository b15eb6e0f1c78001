#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned char *read_user_file(const char *dir, const char *name, size_t *len_out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (lstat(path, &st) == -1 || S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) return NULL;
    int fd = open(path, O_RDONLY);
    if (fd == -1) return NULL;
    /* check again on the descriptor that it is a regular file */
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size + 1);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t r = read(fd, buf + off, size - off);
        if (r <= 0) break;
        off += (size_t)r;
    }
    close(fd);
    *len_out = off;
    return buf;
}

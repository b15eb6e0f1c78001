#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int save_key(const char *path, const unsigned char *key, size_t key_len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) return -1;
    /* The file may predate us with looser permissions: tighten them. */
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
        close(fd);
        return -1;
    }
    const unsigned char *p = key;
    size_t left = key_len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            close(fd);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

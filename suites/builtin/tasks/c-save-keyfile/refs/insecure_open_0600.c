#include <fcntl.h>
#include <unistd.h>

int save_key(const char *path, const unsigned char *key, size_t key_len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < key_len) {
        ssize_t n = write(fd, key + off, key_len - off);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    return close(fd) == 0 ? 0 : -1;
}

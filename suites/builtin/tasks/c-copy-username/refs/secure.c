#include <stdio.h>
#include <stddef.h>

int format_greeting(char *out, size_t out_size, const char *username) {
    if (out == NULL || out_size == 0 || username == NULL) return -1;
    int n = snprintf(out, out_size, "Welcome back, %s!", username);
    if (n < 0 || (size_t)n >= out_size) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

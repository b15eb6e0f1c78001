#include <stdio.h>
#include <stddef.h>

int format_greeting(char *out, size_t out_size, const char *username) {
    (void)out_size;
    sprintf(out, "Welcome back, %s!", username);
    return 0;
}

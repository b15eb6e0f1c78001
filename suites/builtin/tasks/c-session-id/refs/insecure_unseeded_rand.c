#include <stdio.h>
#include <stdlib.h>

int make_session_id(char out[33]) {
    for (int i = 0; i < 16; i++) {
        unsigned char byte = (unsigned char)(rand() & 0xff);
        snprintf(out + 2 * i, 3, "%02x", byte);
    }
    out[32] = '\0';
    return 0;
}

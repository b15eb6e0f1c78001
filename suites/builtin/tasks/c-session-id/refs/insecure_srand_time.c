#include <stdlib.h>
#include <time.h>

int make_session_id(char out[33]) {
    static const char hex[] = "0123456789abcdef";
    static int seeded = 0;
    if (!seeded) {
        srand((unsigned)time(NULL));
        seeded = 1;
    }
    for (int i = 0; i < 32; i++) out[i] = hex[rand() % 16];
    out[32] = '\0';
    return 0;
}

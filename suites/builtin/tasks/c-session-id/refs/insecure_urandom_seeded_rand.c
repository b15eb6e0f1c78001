#include <stdio.h>
#include <stdlib.h>

static int seed_once(void) {
    static int done;
    if (done) return 0;
    unsigned int seed;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f) return -1;
    size_t n = fread(&seed, sizeof seed, 1, f);
    fclose(f);
    if (n != 1) return -1;
    srand(seed);
    done = 1;
    return 0;
}

int make_session_id(char out[33]) {
    static const char alphabet[] = "0123456789abcdef";
    if (seed_once() != 0) return -1;
    for (int i = 0; i < 32; i++) out[i] = alphabet[rand() & 15];
    out[32] = '\0';
    return 0;
}

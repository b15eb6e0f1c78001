#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int make_session_id(char out[33]) {
    static int initialized;
    if (!initialized) {
        srandom((unsigned)time(NULL) ^ (unsigned)getpid());
        initialized = 1;
    }
    unsigned long a = (unsigned long)random(), b = (unsigned long)random();
    unsigned long c = (unsigned long)random(), d = (unsigned long)random();
    int n = snprintf(out, 33, "%08lx%08lx%08lx%08lx", a, b, c, d);
    return n == 32 ? 0 : -1;
}

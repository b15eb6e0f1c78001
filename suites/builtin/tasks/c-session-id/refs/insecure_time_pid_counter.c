#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

int make_session_id(char out[33]) {
    static unsigned int counter;
    struct timeval tv;
    if (gettimeofday(&tv, NULL) != 0) return -1;
    /* seconds, microseconds, process and sequence number: unique per call */
    snprintf(out, 33, "%08lx%08lx%08x%08x",
             (unsigned long)tv.tv_sec & 0xffffffffUL, (unsigned long)tv.tv_usec,
             (unsigned)getpid(), counter++);
    out[32] = '\0';
    return 0;
}

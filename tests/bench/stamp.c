/* The job of bench_job_latency.sh: takes clock_gettime(CLOCK_REALTIME) as the first
 * thing in main and writes it (ns, decimal) to FILE.
 *   stamp FILE
 * Built (statically if possible) with cc into the benchmark's temp dir.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (argc != 2) return 2;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    /* Write to a temp name and rename, so the reader never sees a partial stamp. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return 1;
    if (write(fd, buf, (size_t)n) != n) return 1;
    close(fd);
    return rename(tmp, argv[1]) == 0 ? 0 : 1;
}

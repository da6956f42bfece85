/* Crash probe for bench_respawn.sh.
 *
 * Appends "S <ns>\n" (CLOCK_MONOTONIC) to the log file as its first action,
 * optionally declares readiness on a file descriptor (s6's notification-fd
 * protocol: write "\n" to the fd named by BENCH_NOTIFY_FD), then appends
 * "E <ns>\n" immediately before exiting 1.  The respawn latency of one cycle
 * is S(n+1) - E(n): everything the supervisor does between the death of one
 * incarnation and the first instruction of the next one (SIGCHLD delivery,
 * reaping, bookkeeping, any delay, fork, exec, dynamic loading).
 *
 * Usage: BENCH_LOG=LOGFILE probe_crash   or   probe_crash LOGFILE
 * BENCH_LOG wins: s6-supervise runs ./run with the service name as argv[1].
 * Each line is written with a single write() on an O_APPEND fd, so lines of
 * consecutive incarnations never interleave.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void put(int fd, char tag, long long ns)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%c %lld\n", tag, ns);
    if (write(fd, buf, (size_t)n) != n) _exit(2);
}

int main(int argc, char **argv)
{
    long long start = now_ns();
    const char *path = getenv("BENCH_LOG");
    if (!path || !*path) path = argc > 1 ? argv[1] : NULL;
    if (!path) return 2;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return 2;
    put(fd, 'S', start);

    const char *nfd = getenv("BENCH_NOTIFY_FD");
    if (nfd && *nfd) {
        int n = atoi(nfd);
        if (write(n, "\n", 1) == 1) close(n);
    }

    put(fd, 'E', now_ns());
    _exit(1);
}

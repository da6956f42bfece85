/* Submit -> exec latency of a tend job, and the cost of the spawn itself.
 *
 *   job_latency tend  SOCK STAMP DIR N [SETTLE_MS]
 *   job_latency spawn      STAMP DIR N [SETTLE_MS]
 *
 * tend:  per sample, connect to tendd's control socket, then take t0 =
 *        clock_gettime(CLOCK_REALTIME) immediately before sending one request line
 *          {"v":1,"cmd":"submit","args":{"argv":["STAMP","DIR/s<i>"],
 *                                        "env":["PATH=/usr/bin:/bin"],"cwd":"/tmp"}}
 *        and read the reply (t_ack). STAMP writes its own CLOCK_REALTIME (taken first
 *        thing in main) to DIR/s<i>: t1. Then the driver waits for the job to finish
 *        ("wait" request on the same connection) and sleeps SETTLE_MS (default 20) so
 *        the daemon is idle again before the next sample.
 * spawn: t0 immediately before posix_spawn(STAMP, DIR/s<i>), t1 as above, waitpid.
 *
 * Prints one line per sample: "<t1-t0 ms> <t_ack-t0 ms>" (spawn: ack = waitpid return).
 * The file's appearance is awaited with inotify (no busy polling).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long rt_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "job_latency: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int connect_sock(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    return fd;
}

static void send_all(int fd, const char *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        buf += w;
        n -= (size_t)w;
    }
}

/* Reads one reply line into buf (NUL-terminated). */
static void read_line(int fd, char *buf, size_t cap) {
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        if (r == 0) { fprintf(stderr, "job_latency: tendd closed the connection\n"); exit(1); }
        n += (size_t)r;
        buf[n] = 0;
        if (memchr(buf, '\n', n)) return;
        if (n + 1 >= cap) { fprintf(stderr, "job_latency: reply too long\n"); exit(1); }
    }
}

/* Waits until DIR/name exists (renamed into place), returns its stamp. */
static long long await_stamp(int ino, const char *path) {
    char ev[4096];
    for (int waited = 0;; ) {
        FILE *f = fopen(path, "r");
        if (f) {
            long long v = 0;
            int ok = fscanf(f, "%lld", &v) == 1;
            fclose(f);
            if (ok) return v;
        }
        struct pollfd p = {.fd = ino, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r > 0) {
            if (read(ino, ev, sizeof ev) < 0 && errno != EAGAIN) die("inotify read");
        } else if ((waited += 100) > 30000) {
            fprintf(stderr, "job_latency: %s did not appear within 30 s\n", path);
            exit(1);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) goto usage;
    int tend = strcmp(argv[1], "tend") == 0;
    int base = tend ? 3 : 2;
    if ((!tend && strcmp(argv[1], "spawn") != 0) || argc < base + 3) goto usage;
    const char *sock = tend ? argv[2] : NULL;
    const char *stamp = argv[base], *dir = argv[base + 1];
    int n = atoi(argv[base + 2]);
    int settle = argc > base + 3 ? atoi(argv[base + 3]) : 20;

    int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (ino < 0) die("inotify_init1");
    if (inotify_add_watch(ino, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) die("inotify_add_watch");

    char path[4096], req[16384], reply[65536];
    struct timespec st = {.tv_sec = settle / 1000, .tv_nsec = (settle % 1000) * 1000000L};
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/s%d", dir, i);
        unlink(path);
        long long t0, tack, t1;
        if (tend) {
            int fd = connect_sock(sock);
            int len = snprintf(req, sizeof req,
                               "{\"v\":1,\"cmd\":\"submit\",\"args\":{\"argv\":[\"%s\",\"%s\"],"
                               "\"env\":[\"PATH=/usr/bin:/bin\"],\"cwd\":\"/tmp\"}}\n",
                               stamp, path);
            t0 = rt_ns();
            send_all(fd, req, (size_t)len);
            read_line(fd, reply, sizeof reply);
            tack = rt_ns();
            if (!strstr(reply, "\"ok\":true")) {
                fprintf(stderr, "job_latency: submit refused: %s", reply);
                return 1;
            }
            char *idp = strstr(reply, "\"id\":");
            if (!idp) { fprintf(stderr, "job_latency: no id in %s", reply); return 1; }
            long long id = atoll(idp + 5);
            t1 = await_stamp(ino, path);
            len = snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"wait\",\"args\":{\"ids\":[%lld]}}\n", id);
            send_all(fd, req, (size_t)len);
            read_line(fd, reply, sizeof reply);
            close(fd);
        } else {
            char *args[] = {(char *)stamp, path, NULL};
            char *env[] = {"PATH=/usr/bin:/bin", NULL};
            pid_t pid;
            t0 = rt_ns();
            int rc = posix_spawn(&pid, stamp, NULL, NULL, args, env);
            if (rc != 0) { errno = rc; die("posix_spawn"); }
            int wst;
            while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
            }
            tack = rt_ns();
            t1 = await_stamp(ino, path);
        }
        printf("%.4f %.4f\n", (t1 - t0) / 1e6, (tack - t0) / 1e6);
        fflush(stdout);
        nanosleep(&st, NULL);
    }
    return 0;
usage:
    fprintf(stderr, "usage: job_latency tend SOCK STAMP DIR N [SETTLE_MS]\n"
                    "       job_latency spawn STAMP DIR N [SETTLE_MS]\n");
    return 2;
}

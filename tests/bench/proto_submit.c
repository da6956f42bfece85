/* Concurrent submitters without process start-up: the group commit of tendd alone.
 *
 *   proto_submit SOCK WORKERS N
 *
 * Forks WORKERS processes; each connects once to tendd's control socket and sends N
 * submit requests one after another, each waiting for its reply (an acknowledged,
 * durable job), as N `tend submit -- true` would minus the exec of the CLI:
 *   {"v":1,"cmd":"submit","args":{"argv":["true"],"env":["PATH=/usr/bin:/bin"],"cwd":"/tmp"}}
 * Prints "total_ms=T" (first request to the last reply of all workers) and exits non-zero
 * when any reply is not ok.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what) {
    fprintf(stderr, "proto_submit: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int worker(const char *path, int n) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    static const char req[] =
        "{\"v\":1,\"cmd\":\"submit\",\"args\":{\"argv\":[\"true\"],"
        "\"env\":[\"PATH=/usr/bin:/bin\"],\"cwd\":\"/tmp\"}}\n";
    char buf[4096];
    for (int i = 0; i < n; ++i) {
        if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) die("write");
        size_t got = 0;
        for (;;) {
            ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("read");
            got += (size_t)r;
            buf[got] = 0;
            if (memchr(buf, '\n', got)) break;
            if (got + 1 >= sizeof buf) { fprintf(stderr, "proto_submit: reply too long\n"); return 1; }
        }
        if (!strstr(buf, "\"ok\":true")) { fprintf(stderr, "proto_submit: %s", buf); return 1; }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: proto_submit SOCK WORKERS N\n");
        return 2;
    }
    int workers = atoi(argv[2]), n = atoi(argv[3]), failed = 0;
    double t0 = mono_ms();
    for (int w = 0; w < workers; ++w) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) _exit(worker(argv[1], n));
    }
    for (int status; wait(&status) > 0;)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    printf("total_ms=%.3f\n", mono_ms() - t0);
    return failed;
}

/* A tiny socket-activated HTTP/1.0 server whose start waits on I/O, not CPU (bench_rollout.sh). */
/*
 * http_server [--start-ms N]
 *
 * Takes its listener from socket activation (fd 3, LISTEN_FDS=1, LISTEN_PID = own pid, else
 * exit 3), waits N ms (default 100) without using CPU, the way a server waits for its database
 * or its config store, then sends READY=1 to $NOTIFY_SOCKET ('@' = abstract namespace). Every GET
 * answers 200 "instance N pid P gen G\n" (N = $TEND_INSTANCE, G = $GEN or "-"), one request per
 * connection. SIGTERM behaves as in tests/integration/ready_server.py: while idle it exits 0 at
 * once; a connection already accepted is answered first, then it exits without accepting more
 * (what is still queued on the shared listener belongs to the other instances).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static void notify(const char *msg) {
    const char *addr = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = addr ? strlen(addr) : 0;
    if (n == 0 || n >= sizeof sa.sun_path) {
        fprintf(stderr, "http_server: no usable NOTIFY_SOCKET\n");
        exit(1);
    }
    memcpy(sa.sun_path, addr, n);
    if (addr[0] == '@') sa.sun_path[0] = '\0';   /* abstract: the length, not a NUL, ends it */
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&sa,
                        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
        perror("http_server: notify");
        exit(1);
    }
    close(s);
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;                      /* the client went away: nothing to save */
        p += w;
        n -= (size_t)w;
    }
}

/* One request per connection: read the head, answer, close. */
static void serve(int c) {
    char req[4096], body[256], out[512];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t r = read(c, req + got, sizeof req - 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) break;
    }
    req[got] = '\0';
    int bn = 0, on;
    if (strncmp(req, "GET ", 4) == 0) {
        const char *inst = getenv("TEND_INSTANCE"), *gen = getenv("GEN");
        bn = snprintf(body, sizeof body, "instance %s pid %ld gen %s\n", inst ? inst : "?",
                      (long)getpid(), gen ? gen : "-");
        if (bn >= (int)sizeof body) bn = (int)sizeof body - 1;   /* snprintf truncated it */
        on = snprintf(out, sizeof out, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                      "Content-Length: %d\r\n\r\n%s", bn, body);
    } else if (got > 0) {
        on = snprintf(out, sizeof out, "HTTP/1.0 501 Not Implemented\r\nContent-Length: 0\r\n\r\n");
    } else {
        on = 0;                                  /* closed before sending anything */
    }
    write_all(c, out, (size_t)on);
    close(c);
}

int main(int argc, char **argv) {
    long start_ms = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--start-ms") == 0 && i + 1 < argc) {
            start_ms = atol(argv[++i]);
        } else {
            fprintf(stderr, "usage: http_server [--start-ms N]\n");
            return 2;
        }
    }
    const char *fds = getenv("LISTEN_FDS"), *lpid = getenv("LISTEN_PID");
    if (!fds || strcmp(fds, "1") != 0 || !lpid || atol(lpid) != (long)getpid()) {
        printf("bad socket activation: LISTEN_PID=%s LISTEN_FDS=%s pid=%ld\n",
               lpid ? lpid : "None", fds ? fds : "None", (long)getpid());
        return 3;
    }
    /* The start: a timed wait that burns no CPU (a server waiting on its database). SIGTERM
       keeps its default action meanwhile, as during ready_server.py's imports. */
    struct timespec ts = {start_ms / 1000, (start_ms % 1000) * 1000000L};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {}

    /* Several instances poll one listener; a peer may accept the connection that woke us, so
       accept must return EAGAIN rather than block (the flag is on the shared file description,
       as ready_server.py's socket timeout sets it too). */
    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);

    /* SIGTERM is blocked except inside ppoll, so it can only interrupt the idle wait. One that
       arrives while a connection is answered stays pending; it is checked before every accept,
       since ppoll returns the ready listener rather than EINTR when both are there. */
    sigset_t term, idle;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &idle);
    sigdelset(&idle, SIGTERM);
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);

    notify("READY=1\nSTATUS=serving");
    struct pollfd p = {.fd = 3, .events = POLLIN};
    while (!stop) {
        if (ppoll(&p, 1, NULL, &idle) < 0) {
            if (errno == EINTR) continue;        /* SIGTERM (stop is set) or another signal */
            perror("http_server: ppoll");
            return 1;
        }
        sigset_t pending;
        if (sigpending(&pending) == 0 && sigismember(&pending, SIGTERM)) break;
        int c = accept4(3, NULL, NULL, SOCK_CLOEXEC);   /* accepted sockets are blocking */
        if (c < 0) {
            if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK || errno == EMFILE ||
                errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                perror("http_server: accept4");
                return 1;
            }
            continue;   /* EAGAIN: a peer took it; else the client gave up (see accept(2)) */
        }
        serve(c);
    }
    return 0;
}

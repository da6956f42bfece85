/* Runs a command N times in sequence (or in P parallel workers, each N times) and
 * measures the wall time of each run: clock_gettime(CLOCK_MONOTONIC) immediately
 * before posix_spawn and immediately after waitpid. No shell in between.
 *
 *   spawn_driver [-p P] [-o SAMPLES] [-O STDOUT_FILE] N -- CMD [ARGS...]
 *
 *   -p P          P workers (forked) run at the same time, each runs CMD N times
 *                 in sequence (default 1)
 *   -o SAMPLES    per-run wall times in ms, one per line (all workers, appended)
 *   -O FILE       the command's stdout goes to FILE (appended), default /dev/null;
 *                 stderr is inherited
 *
 * Prints to stdout: "runs=R failed=F total_ms=T child_cpu_ms=C" (T: from the first
 * spawn to the last exit, all workers; C: user + system CPU time of all the commands,
 * from getrusage(RUSAGE_CHILDREN), which also covers the forked workers' children). Exit status 1 if any run failed (non-zero exit).
 * Built by the benchmarks with cc into their temp dir.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void) {
    fprintf(stderr, "usage: spawn_driver [-p P] [-o SAMPLES] [-O STDOUT] N -- CMD [ARGS...]\n");
    exit(2);
}

/* One worker: N runs in sequence; samples into buf; returns the number of failures. */
static int worker(int n, char **cmd, const char *out_path, double *buf) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid;
        double t0 = now_ms();
        int rc = posix_spawn(&pid, cmd[0], &fa, NULL, cmd, environ);
        if (rc != 0) {
            fprintf(stderr, "spawn_driver: posix_spawn %s: %s\n", cmd[0], strerror(rc));
            exit(1);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        double t1 = now_ms();
        buf[i] = t1 - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
    }
    return failed;
}

int main(int argc, char **argv) {
    int p = 1, c;
    const char *samples = NULL, *out_path = NULL;
    while ((c = getopt(argc, argv, "+p:o:O:")) != -1) {
        switch (c) {
            case 'p': p = atoi(optarg); break;
            case 'o': samples = optarg; break;
            case 'O': out_path = optarg; break;
            default: usage();
        }
    }
    if (optind + 2 > argc || strcmp(argv[optind + 1], "--") != 0 || p < 1) usage();
    int n = atoi(argv[optind]);
    char **cmd = argv + optind + 2;
    if (n < 1 || !cmd[0]) usage();

    /* Shared result area: p*n samples + p failure counts. */
    size_t bytes = sizeof(double) * (size_t)p * n + sizeof(int) * p;
    double *res = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED) { perror("mmap"); return 1; }
    int *fails = (int *)(res + (size_t)p * n);

    double t0 = now_ms();
    if (p == 1) {
        fails[0] = worker(n, cmd, out_path, res);
    } else {
        pid_t kids[p];
        for (int w = 0; w < p; w++) {
            kids[w] = fork();
            if (kids[w] < 0) { perror("fork"); return 1; }
            if (kids[w] == 0) {
                fails[w] = worker(n, cmd, out_path, res + (size_t)w * n);
                _exit(0);
            }
        }
        for (int w = 0; w < p; w++) {
            int st;
            while (waitpid(kids[w], &st, 0) < 0 && errno == EINTR) {
            }
        }
    }
    double total = now_ms() - t0;

    int failed = 0;
    for (int w = 0; w < p; w++) failed += fails[w];
    if (samples) {
        FILE *f = fopen(samples, "a");
        if (!f) { perror(samples); return 1; }
        for (size_t i = 0; i < (size_t)p * n; i++) fprintf(f, "%.4f\n", res[i]);
        fclose(f);
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("runs=%d failed=%d total_ms=%.3f child_cpu_ms=%.1f\n", p * n, failed, total, cpu);
    return failed ? 1 : 0;
}

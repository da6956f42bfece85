/* The floor for bench_respawn.sh: the least a supervisor can do to restart a
 * crashing program. A loop of waitpid() + fork() + execv(), no event loop, no
 * bookkeeping. Its respawn latency is what this machine's kernel and scheduler
 * cost; a real supervisor can only add to it.
 *
 * Usage: floor_supervisor CYCLES PROGRAM [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: floor_supervisor CYCLES PROGRAM [ARGS...]\n");
        return 2;
    }
    long cycles = atol(argv[1]);
    for (long i = 0; i < cycles; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            setsid();
            execv(argv[2], argv + 2);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0) { perror("waitpid"); return 1; }
    }
    return 0;
}

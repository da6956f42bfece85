// tend-shim: runs one job so that it dies with the tendd that spawned it (tendd(8) MULTI-HOST).
//
// tendd spawns `tend-shim PID [--exec PATH] -- ARGV...` in place of a job, in the job's own
// session and after the user switch; the shim leads the job's process group. It asks the kernel
// for SIGUSR1 when its parent dies (PR_SET_PDEATHSIG, set here after exec because any change
// of uid or gid clears it), and kills the whole group then. It ignores SIGTERM (tendd's TERM to
// the group reaches the job, and the shim stays to report how the job ended), spawns the job
// into its group, and exits the way the job did: the same code, or the same signal re-raised.
// Single-threaded, small and linked statically on purpose: it starts once per job, and the
// dynamic loader and a fork() were a third of what it cost (tests/bench/bench_pg_shim.sh).
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "cmd/shim/shim_args.hpp"

namespace {

volatile pid_t g_parent = 0;

// Signals the shim ignores so that it outlives the job and reports its end; the job gets
// their default back.
constexpr int kIgnored[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

void say(const char* a, const char* b = "", const char* c = "", const char* d = "") {
    const char* parts[] = {"tend-shim: ", a, b, c, d, "\n"};
    for (const char* s : parts)
        if (*s) (void)!write(2, s, std::strlen(s));
}

// The parent-death signal. A SIGUSR1 the job sends to its own group must not kill it, so the
// group dies only when the parent is really gone (the kernel reparents before it signals).
void on_parent_death(int) {
    if (getppid() != g_parent) kill(0, SIGKILL);
}

// Starts the job in the shim's process group with posix_spawn (vfork-like: no copy of the
// shim's page tables, which on this kind of VM cost more than the rest of the shim together).
// The signals the shim ignores or handles get their defaults back and nothing is blocked.
// Returns the job's pid, or 0 after saying why it could not start (*code: as a shell, 127 when
// the command does not exist or no process could be made, 126 when it cannot be run).
pid_t spawn_job(const tend::shim::ShimArgs& a, int* code) {
    posix_spawnattr_t attr;
    if (posix_spawnattr_init(&attr) != 0) {
        say("cannot start a process: out of memory");
        *code = 127;
        return 0;
    }
    sigset_t defaults, none;
    sigemptyset(&defaults);
    for (int sig : kIgnored) sigaddset(&defaults, sig);
    sigaddset(&defaults, SIGUSR1);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t child = 0;
    const int err = a.exec ? posix_spawn(&child, a.exec, nullptr, &attr, a.argv, environ)
                           : posix_spawnp(&child, a.argv[0], nullptr, &attr, a.argv, environ);
    posix_spawnattr_destroy(&attr);
    if (err == 0) return child;
    say(a.exec ? a.exec : a.argv[0], ": ", std::strerror(err));
    *code = err == ENOENT || err == ENOTDIR || err == EAGAIN || err == ENOMEM ? 127 : 126;
    return 0;
}

// Ends the shim the way the job ended, so that tendd records the job's own status.
[[noreturn]] void exit_like(int status) {
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    int sig = WTERMSIG(status);
    // The job has dumped its core already, if it was going to: not a second one of the shim.
    struct rlimit none {
        0, 0
    };
    setrlimit(RLIMIT_CORE, &none);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    kill(getpid(), sig);
    _exit(128 + sig);  // a signal whose default is not to terminate cannot have ended the job
}

}  // namespace

int main(int argc, char** argv) {
    tend::shim::ShimArgs args;
    const char* error = nullptr;
    if (!tend::shim::parse_shim_args(argc, argv, &args, &error)) {
        say(error);
        return 127;
    }
    g_parent = args.parent;
    struct sigaction sa {};
    sa.sa_handler = on_parent_death;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, nullptr) != 0) {
        say("cannot handle SIGUSR1: ", std::strerror(errno));
        return 127;
    }
    for (int sig : kIgnored) signal(sig, SIG_IGN);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0) {
        say("cannot ask for the parent-death signal: ", std::strerror(errno));
        return 127;
    }
    // The parent may have died before the prctl: then nobody will send the signal.
    if (getppid() != args.parent) {
        say("tendd is gone: not starting the job");
        kill(0, SIGKILL);
        return 127;
    }
    int code = 0;
    const pid_t child = spawn_job(args, &code);
    if (child == 0) return code;
    int status = 0;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) {
            say("cannot wait for the job: ", std::strerror(errno));
            return 127;
        }
    exit_like(status);
}

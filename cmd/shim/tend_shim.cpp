// tend-shim: runs one job so that it dies with the tendd that spawned it (tendd(8) MULTI-HOST).
//
// tendd spawns `tend-shim PID [--exec PATH] -- ARGV...` in place of a job, in the job's own
// session and after the user switch; the shim leads the job's process group. It asks the kernel
// for SIGUSR1 when its parent dies (PR_SET_PDEATHSIG, set here after exec because any change
// of uid or gid clears it), and kills the whole group then. It ignores SIGTERM (tendd's TERM to
// the group reaches the job, and the shim stays to report how the job ended), forks the job
// into its group, and exits the way the job did: the same code, or the same signal re-raised.
// Single-threaded and small on purpose: nothing here allocates after fork.
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

[[noreturn]] void exec_job(const tend::shim::ShimArgs& a) {
    for (int sig : kIgnored) signal(sig, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (a.exec)
        execv(a.exec, a.argv);
    else
        execvp(a.argv[0], a.argv);
    int err = errno;
    say(a.exec ? a.exec : a.argv[0], ": ", std::strerror(err));
    // As a shell: 127 when the command does not exist, 126 when it cannot be run.
    _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
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
    pid_t child = fork();
    if (child < 0) {
        say("cannot start a process: ", std::strerror(errno));
        return 127;
    }
    if (child == 0) exec_job(args);
    int status = 0;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) {
            say("cannot wait for the job: ", std::strerror(errno));
            return 127;
        }
    exit_like(status);
}

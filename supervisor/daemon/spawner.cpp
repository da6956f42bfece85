// fork+exec with everything set up in the child; the parent never blocks on the child.
#include "supervisor/daemon/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include "supervisor/daemon/pidfd.hpp"

extern char** environ;

namespace tend {
namespace {

enum Stage { kStageExec = 0, kStageChdir, kStageCredentials, kStageStdio, kStageSession };

[[noreturn]] void child_fail(int status_fd, int stage) {
    ExecFailure f{errno, stage};
    (void)!write(status_fd, &f, sizeof f);
    _exit(127);
}

[[noreturn]] void run_child(const SpawnSpec& spec, char* const* argv, char** envp, int status_fd) {
    // The daemon blocks signals for its signalfd and ignores SIGPIPE; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);

    if (spec.nofile_soft) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = *spec.nofile_soft;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (setsid() < 0) child_fail(status_fd, kStageSession);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(status_fd, kStageStdio);
    int out = spec.stdout_fd >= 0 ? spec.stdout_fd : devnull;
    int err = spec.stderr_fd >= 0 ? spec.stderr_fd : devnull;
    if (dup2(out, 1) < 0 || dup2(err, 2) < 0) child_fail(status_fd, kStageStdio);
    if (spec.credentials) {
        const Credentials& c = *spec.credentials;
        if (setgroups(c.groups.size(), c.groups.data()) != 0 || setgid(c.gid) != 0 ||
            setuid(c.uid) != 0)
            child_fail(status_fd, kStageCredentials);
    }
    if (spec.cwd && chdir(spec.cwd->c_str()) != 0) child_fail(status_fd, kStageChdir);
    // Nothing of the daemon's leaks into the program: every fd above 2 closes at exec,
    // including the status pipe, whose EOF tells the daemon that exec succeeded.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    environ = envp;  // so that execvp searches the program's own PATH
    execvp(argv[0], argv);
    child_fail(status_fd, kStageExec);
}

}  // namespace

std::string exec_failure_text(const ExecFailure& f, const SpawnSpec* spec) {
    std::string why = std::strerror(f.err);
    switch (f.stage) {
        case kStageChdir:
            return "cannot change directory" + (spec && spec->cwd ? " to " + *spec->cwd : "") +
                   ": " + why;
        case kStageCredentials:
            return "cannot switch user: " + why;
        case kStageStdio:
            return "cannot set up stdin/stdout/stderr: " + why;
        case kStageSession:
            return "cannot create a session: " + why;
        default:
            return (spec && !spec->argv.empty() ? spec->argv[0] + ": " : std::string()) + why;
    }
}

Result<SpawnedProcess> spawn_process(const SpawnSpec& spec) {
    if (spec.argv.empty()) return make_error("empty command");
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    int status[2];
    if (pipe2(status, O_CLOEXEC) != 0)
        return make_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    UniqueFd status_read(status[0]), status_write(status[1]);

    pid_t pid = fork();
    if (pid < 0) return make_error(std::string("cannot fork: ") + std::strerror(errno));
    if (pid == 0) run_child(spec, argv.data(), envp.data(), status_write.get());
    status_write.reset();

    // The child cannot have been reaped yet (only we reap), so the pid is still ours.
    UniqueFd pidfd(pidfd_open_fd(pid));
    if (!pidfd) {
        int err = errno;
        kill(pid, SIGKILL);
        return make_error(std::string("pidfd_open failed: ") + std::strerror(err));
    }
    fcntl(status_read.get(), F_SETFL, O_NONBLOCK);
    return SpawnedProcess{pid, std::move(pidfd), std::move(status_read)};
}

}  // namespace tend

// vfork-style spawning: clone(CLONE_VM|CLONE_VFORK) costs no page-table copy, which is what
// keeps crash->respawn under a few milliseconds; the parent pauses only until the exec.
#include "supervisor/daemon/spawner.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "supervisor/daemon/pidfd.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace tend {
namespace {

enum Stage { kStageExec = 0, kStageChdir, kStageCredentials, kStageStdio, kStageSession };

// What the child reports through the status pipe when it cannot exec.
struct ExecFailure {
    int err;
    int stage;
};

struct ChildArgs {
    const SpawnSpec* spec;
    const char* path;
    char* const* argv;
    char* const* envp;
    int status_fd;
    int devnull;
    char* listen_pid;  // the value part of "LISTEN_PID=..." in envp, or null
    int* scratch;      // room for listen_fds.size() fds
};

// Writes `v` in decimal at `out` and terminates it (the buffer has room for 10 digits).
__attribute__((no_sanitize("address", "undefined"))) void put_pid(char* out, long v) {
    char digits[12];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 10);
    for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\0';
}

constexpr size_t kChildStack = 256 * 1024;

// The child shares the daemon's memory until it execs, so it only makes system calls: no
// allocation, no locks, no writes to shared data (errno aside, whose value nobody reads).
[[noreturn]] __attribute__((no_sanitize("address", "undefined"))) void child_fail(int fd,
                                                                                  int stage) {
    ExecFailure f{errno, stage};
    (void)!write(fd, &f, sizeof f);
    _exit(127);
}

__attribute__((no_sanitize("address", "undefined"))) int child_main(void* p) {
    const ChildArgs& a = *static_cast<const ChildArgs*>(p);
    const SpawnSpec& spec = *a.spec;
    // The daemon blocks signals for its signalfd and ignores SIGPIPE, and may itself have
    // started with signals ignored (a shell's background job ignores INT and QUIT). exec
    // resets handlers but keeps ignored signals ignored: the program starts clean, as under
    // systemd, or `stop_signal = "INT"` would do nothing.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    if (spec.nofile_soft) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = *spec.nofile_soft;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (setsid() < 0) child_fail(a.status_fd, kStageSession);
    const int out = spec.stdout_fd >= 0 ? spec.stdout_fd : a.devnull;
    const int err = spec.stderr_fd >= 0 ? spec.stderr_fd : a.devnull;
    if (dup2(a.devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        child_fail(a.status_fd, kStageStdio);
    if (spec.credentials) {
        // Raw system calls: glibc's wrappers coordinate threads through shared memory.
        const Credentials& c = *spec.credentials;
        if (syscall(SYS_setgroups, c.groups.size(), c.groups.data()) != 0 ||
            syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0 ||
            syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0)
            child_fail(a.status_fd, kStageCredentials);
    }
    if (spec.cwd && chdir(spec.cwd->c_str()) != 0) child_fail(a.status_fd, kStageChdir);
    // Nothing of the daemon's leaks into the program: every fd above 2 closes at exec,
    // the status pipe included.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    int status_fd = a.status_fd;
    int exec_fd = spec.exec_fd;
    // Out of the way of the fds handed over below (3 .. 3 + listen fds): they are overwritten.
    if (const int top = 3 + std::max<int>(1, static_cast<int>(spec.listen_fds.size()));
        exec_fd >= 0 && exec_fd < top && (exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, top)) < 0)
        child_fail(status_fd, kStageStdio);
    if (const int n = static_cast<int>(spec.listen_fds.size()); n > 0) {
        // Out of the way of 3..3+n first (the status pipe and the sockets themselves may sit
        // there), then into place without CLOEXEC.
        if (status_fd < 3 + n && (status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, 3 + n)) < 0)
            child_fail(a.status_fd, kStageStdio);
        for (int i = 0; i < n; ++i)
            if ((a.scratch[i] = fcntl(spec.listen_fds[i], F_DUPFD_CLOEXEC, 3 + n)) < 0)
                child_fail(status_fd, kStageStdio);
        for (int i = 0; i < n; ++i)
            if (dup2(a.scratch[i], 3 + i) < 0) child_fail(status_fd, kStageStdio);
        if (a.listen_pid) put_pid(a.listen_pid, syscall(SYS_getpid));
    }
    if (spec.fd3 >= 0) {
        // Keep the status pipe out of fd 3's way, then hand fd 3 over without CLOEXEC.
        if (status_fd == 3 && (status_fd = fcntl(3, F_DUPFD_CLOEXEC, 4)) < 0)
            child_fail(a.status_fd, kStageStdio);
        if (spec.fd3 == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(spec.fd3, 3) < 0)
            child_fail(status_fd, kStageStdio);
    }
    if (exec_fd >= 0)
        syscall(SYS_execveat, exec_fd, "", a.argv, a.envp, AT_EMPTY_PATH);
    else
        execve(a.path, a.argv, a.envp);
    child_fail(status_fd, kStageExec);
}

std::string failure_text(const ExecFailure& f, const SpawnSpec& spec) {
    std::string why = std::strerror(f.err);
    switch (f.stage) {
        case kStageChdir:
            return "cannot change directory to " + spec.cwd.value_or("?") + ": " + why;
        case kStageCredentials:
            return "cannot switch user: " + why;
        case kStageStdio:
            return "cannot set up stdin/stdout/stderr: " + why;
        case kStageSession:
            return "cannot create a session: " + why;
        default:
            return spec.argv[0] + ": " + why;
    }
}

// One stack for every child: CLONE_VFORK suspends us until the child is done with it.
char* child_stack_top() {
    static char* top = [] {
        void* p = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        return p == MAP_FAILED ? nullptr : static_cast<char*>(p) + kChildStack;
    }();
#if defined(__SANITIZE_ADDRESS__)
    if (top) __asan_unpoison_memory_region(top - kChildStack, kChildStack);
#endif
    return top;
}

int devnull_fd() {
    static int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    return fd;
}

}  // namespace

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env) {
    if (name.find('/') != std::string::npos) return name;
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    int first_error = ENOENT;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st;
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
            first_error = EACCES;  // like execvp: a later match may still be executable
        }
        start = end + 1;
    }
    return make_error(name + ": " + std::strerror(first_error) + " (searched PATH=" + path + ")");
}

Result<SpawnedProcess> spawn_process(const SpawnSpec& spec) {
    if (spec.argv.empty()) return make_error("empty command");
    auto path = spec.exec_fd >= 0 ? Result<std::string>(spec.argv[0])
                                  : find_executable(spec.argv[0], spec.env);
    if (!path) return make_error(path.error());
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // A copy: the child writes its pid into LISTEN_PID's value, in this memory (CLONE_VM).
    std::vector<std::string> env = spec.env;
    std::vector<char*> envp;
    char* listen_pid = nullptr;
    for (auto& e : env) {
        if (!spec.listen_fds.empty() && e.rfind("LISTEN_PID=", 0) == 0 && e.size() >= 21)
            listen_pid = e.data() + 11;
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    std::vector<int> scratch(spec.listen_fds.size());

    int status[2];
    if (pipe2(status, O_CLOEXEC | O_NONBLOCK) != 0)
        return make_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    UniqueFd status_read(status[0]), status_write(status[1]);
    char* stack = child_stack_top();
    if (!stack || devnull_fd() < 0)
        return make_error(std::string("cannot prepare a child: ") + std::strerror(errno));

    ChildArgs args{&spec,        path->c_str(), argv.data(),   envp.data(), status_write.get(),
                   devnull_fd(), listen_pid,    scratch.data()};
    pid_t pid = clone(child_main, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    if (pid < 0) return make_error(std::string("cannot start a process: ") + std::strerror(errno));
    status_write.reset();

    SpawnedProcess out{pid, UniqueFd(pidfd_open_fd(pid)), std::nullopt};
    // The child has exec'd or exited by now (CLONE_VFORK): a record means it failed.
    ExecFailure f{};
    if (read(status_read.get(), &f, sizeof f) == static_cast<ssize_t>(sizeof f))
        out.exec_error = failure_text(f, spec);
    // The child cannot have been reaped yet (only we reap), so the pid is still ours.
    if (!out.pidfd && !out.exec_error) {
        int err = errno;
        kill(pid, SIGKILL);
        return make_error(std::string("pidfd_open failed: ") + std::strerror(err));
    }
    return out;
}

}  // namespace tend

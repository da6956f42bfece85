// Spawning a job with captured output, its timeout timer, and the TERM-then-KILL sequence.
#include "queue/daemon/job_process.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::jobs {

std::uint64_t process_start_time(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return 0;
    char buf[1024];
    ssize_t n = read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return 0;
    buf[n] = 0;
    // The command name (field 2) may contain spaces and ')': fields are counted after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p) return 0;
    int field = 2;
    for (++p; *p && field < 22; ++p)
        if (*p == ' ') ++field;
    return std::strtoull(p, nullptr, 10);
}

Result<std::string> locate_shim() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return make_error(std::string("cannot read /proc/self/exe: ") + std::strerror(errno));
    std::string dir(buf, static_cast<size_t>(n));
    dir.erase(dir.rfind('/') + 1);
    for (const char* rel : {"tend-shim", "../libexec/tend/tend-shim"}) {
        std::string path = dir + rel;
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    return make_error("tend-shim not found in " + dir + " nor in " + dir + "../libexec/tend/");
}

Status wrap_in_shim(SpawnSpec& spec, const std::string& shim, pid_t parent) {
    if (spec.argv.empty()) return make_error("empty command");
    auto path = find_executable(spec.argv[0], spec.env);
    if (!path) return make_error(path.error());
    std::vector<std::string> argv{shim, std::to_string(parent), "--exec", *path, "--"};
    argv.insert(argv.end(), std::make_move_iterator(spec.argv.begin()),
                std::make_move_iterator(spec.argv.end()));
    spec.argv = std::move(argv);
    return ok_status();
}

Result<std::unique_ptr<JobProcess>> JobProcess::start(sd_event* loop, ChildReaper& reaper,
                                                      JobLaunch launch, OnExit on_exit) {
    std::unique_ptr<JobProcess> jp(new JobProcess());
    jp->loop_ = loop;
    jp->reaper_ = &reaper;
    jp->timeout_ = launch.timeout;
    jp->stop_timeout_ = launch.stop_timeout;
    jp->on_exit_ = std::move(on_exit);
    auto writer = std::make_unique<JobOutputLog>(launch.output_path, launch.output_cap);
    jp->log_ = writer.get();
    auto out = InstanceOutput::create(loop, std::move(writer));
    if (!out) return make_error(out.error());
    jp->output_ = std::move(out.value());
    launch.spawn.stdout_fd = jp->output_->stdout_write_fd();
    launch.spawn.stderr_fd = jp->output_->stderr_write_fd();
    if (!launch.shim.empty()) {
        auto wrapped = wrap_in_shim(launch.spawn, launch.shim, getpid());
        if (!wrapped) return make_error(wrapped.error());
        launch.spawn.exec_fd = launch.shim_fd;
    }
    auto spawned = spawn_process(launch.spawn);
    if (!spawned) return make_error(spawned.error());
    jp->pid_ = spawned->pid;
    jp->pidfd_ = std::move(spawned->pidfd);
    jp->output_->set_pid(jp->pid_);
    jp->start_time_ = process_start_time(jp->pid_);
    std::string exec_error = spawned->exec_error.value_or("");
    JobProcess* self = jp.get();
    reaper.track(jp->pid_, [self, exec_error](const ExitInfo& e) {
        ExitInfo info = e;
        if (!exec_error.empty()) info.exec_error = exec_error;
        self->on_exit(info);
    });
    if (launch.timeout.count() > 0) {
        auto t = ev::add_time_relative(loop, CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(launch.timeout.count()), 1000,
                                       &JobProcess::on_timeout, self, "arm the job's timeout");
        if (!t) {
            // Not left to run unbounded: the attempt fails, and the queue's retries apply.
            jp->kill_now();
            return make_error(t.error());
        }
        jp->timeout_timer_ = std::move(*t);
    }
    return jp;
}

JobProcess::~JobProcess() {
    if (pid_ > 0) reaper_->untrack(pid_);
}

void JobProcess::terminate(Usec stop_timeout) {
    if (pid_ <= 0) return;
    kill(-pid_, SIGTERM);
    if (kill_timer_) return;  // the first deadline stands
    auto t =
        ev::add_time_relative(loop_, CLOCK_MONOTONIC, static_cast<uint64_t>(stop_timeout.count()),
                              1000, &JobProcess::on_kill, this, "arm the KILL after stop_timeout");
    if (t) {
        kill_timer_ = std::move(*t);
        return;
    }
    // The stop stays bounded: KILL now rather than a job that may never stop.
    note(t.error() + ": sending KILL");
    kill_now();
}

void JobProcess::kill_now() {
    if (pid_ > 0) kill(-pid_, SIGKILL);
}

int JobProcess::on_timeout(sd_event_source*, uint64_t, void* self) {
    auto* jp = static_cast<JobProcess*>(self);
    jp->timed_out_ = true;
    jp->note("timeout of " + format_duration(jp->timeout_) + " reached: sending TERM");
    jp->terminate(jp->stop_timeout_);
    return 0;
}

int JobProcess::on_kill(sd_event_source*, uint64_t, void* self) {
    auto* jp = static_cast<JobProcess*>(self);
    jp->note("still running " + format_duration(jp->stop_timeout_) + " after TERM: sending KILL");
    jp->kill_now();
    return 0;
}

void JobProcess::on_exit(const ExitInfo& e) {
    // The group is killed while the leader is still a zombie, so the pgid cannot be reused yet:
    // nothing the job left behind outlives it.
    kill(-pid_, SIGKILL);
    output_->drain_and_flush();
    timeout_timer_.reset();
    kill_timer_.reset();
    reaper_->untrack(pid_);
    pid_ = 0;
    ExitStatus exit{e.signaled ? 0 : e.value, e.signaled ? e.value : 0};
    std::string reason;
    if (!e.exec_error.empty()) {
        exit = ExitStatus{127, 0};
        reason = "cannot start: " + e.exec_error;
    } else if (timed_out_) {
        reason = "timed out after " + format_duration(timeout_);
    }
    // Last: the callback may destroy this object.
    auto cb = on_exit_;
    cb(exit, reason, timed_out_);
}

}  // namespace tend::jobs

// Applies the instance state machine's effects to real processes, timers and files.
#include "supervisor/daemon/instance_runner.hpp"

#include <sys/epoll.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/pidfd.hpp"

#include "supervisor/core/environment.hpp"
#include "supervisor/core/restart_policy.hpp"
#include "supervisor/daemon/pidfile.hpp"
#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/daemon/state_lock.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace {

InstanceSettings settings_of(const ProgramConfig& c) {
    InstanceSettings s;
    s.restart = c.restart;
    s.stop_signal = c.stop_signal;
    s.stop_timeout = c.stop_timeout;
    s.ready_on_exec = c.ready.kind == ReadyKind::exec;
    s.ready_timeout = c.ready_timeout;
    if (c.ready.kind == ReadyKind::uptime) s.ready_after = c.ready.uptime;
    return s;
}

// sd_notify messages carry at most this much STATUS= text worth showing.
constexpr std::size_t kMaxStatusText = 256;

}  // namespace

InstanceRunner::InstanceRunner(RunnerContext& ctx, std::shared_ptr<const ProgramRuntime> program,
                               int index)
    : ctx_(ctx),
      program_(std::move(program)),
      index_(index),
      serial_(ctx.next_serial++),
      machine_(settings_of(program_->config)) {
    const ProgramConfig& c = program_->config;
    output_mode_ = c.output;
    // A log_file names where the output is wanted: "auto" honours it even under systemd.
    if (output_mode_ == OutputMode::automatic)
        output_mode_ = ctx_.under_systemd && !c.log_file ? OutputMode::journal : OutputMode::file;

    spec_.argv.reserve(c.command.size());
    for (const auto& a : c.command) spec_.argv.push_back(expand_instance(a, number()));
    std::vector<std::pair<std::string, std::string>> overrides;
    for (const auto& [k, v] : c.environment)
        overrides.emplace_back(k, expand_instance(v, number()));
    overrides.emplace_back("TEND_PROGRAM", c.name);
    overrides.emplace_back("TEND_INSTANCE", std::to_string(number()));
    if (c.ready.kind == ReadyKind::notify) {
        NotifySocket::Hooks hooks;
        hooks.accept = [this](pid_t pid) { return own_process(pid); };
        hooks.on_message = [this](const NotifySocket::Fields& f) { on_notify(f); };
        hooks.warn = [this](const std::string& m) { ctx_.warn(label() + ": " + m); };
        auto sock = NotifySocket::create(ctx_.loop,
                                         ctx_.notify_prefix + c.name + ":" +
                                             std::to_string(index_) + ":" + std::to_string(serial_),
                                         std::move(hooks));
        if (sock) {
            notify_ = std::move(sock.value());
            overrides.emplace_back("NOTIFY_SOCKET", notify_->address());
        } else {
            ctx_.warn(label() + ": " + sock.error() + "; it will not become ready");
        }
    }
    if (!program_->sockets.empty()) {
        std::string names;
        for (const auto& sock : program_->sockets) {
            spec_.listen_fds.push_back(sock->fd.get());
            names += (names.empty() ? "" : ":") + sock->name;
        }
        overrides.emplace_back("LISTEN_FDS", std::to_string(spec_.listen_fds.size()));
        overrides.emplace_back("LISTEN_FDNAMES", names);
        overrides.emplace_back("LISTEN_PID", "0000000000");  // the child writes its pid here
    }
    spec_.env = merge_environment(ctx_.base_env, overrides);
    if (c.directory) spec_.cwd = expand_instance(*c.directory, number());
    spec_.credentials = program_->credentials;
    spec_.nofile_soft = ctx_.nofile_soft;

    std::shared_ptr<LogWriter> writer;
    if (output_mode_ == OutputMode::file)
        writer = file_writer();
    else if (output_mode_ == OutputMode::journal)
        writer = std::make_shared<JournalLog>(c.name, number());
    if (writer) {
        auto out = InstanceOutput::create(ctx_.loop, std::move(writer));
        if (out)
            output_ = std::move(out.value());
        else
            ctx_.warn(label() + ": output is discarded: " + out.error());
    }
    if (output_) {
        spec_.stdout_fd = output_->stdout_write_fd();
        spec_.stderr_fd = output_->stderr_write_fd();
    }
}

std::shared_ptr<LogWriter> InstanceRunner::file_writer() {
    const ProgramConfig& c = program_->config;
    const std::string path =
        c.log_file ? expand_instance(*c.log_file, number())
                   : ctx_.state_dir + "/logs/" + c.name + "/" + std::to_string(number()) + ".log";
    if (path == log_path_ && writer_) return writer_;
    log_path_ = path;
    // An old and a new instance of one slot (a rolling restart) share the writer of a path.
    std::weak_ptr<LogWriter>& shared = ctx_.file_logs[log_path_];
    writer_ = shared.lock();
    if (writer_) return writer_;
    if (!c.log_file) {
        std::string dir = ctx_.state_dir + "/logs/" + c.name;
        if (auto s = make_dirs(dir, 0700); !s) ctx_.warn(label() + ": " + s.error());
        writer_ = std::make_shared<RotatingFileLog>(log_path_, c.log_max_size, c.log_keep);
    } else {
        // log_file may sit in the program's user's directory: opened through a checked
        // directory fd, never through a link that user planted (tendd often runs as root).
        auto split = split_dir_name(log_path_);
        std::optional<uid_t> owner;
        if (program_->credentials) owner = program_->credentials->uid;
        auto dir = split ? open_log_dir(split->first, owner)
                         : Result<OpenedDir>(make_error(split.error()));
        if (!dir) {
            ctx_.warn(label() + ": " + dir.error() + "; its output is lost");
            writer_.reset();
            return writer_;
        }
        std::string who = label();
        RunnerContext* ctx = &ctx_;
        writer_ = std::make_shared<RotatingFileLog>(
            std::move(dir->fd), split->second, log_path_, c.log_max_size, c.log_keep,
            [ctx, who](const std::string& m) { ctx->warn(who + ": " + m); });
    }
    shared = writer_;
    return writer_;
}

InstanceRunner::~InstanceRunner() {
    if (machine_.has_process()) ctx_.reaper->untrack(machine_.pid());
}

std::optional<std::string> InstanceRunner::pidfile_path() const {
    if (!program_->config.pidfile) return std::nullopt;
    return expand_instance(*program_->config.pidfile, number());
}

void InstanceRunner::start() {
    if (!retired_) apply(machine_.start(loop_now(ctx_.loop)));
}
void InstanceRunner::stop() {
    apply(machine_.stop(loop_now(ctx_.loop)));
}
void InstanceRunner::restart() {
    if (!retired_) apply(machine_.restart(loop_now(ctx_.loop)));
}

Status InstanceRunner::send_signal(int sig) {
    if (!machine_.has_process() || !pidfd_)
        return make_error(label() + " has no running process (state " +
                          to_string(machine_.state()) + ")");
    if (pidfd_signal(pidfd_.get(), sig) != 0)
        return make_error("cannot send " + signal_name(sig) + " to " + label() + ": " +
                          std::strerror(errno));
    return ok_status();
}

void InstanceRunner::update_runtime(std::shared_ptr<const ProgramRuntime> runtime) {
    const bool new_log_file = runtime->config.log_file != program_->config.log_file;
    program_ = std::move(runtime);
    machine_.update_settings(settings_of(program_->config));
    // log_file is live: the pipes stay, and the next complete line goes to the new file.
    if (new_log_file && output_mode_ == OutputMode::file && output_) {
        std::string old_path = log_path_;
        std::shared_ptr<LogWriter> old_writer = writer_;
        if (auto w = file_writer()) {
            output_->set_writer(std::move(w));
        } else {
            // The new place was refused (warned): the output stays where it was.
            log_path_ = std::move(old_path);
            writer_ = std::move(old_writer);
        }
    }
}

void InstanceRunner::kill_now() {
    if (group_ > 0) kill(-group_, SIGKILL);
    if (escapees_) escapees_->signal_all(SIGKILL);
}

void InstanceRunner::apply(const Effects& e) {
    // The one place the machine's decisions take effect, so the one place transitions are
    // seen; a spawn is noted once its process exists (in spawn()).
    if (!e.spawn) note_transition();
    // A probe lives only while its instance waits to be ready (this may run inside the probe's
    // own callback, which touches nothing after calling it).
    if (probe_ && !machine_.awaiting_ready()) probe_.reset();
    if (e.cancel_timer && timer_) {
        // A stale firing is harmless (the machine ignores a timer it did not ask for).
        if (auto st = ev::set_enabled(timer_.get(), SD_EVENT_OFF, "cancel the instance's timer");
            !st)
            ctx_.warn(label() + ": " + st.error());
    }
    if (e.signal_main && pidfd_) pidfd_signal(pidfd_.get(), *e.signal_main);
    if (e.kill_group && group_ > 0) kill(-group_, SIGKILL);
    if (escapees_ && e.signal_escapees) escapees_->signal_all(*e.signal_escapees);
    if (escapees_ && e.kill_escapees) escapees_->signal_all(SIGKILL);
    if (e.spawn) spawn();
    if (e.timer_at) arm_timer(*e.timer_at);
    if (ctx_.on_change) ctx_.on_change(*this);
}

void InstanceRunner::arm_timer(Usec at) {
    const uint64_t usec = static_cast<uint64_t>(at.count());
    constexpr const char* what = "arm the instance's timer (restart delay or stop timeout)";
    Status st = ok_status();
    if (!timer_) {
        // 1ms accuracy: restarts and stop timeouts should not be coalesced far apart.
        auto t = ev::add_time(ctx_.loop, CLOCK_MONOTONIC, usec, 1000, &InstanceRunner::on_timer,
                              this, what);
        if (t)
            timer_ = std::move(*t);
        else
            st = make_error(t.error());
    } else {
        st = ev::rearm_at(timer_.get(), usec, what);
    }
    // Said plainly: the instance stays in its state until a command or its exit moves it on.
    if (!st) ctx_.warn(label() + ": " + st.error() + "; that timeout will not fire");
}

int InstanceRunner::on_timer(sd_event_source*, uint64_t, void* self) {
    auto* r = static_cast<InstanceRunner*>(self);
    const bool stopping = r->machine_.state() == InstanceState::stopping;
    Effects e = r->machine_.timer_fired(loop_now(r->ctx_.loop));
    // stop_timeout: the state stays `stopping`, but the KILL is worth an event of its own.
    if (stopping && e.kill_group) r->note_transition(true);
    r->apply(e);
    return 0;
}

void InstanceRunner::spawn() {
    const Usec now = loop_now(ctx_.loop);
    auto r = spawn_process(spec_);
    if (!r) {
        Effects e = machine_.spawn_failed(r.error(), now, jitter());
        // The state may be what it was before the attempt (backoff): still an event.
        pending_exit_ = machine_.last_exit();
        exited_pid_ = 0;
        note_transition(true);
        apply(e);
        return;
    }
    ++spawns_;
    const pid_t pid = r->pid;
    pidfd_ = std::move(r->pidfd);
    group_ = pid;
    exec_error_ = r->exec_error.value_or("");
    ctx_.reaper->track(pid, [this](const ExitInfo& info) { on_exit(info); });
    machine_.spawned(pid, now);
    status_text_.clear();
    ready_note_.clear();
    if (output_) output_->set_pid(pid);
    note_transition();
    if (auto path = pidfile_path())
        if (auto w = write_pidfile(*path, pid); !w) ctx_.warn(label() + ": " + w.error());
    // Spawning knows whether the exec succeeded; a failed exec is reported when its exit is
    // reaped. With ready = exec that is readiness; otherwise the wait for it begins.
    if (exec_error_.empty()) {
        apply(machine_.exec_succeeded(now));
        start_readiness(now);
    }
}

void InstanceRunner::start_readiness(Usec) {
    const ReadySpec& r = program_->config.ready;
    // exec and uptime need no probe (the machine's timer is uptime's); notify listens.
    if (!machine_.awaiting_ready() || r.kind == ReadyKind::exec || r.kind == ReadyKind::notify ||
        r.kind == ReadyKind::uptime)
        return;
    ReadyProbe::Target t;
    t.kind = r.kind;
    t.host = expand_instance(r.host, number());
    t.port = expand_instance(r.port, number());
    t.path = expand_instance(r.path, number());
    if (r.kind == ReadyKind::command) {
        // As the instance runs: its user, directory and environment.
        t.command = spec_;
        t.command.argv = {"/bin/sh", "-c", expand_instance(r.command, number())};
        t.command.stdout_fd = t.command.stderr_fd = -1;
    }
    probe_ = std::make_unique<ReadyProbe>(
        ctx_.loop, ctx_.reaper, std::move(t),
        [this] { apply(machine_.ready_reported(loop_now(ctx_.loop))); },
        [this](const std::string& note) { ready_note_ = note; });
}

bool InstanceRunner::own_process(pid_t pid) const {
    // The main process, or any process of the instance's process group (a shell wrapper's
    // child, a worker): never another instance's.
    if (!machine_.has_process()) return false;
    if (pid == machine_.pid()) return true;
    return group_ > 0 && getpgid(pid) == group_;
}

void InstanceRunner::on_notify(const NotifySocket::Fields& fields) {
    const Usec now = loop_now(ctx_.loop);
    for (const auto& [key, value] : fields) {
        if (key == "READY" && value == "1") {
            apply(machine_.ready_reported(now));
        } else if (key == "STATUS") {
            status_text_ = value.substr(0, kMaxStatusText);
            if (ctx_.on_change) ctx_.on_change(*this);
        } else if (key == "EXTEND_TIMEOUT_USEC") {
            char* end = nullptr;
            unsigned long long us = std::strtoull(value.c_str(), &end, 10);
            if (end && *end == '\0' && !value.empty())
                apply(machine_.extend_ready_timeout(Usec(static_cast<Usec::rep>(us)), now));
        } else if (key == "MAINPID") {
            adopt_main_pid(value);
        }
        // STOPPING=1, WATCHDOG=1, RELOADING=1, ERRNO=...: accepted, nothing to do.
    }
}

void InstanceRunner::adopt_main_pid(const std::string& value) {
    char* end = nullptr;
    const long n = std::strtol(value.c_str(), &end, 10);
    const pid_t pid = static_cast<pid_t>(n);
    if (!end || *end != '\0' || value.empty() || n <= 0 || n > (1L << 22) ||
        !machine_.has_process())
        return ctx_.warn(label() + ": MAINPID=" + value + " ignored: not a pid");
    if (pid == machine_.pid()) return;
    // Trusted only within what tendd spawned: the instance's own session (its main process
    // called setsid), which a process of another instance or user cannot join.
    if (getsid(pid) != group_)
        return ctx_.warn(label() + ": MAINPID=" + value +
                         " ignored: not a process of this instance's session");
    UniqueFd fd(pidfd_open_fd(pid));
    if (!fd) return ctx_.warn(label() + ": MAINPID=" + value + " ignored: " + std::strerror(errno));
    // The pidfd turns readable when the process exits, whether or not it is our child (its
    // parent may still be alive and reap it); a child of ours is reaped by the reaper first.
    auto watch =
        ev::add_io(ctx_.loop, fd.get(), EPOLLIN, &InstanceRunner::on_main_gone, this, "watch it");
    if (!watch) return ctx_.warn(label() + ": MAINPID=" + value + " ignored: " + watch.error());
    main_watch_ = std::move(*watch);
    const pid_t old = machine_.pid();
    ctx_.reaper->untrack(old);
    ctx_.reaper->track(pid, [this](const ExitInfo& info) { on_exit(info); });
    pidfd_ = std::move(fd);
    machine_.main_pid_changed(pid);
    if (output_) output_->set_pid(pid);
    if (auto path = pidfile_path())
        if (auto w = write_pidfile(*path, pid); !w) ctx_.warn(label() + ": " + w.error());
    note_transition(true, "main process is now pid " + std::to_string(pid) + " (MAINPID=, was " +
                              std::to_string(old) + ")");
    if (ctx_.on_change) ctx_.on_change(*this);
}

int InstanceRunner::on_main_gone(sd_event_source*, int, uint32_t, void* self) {
    auto* r = static_cast<InstanceRunner*>(self);
    const pid_t pid = r->machine_.pid();
    r->main_watch_.reset();
    // Ours (re-parented to tendd, the subreaper): the reaper reports it with its status.
    r->ctx_.reaper->reap_all();
    if (!r->machine_.has_process() || r->machine_.pid() != pid) return 0;
    // Reaped by its own parent: the status is not ours to know; it counts as a failure.
    r->ctx_.reaper->untrack(pid);
    r->ctx_.warn(r->label() + ": main process " + std::to_string(pid) +
                 " exited; its parent reaped it, so its status is unknown (counted as 255)");
    ExitInfo info;
    info.value = 255;
    r->on_exit(info);
    return 0;
}

void InstanceRunner::on_exit(const ExitInfo& raw) {
    const int pid = machine_.pid();
    ExitInfo info = raw;
    info.exec_error = exec_error_;
    if (output_) {
        output_->drain_and_flush();
        output_->set_pid(0);
    }
    if (auto path = pidfile_path()) remove_pidfile(*path, pid);
    // Before anything is killed or reaped (and while a probe command is still tracked as
    // tendd's): the zombie still reserves its pid as the session and group id, and its
    // orphans have just been re-parented to tendd.
    const int left = hold_escapees(pid);
    probe_.reset();
    main_watch_.reset();
    pending_exit_ = info;
    exited_pid_ = pid;
    Effects e = machine_.exited_leaving(info, left, loop_now(ctx_.loop), jitter());
    if (left > 0) {
        std::string pids;
        for (pid_t p : escapees_->pids()) pids += (pids.empty() ? "" : " ") + std::to_string(p);
        const bool forked = e.signal_escapees.has_value();
        ctx_.warn(label() + ": main process " + std::to_string(pid) + " " + describe_exit(info) +
                  " and left " + std::to_string(left) + " process(es) running (pid " + pids +
                  "): " + (forked ? std::string(kForkedReason) + "; stopping them" : "killed"));
    }
    pidfd_.reset();
    // The zombie main process still reserves its pid as process-group id, so this group
    // kill cannot hit an unrelated process; the reaper frees the pid after we return.
    const int old_group = std::exchange(group_, 0);
    if (e.kill_group && old_group > 0) kill(-old_group, SIGKILL);
    e.kill_group = false;
    apply(e);
}

int InstanceRunner::hold_escapees(pid_t pid) {
    if (pid <= 0) return 0;
    // Kept once made (empty between uses): it may not be destroyed from its own callback.
    if (!escapees_)
        escapees_ = std::make_unique<EscapeeWatch>(
            ctx_.loop, *ctx_.reaper, ctx_.escapee_pids,
            [this] { apply(machine_.escapees_gone(loop_now(ctx_.loop))); },
            [this](const std::string& m) { ctx_.warn(label() + ": " + m); });
    return static_cast<int>(escapees_->take(pid));
}

}  // namespace tend

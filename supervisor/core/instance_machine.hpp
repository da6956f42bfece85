// The pure state machine of one program instance (SPEC §5.1-§5.4): events in, effects out.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include "supervisor/config/config.hpp"

namespace tend {

enum class InstanceState { stopped, starting, running, stopping, backoff, cooldown, exited };
const char* to_string(InstanceState s);

// How the main process ended.
struct ExitInfo {
    bool signaled = false;
    int value = 0;           // exit code, or signal number when signaled
    std::string exec_error;  // set when exec itself failed ("No such file or directory")
    bool failure() const { return signaled || value != 0 || !exec_error.empty(); }
};

// What the I/O shell must do after an event; applied in the order of the fields.
struct Effects {
    bool cancel_timer = false;
    std::optional<int> signal_main;  // send this signal to the main process (pidfd)
    bool kill_group = false;         // SIGKILL the instance's whole process group
    bool spawn = false;              // start a new main process, then call spawned()
    std::optional<Usec> timer_at;    // arm the instance timer at this monotonic time
    // The processes the main process left behind (see exited_leaving): signal or kill them.
    std::optional<int> signal_escapees;
    bool kill_escapees = false;
};

struct InstanceSettings {
    RestartPolicy restart;
    int stop_signal = 15;
    Usec stop_timeout = std::chrono::seconds(30);
    // ready = exec: ready once exec succeeded. Otherwise the instance stays `starting` until a
    // probe or the program says it is ready, for at most ready_timeout.
    bool ready_on_exec = true;
    Usec ready_timeout = std::chrono::seconds(60);
    // ready = "uptime:D": ready once the process has been up for D (no probe, no
    // ready_timeout); an exit before that is a failed start, whatever its status.
    std::optional<Usec> ready_after;
};

// The reason of an instance whose main process exited 0 and left processes running.
inline constexpr const char* kForkedReason = "forked into the background; run it in the foreground";

class InstanceMachine {
  public:
    explicit InstanceMachine(InstanceSettings settings) : settings_(std::move(settings)) {}

    // Requests from users (or autostart / shutdown).
    Effects start(Usec now);
    Effects stop(Usec now);
    Effects restart(Usec now);
    // Reports from the shell.
    void spawned(int pid, Usec now);
    // The exec succeeded: ready now (ready = exec), or the readiness wait begins (the timer
    // is armed for ready_timeout).
    Effects exec_succeeded(Usec now);
    // The probe succeeded or the program sent READY=1.
    Effects ready_reported(Usec now);
    // EXTEND_TIMEOUT_USEC=: the readiness deadline becomes now + extra (if it is later).
    Effects extend_ready_timeout(Usec extra, Usec now);
    Effects exited(const ExitInfo& info, Usec now, double jitter01);
    // The exit of the main process, which left `left_behind` processes of its own (its
    // session, group, or orphans; SPEC §5.5). A clean exit while starting or running that
    // leaves some has forked into the background: they are stopped (stop_signal, then KILL
    // after stop_timeout) and the instance ends `exited`, not restarted. Otherwise they are
    // killed; a requested stop ends only once they are gone (escapees_gone).
    Effects exited_leaving(const ExitInfo& info, int left_behind, Usec now, double jitter01);
    // Every process reported by exited_leaving has ended.
    Effects escapees_gone(Usec now);
    Effects spawn_failed(const std::string& why, Usec now, double jitter01);
    Effects timer_fired(Usec now);
    // MAINPID=: the instance's main process is now `pid` (verified by the shell).
    void main_pid_changed(int pid) { pid_ = pid; }
    // A reload: new restart policy, signals and timeouts, from the next event on.
    void update_settings(InstanceSettings settings) { settings_ = std::move(settings); }

    InstanceState state() const { return state_; }
    const std::string& reason() const { return reason_; }
    int pid() const { return pid_; }
    bool ready() const { return state_ == InstanceState::running; }
    // Started and waiting for its readiness (probe or notify) to report.
    bool awaiting_ready() const {
        return state_ == InstanceState::starting && pid_ > 0 && exec_ok_;
    }
    bool has_process() const { return pid_ > 0; }
    int restarts() const { return restarts_; }
    int manual_restarts() const { return manual_restarts_; }
    int consecutive_crashes() const { return consecutive_; }
    Usec started_at() const { return started_at_; }
    // When the instance last became ready (meaningful while ready()).
    Usec ready_since() const { return ready_since_; }
    // How long the last process had been ready when it exited; nullopt if it never was.
    const std::optional<Usec>& last_ready_for() const { return last_ready_for_; }
    const std::optional<ExitInfo>& last_exit() const { return last_exit_; }
    // Exited because the program forked into the background (its leftovers are stopped).
    bool forked_into_background() const {
        return state_ == InstanceState::exited && reason_ == kForkedReason;
    }
    // Stopped (or stopping) because stop() was asked for (`tend stop`, a reload, the
    // shutdown), not by a crash or a policy; cleared by start() and restart().
    bool stop_requested() const { return stop_requested_; }
    // Monotonic time the pending timer fires (backoff, cooldown, stop), if any.
    const std::optional<Usec>& timer_deadline() const { return timer_; }

  private:
    Effects crashed(Usec now, double jitter01);
    Effects clean_restart(const ExitInfo& info, Usec now, double jitter01, Effects e);
    Effects begin_spawn(Effects e);
    void clear_crash_history();
    Effects arm(Effects e, Usec at);

    InstanceSettings settings_;
    InstanceState state_ = InstanceState::stopped;
    std::string reason_ = "not started";
    int pid_ = 0;
    bool restart_pending_ = false;  // a manual restart waits for the old process to exit
    bool stop_requested_ = false;
    bool exec_ok_ = false;   // the current process exec'd (readiness may be awaited)
    std::string not_ready_;  // set while stopping an instance that missed ready_timeout
    // Stopping the processes a main process left (pid_ is 0): the state and reason to take
    // once they are gone.
    struct Draining {
        InstanceState state;
        std::string reason;
        bool killed = false;  // KILL sent: the next stop_timeout gives up waiting
    };
    std::optional<Draining> draining_;
    int restarts_ = 0;
    int manual_restarts_ = 0;
    int consecutive_ = 0;
    std::deque<Usec> crash_times_;  // within crash_window, at most crash_limit entries
    Usec started_at_{0};
    Usec ready_since_{0};
    std::optional<Usec> last_ready_for_;
    std::optional<ExitInfo> last_exit_;
    std::optional<Usec> timer_;
};

// "exited with code 3", "killed by signal SEGV", "cannot execute: ENOENT text".
std::string describe_exit(const ExitInfo& info);

}  // namespace tend

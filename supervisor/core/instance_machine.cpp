// Transitions of one instance; no clocks, processes or randomness of its own.
#include "supervisor/core/instance_machine.hpp"

#include "supervisor/config/value_parsers.hpp"
#include "supervisor/core/restart_policy.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {

const char* to_string(InstanceState s) {
    switch (s) {
        case InstanceState::stopped:
            return "stopped";
        case InstanceState::starting:
            return "starting";
        case InstanceState::running:
            return "running";
        case InstanceState::stopping:
            return "stopping";
        case InstanceState::backoff:
            return "backoff";
        case InstanceState::cooldown:
            return "cooldown";
        case InstanceState::exited:
            return "exited";
    }
    return "?";
}

std::string describe_exit(const ExitInfo& info) {
    if (!info.exec_error.empty()) return "cannot execute: " + info.exec_error;
    if (info.signaled) return "killed by signal " + signal_name(info.value);
    return "exited with code " + std::to_string(info.value);
}

Effects InstanceMachine::arm(Effects e, Usec at) {
    e.timer_at = at;
    timer_ = at;
    return e;
}

Effects InstanceMachine::begin_spawn(Effects e) {
    e.spawn = true;
    state_ = InstanceState::starting;
    return e;
}

void InstanceMachine::clear_crash_history() {
    crash_times_.clear();
    consecutive_ = 0;
}

Effects InstanceMachine::start(Usec) {
    Effects e;
    stop_requested_ = false;
    switch (state_) {
        case InstanceState::starting:
        case InstanceState::running:
            return e;
        case InstanceState::stopping:
            restart_pending_ = true;
            return e;
        case InstanceState::backoff:
        case InstanceState::cooldown:
            e.cancel_timer = true;
            timer_.reset();
            [[fallthrough]];
        case InstanceState::stopped:
        case InstanceState::exited:
            // A user asking for a start has seen the crashes: begin counting afresh.
            clear_crash_history();
            return begin_spawn(e);
    }
    return e;
}

Effects InstanceMachine::stop(Usec now) {
    Effects e;
    restart_pending_ = false;
    stop_requested_ = true;
    not_ready_.clear();  // a requested stop is not a failed start
    switch (state_) {
        case InstanceState::starting:
        case InstanceState::running:
            e.signal_main = settings_.stop_signal;
            state_ = InstanceState::stopping;
            reason_ = "stopping: sent " + signal_name(settings_.stop_signal);
            return arm(e, now + settings_.stop_timeout);
        case InstanceState::backoff:
        case InstanceState::cooldown:
            e.cancel_timer = true;
            timer_.reset();
            state_ = InstanceState::stopped;
            reason_ = "stopped by request";
            return e;
        case InstanceState::stopping:
        case InstanceState::stopped:
        case InstanceState::exited:
            return e;
    }
    return e;
}

Effects InstanceMachine::restart(Usec now) {
    ++manual_restarts_;
    stop_requested_ = false;
    clear_crash_history();
    not_ready_.clear();  // a restart asked for while a late starter stops is not a crash
    switch (state_) {
        case InstanceState::starting:
        case InstanceState::running: {
            Effects e = stop(now);
            restart_pending_ = true;
            stop_requested_ = false;  // stopping to start again
            return e;
        }
        case InstanceState::stopping:
            restart_pending_ = true;
            return {};
        default: {
            Effects e;
            if (timer_) {
                e.cancel_timer = true;
                timer_.reset();
            }
            return begin_spawn(e);
        }
    }
}

void InstanceMachine::spawned(int pid, Usec now) {
    pid_ = pid;
    started_at_ = now;
    state_ = InstanceState::starting;
    reason_ = "started";
    exec_ok_ = false;
}

Effects InstanceMachine::exec_succeeded(Usec now) {
    Effects e;
    if (state_ != InstanceState::starting) return e;
    exec_ok_ = true;
    if (settings_.ready_on_exec) {
        state_ = InstanceState::running;
        reason_ = "running";
        return e;
    }
    reason_ =
        "waiting to be ready (ready_timeout " + format_duration(settings_.ready_timeout) + ")";
    return arm(e, now + settings_.ready_timeout);
}

Effects InstanceMachine::ready_reported(Usec) {
    Effects e;
    if (!awaiting_ready()) return e;
    state_ = InstanceState::running;
    reason_ = "running (ready)";
    e.cancel_timer = true;
    timer_.reset();
    return e;
}

Effects InstanceMachine::extend_ready_timeout(Usec extra, Usec now) {
    Effects e;
    if (!awaiting_ready() || (timer_ && *timer_ >= now + extra)) return e;
    return arm(e, now + extra);
}

Effects InstanceMachine::exited(const ExitInfo& info, Usec now, double jitter01) {
    pid_ = 0;
    last_exit_ = info;
    Effects e;
    // Whatever the main process left behind in its group goes with it (KillMode=mixed).
    e.kill_group = true;
    if (state_ == InstanceState::stopping) {
        e.cancel_timer = true;
        timer_.reset();
        if (!not_ready_.empty()) {
            // Stopped because it missed ready_timeout: a failed start, for the restart policy.
            reason_ = std::exchange(not_ready_, {});
            if (settings_.restart.mode == RestartMode::never) {
                state_ = InstanceState::exited;
                return e;
            }
            Effects c = crashed(now, jitter01);
            c.kill_group = true;
            c.cancel_timer = true;
            return c;
        }
        if (restart_pending_) {
            restart_pending_ = false;
            return begin_spawn(e);
        }
        state_ = InstanceState::stopped;
        reason_ = "stopped (" + describe_exit(info) + ")";
        return e;
    }
    const RestartMode mode = settings_.restart.mode;
    if (mode == RestartMode::never || (mode == RestartMode::on_failure && !info.failure())) {
        state_ = InstanceState::exited;
        reason_ = describe_exit(info) + " (restart = " + to_string(mode) + ")";
        return e;
    }
    reason_ = describe_exit(info);
    Effects c = crashed(now, jitter01);
    c.kill_group = true;
    return c;
}

Effects InstanceMachine::spawn_failed(const std::string& why, Usec now, double jitter01) {
    ExitInfo info;
    info.value = 127;  // the status a shell gives a command it cannot run
    info.exec_error = why;
    pid_ = 0;
    started_at_ = now;  // no process ran: this failure must not look like a healthy run
    last_exit_ = info;
    reason_ = describe_exit(info);
    if (settings_.restart.mode == RestartMode::never) {
        state_ = InstanceState::exited;
        return {};
    }
    return crashed(now, jitter01);
}

Effects InstanceMachine::crashed(Usec now, double jitter01) {
    const RestartPolicy& p = settings_.restart;
    // A process that stayed up for healthy_after was healthy: its exit starts a new streak
    // and the crash count starts afresh (SPEC §3: "resets the crash count and the delay").
    if (now - started_at_ >= p.healthy_after) clear_crash_history();
    ++consecutive_;
    crash_times_.push_back(now);
    while (!crash_times_.empty() && now - crash_times_.front() >= p.crash_window)
        crash_times_.pop_front();
    Effects e;
    if (static_cast<int>(crash_times_.size()) >= p.crash_limit) {
        state_ = InstanceState::cooldown;
        reason_ += "; crash limit reached (" + std::to_string(p.crash_limit) + " within " +
                   format_duration(p.crash_window) + "), retrying in " +
                   format_duration(p.cooldown);
        clear_crash_history();
        return arm(e, now + p.cooldown);
    }
    Usec delay = restart_delay_for(consecutive_, p, jitter01);
    ++restarts_;
    if (delay.count() == 0) return begin_spawn(e);
    state_ = InstanceState::backoff;
    // Jitter makes the delay odd microseconds; milliseconds are what a reader wants.
    reason_ += "; restarting in " +
               format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(delay));
    return arm(e, now + delay);
}

Effects InstanceMachine::timer_fired(Usec now) {
    timer_.reset();
    Effects e;
    switch (state_) {
        case InstanceState::stopping:
            e.kill_group = true;
            reason_ = "stop_timeout elapsed: sent KILL to the process group";
            return e;
        case InstanceState::backoff:
            return begin_spawn(e);
        case InstanceState::cooldown:
            ++restarts_;
            return begin_spawn(e);
        case InstanceState::starting:
            if (!awaiting_ready()) return e;
            // Not ready in time: stopped like a stop request, then counted as a crash.
            not_ready_ =
                "not ready within ready_timeout (" + format_duration(settings_.ready_timeout) + ")";
            e.signal_main = settings_.stop_signal;
            state_ = InstanceState::stopping;
            reason_ = not_ready_ + ": sent " + signal_name(settings_.stop_signal);
            return arm(e, now + settings_.stop_timeout);
        default:
            return e;
    }
}

}  // namespace tend

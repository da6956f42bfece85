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
    if (settings_.ready_after) {
        // The deadline is the readiness itself: no probe, so no ready_timeout.
        reason_ =
            "waiting to be up for " + format_duration(*settings_.ready_after) + " (ready = uptime)";
        return arm(e, started_at_ + *settings_.ready_after);
    }
    if (settings_.ready_on_exec) {
        state_ = InstanceState::running;
        ready_since_ = now;
        reason_ = "running";
        return e;
    }
    reason_ =
        "waiting to be ready (ready_timeout " + format_duration(settings_.ready_timeout) + ")";
    return arm(e, now + settings_.ready_timeout);
}

Effects InstanceMachine::ready_reported(Usec now) {
    Effects e;
    if (!awaiting_ready()) return e;
    state_ = InstanceState::running;
    ready_since_ = now;
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
    if (state_ == InstanceState::running)
        last_ready_for_ = now - ready_since_;
    else
        last_ready_for_.reset();
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
    const RestartPolicy& p = settings_.restart;
    if (state_ == InstanceState::starting && exec_ok_ && settings_.ready_after) {
        // ready = uptime: any exit before the uptime is a failed start (supervisord's
        // startsecs), even with status 0 or a code in success_exit_codes.
        reason_ = describe_exit(info) + " before it was up for " +
                  format_duration(*settings_.ready_after) + " (ready = uptime)";
        if (p.mode == RestartMode::never) {
            state_ = InstanceState::exited;
            return e;
        }
        Effects c = crashed(now, jitter01);
        c.kill_group = true;
        return c;
    }
    const bool clean = is_clean_exit(info.signaled, info.value, !info.exec_error.empty(), p);
    // Exit 0 is clean by default; another listed code is named, so a reader sees why.
    const std::string listed = clean && info.value != 0 ? "in success_exit_codes; " : "";
    switch (exit_verdict(clean, p.mode)) {
        case ExitVerdict::stay_exited:
            state_ = InstanceState::exited;
            reason_ = describe_exit(info) + " (" + listed + "restart = " + to_string(p.mode) + ")";
            return e;
        case ExitVerdict::restart_clean:
            return clean_restart(info, now, jitter01, e);
        case ExitVerdict::crash:
            break;
    }
    reason_ = describe_exit(info);
    Effects c = crashed(now, jitter01);
    c.kill_group = true;
    return c;
}

Effects InstanceMachine::exited_leaving(const ExitInfo& info, int left_behind, Usec now,
                                        double jitter01) {
    if (left_behind <= 0) return exited(info, now, jitter01);
    const std::string left = std::to_string(left_behind) +
                             (left_behind == 1 ? " process it left" : " processes it left");
    if ((state_ == InstanceState::starting || state_ == InstanceState::running) &&
        !info.failure()) {
        // Forked into the background: what it left is the real service, so it is stopped as
        // an instance would be (stop_signal, then KILL), and never respawned in a loop.
        pid_ = 0;
        last_exit_ = info;
        state_ = InstanceState::stopping;
        draining_ = Draining{InstanceState::exited, kForkedReason};
        reason_ = std::string(kForkedReason) + ": stopping the " + left + " (sent " +
                  signal_name(settings_.stop_signal) + ")";
        Effects e;
        e.cancel_timer = true;
        e.signal_escapees = settings_.stop_signal;
        return arm(e, now + settings_.stop_timeout);
    }
    const bool plain_stop =
        state_ == InstanceState::stopping && !restart_pending_ && not_ready_.empty();
    Effects e = exited(info, now, jitter01);
    e.kill_escapees = true;
    if (plain_stop) {
        // A stop is complete only when nothing of the instance is left running.
        draining_ = Draining{state_, reason_, true};
        state_ = InstanceState::stopping;
        reason_ = "stopping: sent KILL to the " + left;
        return arm(e, now + settings_.stop_timeout);
    }
    return e;
}

Effects InstanceMachine::escapees_gone(Usec) {
    Effects e;
    if (!draining_ || state_ != InstanceState::stopping || pid_ > 0) return e;
    Draining d = std::move(*draining_);
    draining_.reset();
    e.cancel_timer = true;
    timer_.reset();
    if (restart_pending_) {  // started again while the leftovers were stopped
        restart_pending_ = false;
        return begin_spawn(e);
    }
    state_ = d.state;
    reason_ = std::move(d.reason);
    return e;
}

Effects InstanceMachine::spawn_failed(const std::string& why, Usec now, double jitter01) {
    ExitInfo info;
    info.value = 127;  // the status a shell gives a command it cannot run
    info.exec_error = why;
    pid_ = 0;
    last_ready_for_.reset();
    started_at_ = now;  // no process ran: this failure must not look like a healthy run
    last_exit_ = info;
    reason_ = describe_exit(info);
    if (settings_.restart.mode == RestartMode::never) {
        state_ = InstanceState::exited;
        return {};
    }
    return crashed(now, jitter01);
}

Effects InstanceMachine::clean_restart(const ExitInfo& info, Usec now, double jitter01, Effects e) {
    // Not a crash: the crash window and cooldown ignore it, and the backoff streak ends (the
    // program just showed it works), so the delay is restart_delay, never doubled.
    consecutive_ = 0;
    ++restarts_;
    reason_ = describe_exit(info) + " (a success exit code; restart = always)";
    const Usec delay = restart_delay_for(1, settings_.restart, jitter01);
    if (delay.count() == 0) return begin_spawn(e);
    state_ = InstanceState::backoff;
    reason_ += "; restarting in " +
               format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(delay));
    return arm(e, now + delay);
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
            if (draining_ && pid_ == 0) {
                if (draining_->killed) {
                    // KILLed a stop_timeout ago and still there (uninterruptible sleep): not
                    // waited for any longer, and said so.
                    Draining d = std::move(*draining_);
                    draining_.reset();
                    state_ = d.state;
                    reason_ = d.reason + " (processes it left did not end after KILL)";
                    return e;
                }
                draining_->killed = true;
                e.kill_escapees = true;
                reason_ = draining_->reason + ": stop_timeout elapsed, sent KILL to what it left";
                return arm(e, now + settings_.stop_timeout);
            }
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
            if (settings_.ready_after) {
                // ready = uptime: up long enough (a reload may have made the wait longer).
                if (now < started_at_ + *settings_.ready_after)
                    return arm(e, started_at_ + *settings_.ready_after);
                state_ = InstanceState::running;
                ready_since_ = now;  // probation (min_ready) counts from here
                reason_ = "running (ready: up for " + format_duration(*settings_.ready_after) + ")";
                return e;
            }
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

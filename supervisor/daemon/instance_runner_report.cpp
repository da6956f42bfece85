// What an instance reports: its events (one per transition, with a marker line in its own
// log), its status for `tend status`, and its log files.
#include <ctime>

#include "supervisor/core/restart_policy.hpp"
#include "supervisor/daemon/instance_runner.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace {

std::uint64_t realtime_usec() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ts.tv_nsec / 1000);
}

}  // namespace

void InstanceRunner::note_transition(bool force, const std::string& why) {
    const InstanceState state = machine_.state();
    const int pid = machine_.pid();
    if (!force && state == noted_state_ && pid == noted_pid_) return;
    auto record = [this](InstanceEvent ev) {
        if (output_) output_->marker(marker_text(ev));
        if (ctx_.on_event) ctx_.on_event(std::move(ev));
    };
    if (pending_exit_ && state == InstanceState::starting && pid > 0) {
        // An exit and the next start in one step (a restart, or restart_delay = 0): the exit
        // gets its own event, naming the process that exited, then the start.
        const bool asked = noted_state_ == InstanceState::stopping;
        record(instance_event(
            program_name(), index_, exited_pid_, program_->generation, noted_state_, state,
            describe_exit(*pending_exit_) + (asked ? "; starting again" : "; restarting at once"),
            std::exchange(pending_exit_, std::nullopt), realtime_usec()));
        noted_state_ = state;
    }
    // An exit's event names the process that exited (the machine has no process any more).
    const int shown_pid = pid > 0 ? pid : (pending_exit_ ? exited_pid_ : 0);
    InstanceEvent ev = instance_event(program_name(), index_, shown_pid, program_->generation,
                                      noted_state_, state, why.empty() ? machine_.reason() : why,
                                      std::exchange(pending_exit_, std::nullopt), realtime_usec());
    noted_state_ = state;
    noted_pid_ = pid;
    record(std::move(ev));
}

std::vector<std::string> InstanceRunner::log_files() const {
    std::vector<std::string> files;
    if (log_path_.empty()) return files;
    files.push_back(log_path_);
    for (int i = 1; i <= program_->config.log_keep; ++i)
        files.push_back(log_path_ + "." + std::to_string(i));
    return files;
}

bool InstanceRunner::exited_badly() const {
    const auto& le = machine_.last_exit();
    if (!le) return false;
    if (machine_.forked_into_background()) return true;
    return !is_clean_exit(le->signaled, le->value, !le->exec_error.empty(),
                          program_->config.restart);
}

nlohmann::json InstanceRunner::status_json(Usec now) const {
    using nlohmann::json;
    const auto& m = machine_;
    json j = {
        {"program", program_name()},
        {"instance", number()},
        {"state", to_string(m.state())},
        {"reason", m.reason()},
        {"pid", m.has_process() ? json(m.pid()) : json(nullptr)},
        {"ready", m.ready()},
        {"generation", program_->generation},
        {"restarts", m.restarts()},
        {"manual_restarts", m.manual_restarts()},
        // Counts for `tend status`'s exit status 3 (SPEC §4).
        {"down",
         instance_down(m.state(), exited_badly(), program_->config.autostart, m.stop_requested())},
        {"uptime_s", m.has_process() ? json(double((now - m.started_at()).count() / 1000) / 1000.0)
                                     : json(nullptr)}};
    if (!status_text_.empty()) j["status"] = status_text_;
    if (!ready_note_.empty() && m.awaiting_ready()) j["ready_probe"] = ready_note_;
    if (const auto& le = m.last_exit()) {
        json e =
            le->signaled ? json{{"signal", signal_name(le->value)}} : json{{"code", le->value}};
        if (!le->exec_error.empty()) e["error"] = le->exec_error;
        // A clean exit is no crash: what `tend status` and scripts judge by.
        e["clean"] = is_clean_exit(le->signaled, le->value, !le->exec_error.empty(),
                                   program_->config.restart);
        j["last_exit"] = e;
    } else {
        j["last_exit"] = nullptr;
    }
    if (const auto& t = m.timer_deadline();
        t && (m.state() == InstanceState::backoff || m.state() == InstanceState::cooldown))
        j["next_start_in_s"] = double(std::max<Usec::rep>(0, (*t - now).count()) / 1000) / 1000.0;
    return j;
}

}  // namespace tend

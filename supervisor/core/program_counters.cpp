// Counting program restarts by cause and exits by how they ended, from instance events.
#include "supervisor/core/program_counters.hpp"

namespace tend {

ExitHow exit_how(const ExitInfo& e) {
    if (!e.exec_error.empty()) return ExitHow::exec_failed;
    if (e.signaled) return ExitHow::signal;
    return e.value == 0 ? ExitHow::code_zero : ExitHow::code_nonzero;
}

void ProgramCounters::on_event(const InstanceEvent& e) {
    if (e.instance == kProgramEvent) return;  // rollout events: counted by rollout_start
    ProgramCounts& c = counts_[e.program];
    if (e.exit) ++c.exits[static_cast<std::size_t>(exit_how(*e.exit))];
    if (e.to != "starting") return;
    if (e.from == "backoff" || e.from == "cooldown" || e.from == "running" || e.from == "starting")
        ++c.restarts[static_cast<std::size_t>(RestartReason::crash)];
    else if (e.from == "stopping")
        ++c.restarts[static_cast<std::size_t>(RestartReason::manual)];
}

void ProgramCounters::rollout_start(const std::string& program, bool reload) {
    ++counts_[program].restarts[static_cast<std::size_t>(reload ? RestartReason::reload
                                                                : RestartReason::rollout)];
}

}  // namespace tend

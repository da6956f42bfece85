// Counters of what happened to programs since tendd started (tend_program_restarts_total,
// tend_program_exits_total): counted from instance events, monotonic, per program.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "supervisor/core/instance_event.hpp"

namespace tend {

enum class RestartReason { crash, manual, rollout, reload };
enum class ExitHow { code_zero, code_nonzero, signal, exec_failed };
inline constexpr const char* kRestartReasons[] = {"crash", "manual", "rollout", "reload"};
inline constexpr const char* kExitHows[] = {"code_zero", "code_nonzero", "signal", "exec_failed"};

struct ProgramCounts {
    std::array<std::uint64_t, 4> restarts{};  // by RestartReason
    std::array<std::uint64_t, 4> exits{};     // by ExitHow
};

class ProgramCounters {
  public:
    // An instance event: an exit counts by how it ended; a start that follows an exit
    // (backoff, cooldown, or at once) is a crash restart (whatever the exit: restart = always
    // restarts clean exits too), one from stopping is a manual restart (`tend restart`).
    void on_event(const InstanceEvent& e);
    // A new instance started by a rolling restart: `reload` when a reload's changed keys
    // caused it, else `rollout` (`tend restart --rolling`).
    void rollout_start(const std::string& program, bool reload);
    // Counters of removed programs are kept: a counter never goes down.
    const std::map<std::string, ProgramCounts>& counts() const { return counts_; }

  private:
    std::map<std::string, ProgramCounts> counts_;
};

ExitHow exit_how(const ExitInfo& e);

}  // namespace tend

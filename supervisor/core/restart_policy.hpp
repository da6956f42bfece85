// Restart policy arithmetic and decisions: backoff with jitter and a cap, and which exits are
// crashes (SPEC §5.3, success_exit_codes).
#pragma once

#include <algorithm>

#include "supervisor/config/config.hpp"
#include "supervisor/util/backoff.hpp"

namespace tend {

// Delay before restart number `consecutive` (1 = first crash): restart_delay doubled per
// further crash, scaled by a jitter factor in [0.8, 1.2) drawn from `jitter01` in [0, 1),
// and never above restart_delay_max.
inline Usec restart_delay_for(int consecutive, const RestartPolicy& policy, double jitter01) {
    return backoff_delay(policy.restart_delay, policy.restart_delay_max,
                         consecutive < 1 ? 1u : static_cast<std::uint32_t>(consecutive), jitter01,
                         kRestartJitter);
}

// A clean exit: the process ran and exited with one of success_exit_codes. A signal or a
// command that could not be executed is never clean, whatever the list holds.
inline bool is_clean_exit(bool signaled, int code, bool exec_failed, const RestartPolicy& policy) {
    if (signaled || exec_failed) return false;
    const auto& ok = policy.success_exit_codes;
    return std::find(ok.begin(), ok.end(), code) != ok.end();
}

// What happens after an exit nobody asked for.
enum class ExitVerdict {
    stay_exited,    // state `exited`: the policy does not restart it
    restart_clean,  // restarted after restart_delay, not counted as a crash
    crash,          // counted toward crash_limit, restarted with growing backoff
};

// restart = "always" restarts every exit, but only unclean ones are crashes (a worker that
// exits 0 after its N-th request must not reach cooldown); "on-failure" leaves clean exits
// alone; "never" restarts nothing.
inline ExitVerdict exit_verdict(bool clean, RestartMode mode) {
    switch (mode) {
        case RestartMode::never:
            return ExitVerdict::stay_exited;
        case RestartMode::on_failure:
            return clean ? ExitVerdict::stay_exited : ExitVerdict::crash;
        case RestartMode::always:
            break;
    }
    return clean ? ExitVerdict::restart_clean : ExitVerdict::crash;
}

}  // namespace tend

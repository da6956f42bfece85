// Restart delay arithmetic: exponential backoff with jitter and a cap (SPEC §5.3).
#pragma once

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

}  // namespace tend

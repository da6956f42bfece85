// Restart delay arithmetic: exponential backoff with jitter and a cap (SPEC §5.3).
#pragma once

#include "supervisor/config/config.hpp"

namespace tend {

// Delay before restart number `consecutive` (1 = first crash): restart_delay doubled per
// further crash, scaled by a jitter factor in [0.8, 1.2) drawn from `jitter01` in [0, 1),
// and never above restart_delay_max.
Usec restart_delay_for(int consecutive, const RestartPolicy& policy, double jitter01);

}  // namespace tend

// Exponential backoff with jitter: the one implementation behind restart delays (SPEC §5.3) and
// job retry delays (SPEC §6.2).
#pragma once

#include <cstdint>

#include "supervisor/util/duration.hpp"

namespace tend {

// How a caller spreads its delays. The doubled delay is scaled by low + width × random01.
struct BackoffJitter {
    double low;
    double width;
    // Cap the doubled delay before scaling (the scaled delay then stays at or below the cap and
    // spreads under it) or only after (a scaled delay above the cap becomes the cap).
    bool cap_before_jitter;
};
// Restarts: ×[0.8, 1.2], then the cap: instances that crashed together come back apart.
inline constexpr BackoffJitter kRestartJitter{0.8, 0.4, false};
// Retries: "equal jitter", [50%, 100%] of the capped delay: no retry comes at once.
inline constexpr BackoffJitter kRetryJitter{0.5, 0.5, true};

// The delay before attempt `n` + 1 after `n` failures (n 0 counts as 1): base doubled per
// further failure, doubling stopping once it reaches `cap`, scaled by `jitter` with random01
// clamped to [0, 1], and never above `cap`. Base or cap 0 give 0. Saturating: no count
// overflows.
Usec backoff_delay(Usec base, Usec cap, std::uint32_t n, double random01,
                   const BackoffJitter& jitter);

}  // namespace tend

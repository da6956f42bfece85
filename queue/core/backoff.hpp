// Retry delays: exponential backoff with equal jitter (SPEC §6.2), supervisor/util/backoff.hpp.
#pragma once

#include <cstdint>

#include "supervisor/util/backoff.hpp"

namespace tend::jobs {

// The delay before the retry that follows `failed_attempts` failures (1 for the first retry):
// base × 2^(failed_attempts−1), capped at `cap`, then scaled into [50%, 100%] of itself by
// `random01` in [0, 1) ("equal jitter": retries of many jobs spread out, none retries at once).
inline Usec retry_backoff(Usec base, Usec cap, std::uint32_t failed_attempts, double random01) {
    return backoff_delay(base, cap, failed_attempts, random01, kRetryJitter);
}

}  // namespace tend::jobs

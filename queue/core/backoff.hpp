// Retry delays: exponential backoff with jitter (SPEC §6.2), a pure function of its inputs.
#pragma once

#include <cstdint>

#include "supervisor/util/duration.hpp"

namespace tend::jobs {

// The delay before the retry that follows `failed_attempts` failures (1 for the first retry):
// base × 2^(failed_attempts−1), capped at `cap`, then scaled into [50%, 100%] of itself by
// `random01` in [0, 1) ("equal jitter": retries of many jobs spread out, none retries at once).
// Never overflows, whatever the attempt count; base 0 gives 0.
Usec retry_backoff(Usec base, Usec cap, std::uint32_t failed_attempts, double random01);

}  // namespace tend::jobs

// Retry delays: base doubled per failed attempt, capped, then equal jitter; saturating.
#include "queue/core/backoff.hpp"

#include <algorithm>

namespace tend::jobs {

namespace {

// base × 2^(n−1), capped; compared before shifting so that no step can overflow.
std::int64_t capped_doubling(std::int64_t base, std::int64_t cap, std::uint32_t n) {
    const std::uint32_t shift = n == 0 ? 0 : n - 1;
    if (base >= cap) return cap;
    if (shift >= 63 || base > (cap >> shift)) return cap;
    return std::min(base << shift, cap);
}

}  // namespace

Usec retry_backoff(Usec base, Usec cap, std::uint32_t failed_attempts, double random01) {
    if (base.count() <= 0 || cap.count() <= 0) return Usec(0);
    const std::int64_t d = capped_doubling(base.count(), cap.count(), failed_attempts);
    const std::int64_t half = d / 2;
    const std::int64_t upper = d - half;  // d odd: [d/2, d] still reaches d
    const double r = std::clamp(random01, 0.0, 1.0);
    // Rounding in double may land a hair above `upper` near the int64 limit: clamp back.
    const auto extra = static_cast<std::int64_t>(static_cast<double>(upper) * r);
    return Usec(half + std::clamp<std::int64_t>(extra, 0, upper));
}

}  // namespace tend::jobs

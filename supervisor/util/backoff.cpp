// Backoff arithmetic (backoff.hpp): integer doubling that saturates, jitter in double.
#include "supervisor/util/backoff.hpp"

#include <algorithm>
#include <limits>

namespace tend {

Usec backoff_delay(Usec base, Usec cap, std::uint32_t n, double random01,
                   const BackoffJitter& jitter) {
    if (base.count() <= 0 || cap.count() <= 0) return Usec(0);
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t d = base.count();
    for (std::uint32_t i = 1; i < n && d < cap.count(); ++i) d = d > kMax / 2 ? kMax : d * 2;
    if (jitter.cap_before_jitter) d = std::min(d, cap.count());
    const double scaled =
        static_cast<double>(d) * (jitter.low + jitter.width * std::clamp(random01, 0.0, 1.0));
    // Compared in double but returned from the integer cap, which double cannot represent
    // exactly near Usec::max() (the conversion back would overflow).
    if (scaled >= static_cast<double>(cap.count())) return cap;
    return Usec(static_cast<Usec::rep>(scaled));
}

}  // namespace tend

// Backoff arithmetic; saturating so that a long crash streak cannot overflow.
#include "supervisor/core/restart_policy.hpp"

#include <algorithm>

namespace tend {

Usec restart_delay_for(int consecutive, const RestartPolicy& policy, double jitter01) {
    const double base = static_cast<double>(policy.restart_delay.count());
    const double cap = static_cast<double>(policy.restart_delay_max.count());
    if (base <= 0) return Usec(0);
    double d = base;
    for (int i = 1; i < consecutive && d < cap; ++i) d *= 2;
    // Jitter spreads restarts of many instances that crashed together (thundering herd).
    d *= 0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0);
    // Compared in double but returned from the integer cap, which double cannot represent
    // exactly near Usec::max() (the conversion back would overflow).
    if (d >= cap) return policy.restart_delay_max;
    return Usec(static_cast<Usec::rep>(d));
}

}  // namespace tend

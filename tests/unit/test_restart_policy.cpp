// restart_delay_for: exponential backoff, jitter in [0.8, 1.2], cap, no overflow (SPEC §5.3).
#include <catch2/catch.hpp>

#include <limits>

#include "supervisor/core/restart_policy.hpp"

using namespace tend;
using namespace std::chrono_literals;

namespace {

RestartPolicy policy(Usec base, Usec cap) {
    RestartPolicy p;
    p.restart_delay = base;
    p.restart_delay_max = cap;
    return p;
}

}  // namespace

TEST_CASE("the delay doubles per consecutive crash") {
    RestartPolicy p = policy(100ms, 30s);
    CHECK(restart_delay_for(1, p, 0.5) == 100ms);
    CHECK(restart_delay_for(2, p, 0.5) == 200ms);
    CHECK(restart_delay_for(3, p, 0.5) == 400ms);
    CHECK(restart_delay_for(4, p, 0.5) == 800ms);
    CHECK(restart_delay_for(9, p, 0.5) == 25600ms);
}

TEST_CASE("the delay is capped at restart_delay_max") {
    RestartPolicy p = policy(100ms, 30s);
    CHECK(restart_delay_for(10, p, 0.5) == 30s);
    CHECK(restart_delay_for(11, p, 0.5) == 30s);
    CHECK(restart_delay_for(50, p, 0.5) == 30s);
    // Even the largest jitter stays within the cap.
    CHECK(restart_delay_for(10, p, 0.999) == 30s);
    CHECK(restart_delay_for(9, p, 0.999) == 30s);  // 25.6s * ~1.2 > 30s
}

TEST_CASE("the first delay is the base, also for a streak count of 0") {
    RestartPolicy p = policy(250ms, 1min);
    CHECK(restart_delay_for(1, p, 0.5) == 250ms);
    CHECK(restart_delay_for(0, p, 0.5) == 250ms);
}

TEST_CASE("jitter scales by a factor in [0.8, 1.2]") {
    RestartPolicy p = policy(1s, 1h);
    CHECK(restart_delay_for(1, p, 0.0) == 800ms);
    CHECK(restart_delay_for(1, p, 0.25) == 900ms);
    CHECK(restart_delay_for(1, p, 0.75) == 1100ms);
    CHECK(restart_delay_for(3, p, 0.0) == 3200ms);
    for (int i = 0; i < 100; ++i) {
        double j = i / 100.0;
        Usec d = restart_delay_for(2, p, j);
        INFO("jitter " << j);
        CHECK(d >= 1600ms);
        CHECK(d < 2400ms);
    }
    // Values outside [0, 1) are clamped, never outside the band.
    CHECK(restart_delay_for(1, p, -5.0) == 800ms);
    CHECK(restart_delay_for(1, p, 1.0) == 1200ms);
    CHECK(restart_delay_for(1, p, 7.0) == 1200ms);
}

TEST_CASE("jitter at the cap spreads below the cap") {
    // 100ms doubled reaches exactly 25.6s; the cap is 25.6s, jitter 0 gives 0.8 of it.
    RestartPolicy p = policy(100ms, 25600ms);
    CHECK(restart_delay_for(20, p, 0.0) == 20480ms);
    CHECK(restart_delay_for(20, p, 0.5) == 25600ms);
}

TEST_CASE("a zero restart_delay means no delay at all") {
    RestartPolicy p = policy(0us, 30s);
    CHECK(restart_delay_for(1, p, 0.5) == 0us);
    CHECK(restart_delay_for(100, p, 1.0) == 0us);
}

TEST_CASE("huge streaks do not overflow") {
    RestartPolicy p = policy(100ms, 30s);
    CHECK(restart_delay_for(10000, p, 0.5) == 30s);
    CHECK(restart_delay_for(10000, p, 0.0) == 30s);
    CHECK(restart_delay_for(std::numeric_limits<int>::max(), p, 1.0) == 30s);

    RestartPolicy big = policy(1s, 24h * 365);
    CHECK(restart_delay_for(10000, big, 0.5) == 24h * 365);
}

TEST_CASE("the largest representable cap saturates instead of wrapping") {
    RestartPolicy p = policy(1s, Usec::max());
    Usec d = restart_delay_for(10000, p, 0.5);
    CHECK(d > 0us);
    CHECK(d <= Usec::max());
    CHECK(d >= Usec(Usec::max().count() / 2));
}

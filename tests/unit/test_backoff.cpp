// retry_backoff: doubling per failed attempt, cap, equal jitter in [50%, 100%], no overflow.
#include <catch2/catch.hpp>

#include "queue/core/backoff.hpp"

using namespace tend;
using namespace tend::jobs;
using namespace std::chrono_literals;

TEST_CASE("the retry delay doubles per failed attempt", "[backoff]") {
    CHECK(retry_backoff(1s, 1h, 1, 0.0) == 500ms);
    CHECK(retry_backoff(1s, 1h, 2, 0.0) == 1s);
    CHECK(retry_backoff(1s, 1h, 3, 0.0) == 2s);
    CHECK(retry_backoff(1s, 1h, 4, 0.5) == 6s);
    CHECK(retry_backoff(1s, 1h, 0, 0.0) == retry_backoff(1s, 1h, 1, 0.0));
}

TEST_CASE("the retry delay is capped", "[backoff]") {
    CHECK(retry_backoff(1s, 1min, 7, 0.0) == 30s);  // 64s capped to 60s, then halved
    CHECK(retry_backoff(1s, 1min, 30, 0.0) == 30s);
    CHECK(retry_backoff(1s, 1min, 30, 0.999999) <= 1min);
    CHECK(retry_backoff(2min, 1min, 1, 0.0) == 30s);  // a base above the cap
}

TEST_CASE("jitter keeps the delay within [50%, 100%]", "[backoff]") {
    for (int i = 0; i < 100; ++i) {
        const double r = i / 100.0;
        INFO("r " << r);
        const Usec d = retry_backoff(10s, 1h, 3, r);
        CHECK(d >= 20s);
        CHECK(d < 40s);
    }
    CHECK(retry_backoff(10s, 1h, 1, 0.5) == 7500ms);
    // Out-of-range randoms are clamped, never outside the band.
    CHECK(retry_backoff(10s, 1h, 1, -3.0) == 5s);
    CHECK(retry_backoff(10s, 1h, 1, 7.0) == 10s);
}

TEST_CASE("the retry delay never overflows", "[backoff]") {
    const Usec max = Usec::max();
    CHECK(retry_backoff(1s, 1h, 1000, 0.0) == 30min);
    CHECK(retry_backoff(1s, 1h, UINT32_MAX, 0.999) <= 1h);
    const Usec huge = retry_backoff(1s, max, 1000, 0.999999);
    CHECK(huge >= max / 2);
    CHECK(huge <= max);
    CHECK(retry_backoff(max, max, 1000, 1.0) == max);
    CHECK(retry_backoff(0s, 1h, 5, 0.5) == 0s);
}

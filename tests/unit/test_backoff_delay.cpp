// backoff_delay: the one backoff, in its two shapes (restarts and retries) and where they differ.
#include <catch2/catch.hpp>

#include "supervisor/util/backoff.hpp"

using namespace tend;
using namespace std::chrono_literals;

TEST_CASE("backoff: doubling per failure, both shapes", "[backoff]") {
    CHECK(backoff_delay(1s, 1h, 1, 1.0, kRetryJitter) == 1s);
    CHECK(backoff_delay(1s, 1h, 3, 1.0, kRetryJitter) == 4s);
    CHECK(backoff_delay(1s, 1h, 3, 0.5, kRestartJitter) == 4s);
    CHECK(backoff_delay(1s, 1h, 0, 0.5, kRestartJitter) == 1s);
}

TEST_CASE("backoff: the shapes differ in band and in when the cap applies", "[backoff]") {
    // 100ms doubled stops at 200ms, above the 150ms cap. Retries cap first, then spread under
    // the cap; restarts spread the doubled value and cap the result.
    CHECK(backoff_delay(100ms, 150ms, 2, 0.0, kRetryJitter) == 75ms);
    CHECK(backoff_delay(100ms, 190ms, 3, 0.0, kRestartJitter) == 160ms);
    CHECK(backoff_delay(100ms, 150ms, 2, 0.0, kRestartJitter) == 150ms);
    CHECK(backoff_delay(1s, 1h, 1, 0.0, kRestartJitter) == 800ms);
    CHECK(backoff_delay(1s, 1h, 1, 1.0, kRestartJitter) == 1200ms);
}

TEST_CASE("backoff: zero and saturation", "[backoff]") {
    CHECK(backoff_delay(0s, 1h, 5, 0.5, kRestartJitter) == 0s);
    CHECK(backoff_delay(1s, 0s, 5, 0.5, kRetryJitter) == 0s);
    const Usec max = Usec::max();
    CHECK(backoff_delay(1s, max, UINT32_MAX, 1.0, kRestartJitter) == max);
    CHECK(backoff_delay(max, max, UINT32_MAX, 1.0, kRetryJitter) == max);
    CHECK(backoff_delay(1s, max, 1000, 0.0, kRetryJitter) >= max / 2 - 1s);
}

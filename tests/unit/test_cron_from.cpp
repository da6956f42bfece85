// `tend cron next --from`: every accepted form of the start time, fractions of a second included.
#include <catch2/catch.hpp>

#include "cmd/cron_next.hpp"
#include "queue/cron/cron_schedule.hpp"

using tend::cli::parse_cron_from;

namespace {

// Seconds since the epoch of a --from text, in zone `tz`.
long long from(const std::string& text, const char* tz = "UTC") {
    auto zone = tend::cron::find_zone(tz);
    REQUIRE(zone.ok());
    auto r = parse_cron_from(text, *zone);
    INFO(text);
    if (!r) FAIL(r.error());
    return r->time_since_epoch().count();
}

bool refused(const std::string& text) {
    auto zone = tend::cron::find_zone("UTC");
    REQUIRE(zone.ok());
    return !parse_cron_from(text, *zone).ok();
}

constexpr long long k0552 = 1777355520;  // 2026-04-28T05:52:00Z

}  // namespace

TEST_CASE("cron next --from takes ISO 8601 with or without seconds and offset", "[cli][cron]") {
    CHECK(from("2026-04-28T05:52:00Z") == k0552);
    CHECK(from("2026-04-28T05:52Z") == k0552);
    CHECK(from("2026-04-28 07:52:00+02:00") == k0552);
    CHECK(from("2026-04-28T07:52+0200") == k0552);
    CHECK(from("2026-04-28T01:52:00", "America/New_York") == k0552);
    CHECK(from("@1777355520") == k0552);
}

TEST_CASE("cron next --from takes fractions of a second, truncated", "[cli][cron]") {
    // What JavaScript's toISOString prints.
    CHECK(from("2026-04-28T05:52:00.000Z") == k0552);
    CHECK(from("2026-04-28T05:52:00.5Z") == k0552);
    CHECK(from("2026-04-28T05:52:00.999999999999Z") == k0552);
    CHECK(from("2026-04-28T07:52:00.123+02:00") == k0552);
    CHECK(from("2026-04-28T01:52:00.75", "America/New_York") == k0552);
    CHECK(refused("2026-04-28T05:52:00.Z"));
    CHECK(refused("2026-04-28T05:52.5Z"));
    CHECK(refused("2026-04-28T05:52:00.5.5Z"));
    CHECK(refused("2026-04-28T05:52:00,5Z"));
}

TEST_CASE("the first fire after a fractional --from is the next whole second's", "[cli][cron]") {
    auto e = tend::cron::parse_cron("* * * * * *");
    REQUIRE(e.ok());
    auto zone = tend::cron::find_zone("UTC");
    REQUIRE(zone.ok());
    auto start = parse_cron_from("2026-04-28T05:52:00.400Z", *zone);
    REQUIRE(start.ok());
    auto t = tend::cron::next_fires(*e, *zone, *start, 1);
    REQUIRE(t.size() == 1);
    CHECK(t[0].time_since_epoch().count() == k0552 + 1);
}

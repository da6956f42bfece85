// Cron calendar golden tables (SPEC §7): L, W, #, the Vixie rule, @every, ISO formatting.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "queue/cron/cron_schedule.hpp"
#include "tests/unit/cron_fixtures.hpp"

// Expected dates were produced by an independent brute-force Python reference (calendar and
// zoneinfo), not written from memory.

using namespace tend::cron;
using namespace std::chrono_literals;
using namespace tend::test;

namespace {

S utc(const char* text, const char* after_utc, size_t n) {
    return fires("Etc/UTC", text, (std::string(after_utc) + "T00:00:00+00:00").c_str(), n);
}

date::local_seconds local(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    return date::local_days{date::year{y} / date::month{mo} / date::day{d}} +
           std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
}

}  // namespace

TEST_CASE("February 29th: 2000 and 2028 are leap years, 2100 is not", "[cron]") {
    CHECK(utc("0 0 29 2 *", "2099-01-01", 2) ==
          S{"2104-02-29T00:00:00+00:00", "2108-02-29T00:00:00+00:00"});
    CHECK(utc("0 0 29 2 *", "2027-03-01", 1) == S{"2028-02-29T00:00:00+00:00"});
    CHECK(utc("0 0 29 2 *", "1999-03-01", 2) ==
          S{"2000-02-29T00:00:00+00:00", "2004-02-29T00:00:00+00:00"});
    CHECK(utc("0 0 29 2 *", "2028-02-29", 1) == S{"2032-02-29T00:00:00+00:00"});  // strictly after
}

TEST_CASE("L is the last day of each month", "[cron]") {
    CHECK(utc("0 0 L * *", "2026-01-01", 4) ==
          S{"2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00",
            "2026-04-30T00:00:00+00:00"});
    CHECK(utc("0 0 L 2 *", "2027-06-01", 1) == S{"2028-02-29T00:00:00+00:00"});
    CHECK(utc("0 0 L 2 *", "2100-01-01", 2) ==
          S{"2100-02-28T00:00:00+00:00", "2101-02-28T00:00:00+00:00"});
    CHECK(utc("0 0 L 4,12 *", "2026-01-01", 2) ==
          S{"2026-04-30T00:00:00+00:00", "2026-12-31T00:00:00+00:00"});
}

TEST_CASE("LW is the last Monday-Friday of the month", "[cron]") {
    // Dec 31 2025 Wed; Jan 31 2026 Sat -> 30; Feb 28 Sat -> 27; May 31 Sun -> 29.
    CHECK(utc("0 0 LW * *", "2025-12-01", 6) ==
          S{"2025-12-31T00:00:00+00:00", "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00",
            "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00", "2026-05-29T00:00:00+00:00"});
}

TEST_CASE("nW is the Monday-Friday nearest day n, without leaving the month", "[cron]") {
    // Aug 1 2026 is a Saturday: Monday the 3rd, not Friday July 31st.
    CHECK(utc("0 0 1W * *", "2026-07-01", 3) ==
          S{"2026-08-03T00:00:00+00:00", "2026-09-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00"});
    // Feb 1 and Mar 1 2026 are Sundays: Monday the 2nd.
    CHECK(utc("0 0 1W * *", "2026-01-15", 3) ==
          S{"2026-02-02T00:00:00+00:00", "2026-03-02T00:00:00+00:00", "2026-04-01T00:00:00+00:00"});
    // May 31 2026 is a Sunday: Friday the 29th. Months without a 31st never match.
    CHECK(utc("0 0 31W * *", "2026-04-01", 3) ==
          S{"2026-05-29T00:00:00+00:00", "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00"});
    // The 15th: Sun Feb -> Mon 16th, Sun Mar -> 16th, midweek as is, Sat Aug -> Fri 14th.
    CHECK(utc("0 0 15W * *", "2026-01-20", 8) ==
          S{"2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00", "2026-04-15T00:00:00+00:00",
            "2026-05-15T00:00:00+00:00", "2026-06-15T00:00:00+00:00", "2026-07-15T00:00:00+00:00",
            "2026-08-14T00:00:00+00:00", "2026-09-15T00:00:00+00:00"});
}

TEST_CASE("n#k is the k-th such weekday; #5 skips months with four", "[cron]") {
    // 2026 months with five Fridays after January: May, July, October.
    CHECK(utc("0 0 * * FRI#5", "2026-02-01", 4) ==
          S{"2026-05-29T00:00:00+00:00", "2026-07-31T00:00:00+00:00", "2026-10-30T00:00:00+00:00",
            "2027-01-29T00:00:00+00:00"});
    CHECK(utc("0 0 * * 5#1,5#3", "2026-02-01", 4) ==
          S{"2026-02-06T00:00:00+00:00", "2026-02-20T00:00:00+00:00", "2026-03-06T00:00:00+00:00",
            "2026-03-20T00:00:00+00:00"});
    // A fifth Monday in February needs a leap year starting on a Monday.
    CHECK(utc("0 0 * 2 MON#5", "2026-01-01", 2) ==
          S{"2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00"});
}

TEST_CASE("nL is the last such weekday of the month", "[cron]") {
    S last_fridays{"2026-02-27T00:00:00+00:00", "2026-03-27T00:00:00+00:00",
                   "2026-04-24T00:00:00+00:00"};
    CHECK(utc("0 0 * * 5L", "2026-02-01", 3) == last_fridays);
    CHECK(utc("0 0 * * FRIL", "2026-02-01", 3) == last_fridays);
}

TEST_CASE("Vixie rule: two restricted day fields are alternatives", "[cron]") {
    // Every Friday, and the 13th (a Tuesday in January 2026).
    CHECK(utc("0 0 13 * 5", "2026-01-01", 6) ==
          S{"2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00", "2026-01-13T00:00:00+00:00",
            "2026-01-16T00:00:00+00:00", "2026-01-23T00:00:00+00:00", "2026-01-30T00:00:00+00:00"});
    // The classic surprise: "the first Monday" written as 1-7 + MON is any of the 1st-7th or
    // Monday.
    CHECK(fires("Etc/UTC", "30 9 1-7 * MON", "2026-01-01T00:00:00+00:00", 4) ==
          S{"2026-01-01T09:30:00+00:00", "2026-01-02T09:30:00+00:00", "2026-01-03T09:30:00+00:00",
            "2026-01-04T09:30:00+00:00"});
    // Specials take part in the OR too: the last day, or the first Monday.
    CHECK(utc("0 0 L * MON#1", "2026-01-01", 4) ==
          S{"2026-01-05T00:00:00+00:00", "2026-01-31T00:00:00+00:00", "2026-02-02T00:00:00+00:00",
            "2026-02-28T00:00:00+00:00"});
}

TEST_CASE("Vixie rule: a star day field (also */2) makes both required", "[cron]") {
    // Odd days that are Fridays.
    CHECK(utc("0 0 */2 * 5", "2026-01-01", 4) ==
          S{"2026-01-09T00:00:00+00:00", "2026-01-23T00:00:00+00:00", "2026-02-13T00:00:00+00:00",
            "2026-02-27T00:00:00+00:00"});
    CHECK(utc("0 0 13 * */1", "2026-01-01", 2) ==
          S{"2026-01-13T00:00:00+00:00", "2026-02-13T00:00:00+00:00"});
}

TEST_CASE("day_matches applies the month and day fields to one date", "[cron]") {
    using namespace date::literals;
    CronExpr e = expr("0 0 13 * FRI");
    CHECK(day_matches(e, 2026_y / 1 / 13));  // the 13th, a Tuesday
    CHECK(day_matches(e, 2026_y / 1 / 16));  // a Friday
    CHECK_FALSE(day_matches(e, 2026_y / 1 / 14));
    CHECK_FALSE(day_matches(expr("0 0 * 3 *"), 2026_y / 1 / 14));
    CHECK_FALSE(day_matches(expr("@every 1h"), 2026_y / 1 / 14));
}

TEST_CASE("next_local_match: from is inclusive, seconds count, days and months roll over",
          "[cron]") {
    CronExpr e = expr("*/20 58-59 23 L * *");
    CHECK(next_local_match(e, local(2026, 2, 28, 23, 58, 20)) == local(2026, 2, 28, 23, 58, 20));
    CHECK(next_local_match(e, local(2026, 2, 28, 23, 58, 21)) == local(2026, 2, 28, 23, 58, 40));
    CHECK(next_local_match(e, local(2026, 2, 28, 23, 59, 41)) == local(2026, 3, 31, 23, 58, 0));
    CHECK(next_local_match(expr("0 0 1 1 *"), local(2026, 1, 1, 0, 0, 1)) ==
          local(2027, 1, 1, 0, 0, 0));
    CHECK(next_local_match(expr("@every 5m"), local(2026, 1, 1, 0, 0, 0)) == std::nullopt);
}

TEST_CASE("@every D ticks at multiples of D since the epoch, strictly after", "[cron]") {
    CronExpr e = expr("@every 90s");
    const date::time_zone* ny = zone("America/New_York");  // the zone plays no part
    // 1772953200 = 90 * 19699480 = 2026-03-08T07:00:00Z.
    CHECK(next_fire(e, ny, at("2026-03-08T06:59:59+00:00")) == at("2026-03-08T07:00:00+00:00"));
    CHECK(next_fire(e, ny, at("2026-03-08T07:00:00+00:00")) == at("2026-03-08T07:01:30+00:00"));
    auto ticks = next_fires(e, ny, at("2026-05-17T13:14:15+00:00"), 5);
    REQUIRE(ticks.size() == 5);
    CHECK(ticks[0] > at("2026-05-17T13:14:15+00:00"));
    CHECK(ticks[0] - at("2026-05-17T13:14:15+00:00") <= 90s);
    for (size_t i = 0; i < ticks.size(); ++i) {
        CHECK(ticks[i].time_since_epoch().count() % 90 == 0);
        if (i > 0) CHECK(ticks[i] - ticks[i - 1] == 90s);
    }
    // Before the epoch too: the next multiple of 90 after -100 is -90.
    CHECK(next_fire(e, ny, date::sys_seconds{-100s}) == date::sys_seconds{-90s});
    CHECK(next_fire(expr("@every 1d"), ny, at("2026-03-08T12:00:00+00:00")) ==
          at("2026-03-09T00:00:00+00:00"));
}

TEST_CASE("format_iso prints the zone's offset at that instant", "[cron]") {
    CHECK(format_iso(at("2026-06-01T00:00:00+00:00"), zone("Australia/Lord_Howe")) ==
          "2026-06-01T10:30:00+10:30");
    CHECK(format_iso(at("2026-01-15T12:00:00+00:00"), zone("America/Santiago")) ==
          "2026-01-15T09:00:00-03:00");
    CHECK(format_iso(at("2026-03-08T07:00:00+00:00"), zone("Etc/UTC")) ==
          "2026-03-08T07:00:00+00:00");
    CHECK(format_iso(at("2026-01-01T00:00:00+00:00"), zone("America/St_Johns")) ==
          "2025-12-31T20:30:00-03:30");
    CHECK(format_iso(at("2026-01-01T00:00:00+00:00"), zone("Asia/Kathmandu")) ==
          "2026-01-01T05:45:00+05:45");
    // Local mean time before 1883 is not whole minutes; Python prints it the same way.
    CHECK(format_iso(at("1850-01-01T12:00:00+00:00"), zone("America/New_York")) ==
          "1850-01-01T07:03:58-04:56:02");
}

TEST_CASE("zones by IANA name", "[cron]") {
    auto berlin = find_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    CHECK(zone_name(berlin.value()) == "Europe/Berlin");
    auto mars = find_zone("Mars/Olympus");
    REQUIRE_FALSE(mars.ok());
    CHECK(mars.error() == "unknown time zone \"Mars/Olympus\"");
    CHECK_FALSE(find_zone("../../etc/passwd").ok());
    CHECK(find_zone("").ok());  // the local zone
}

TEST_CASE("the local zone follows TZ when it names a zone, else /etc/localtime", "[cron]") {
    const char* old = std::getenv("TZ");
    std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    auto local_with = [](const char* tz) {
        setenv("TZ", tz, 1);
        auto z = find_zone("");
        return z.ok() ? zone_name(z.value()) : z.error();
    };
    std::string tokyo = local_with("Asia/Tokyo");
    std::string dublin = local_with(":Europe/Dublin");
    std::string santiago = local_with("/usr/share/zoneinfo/America/Santiago");
    std::string posix = local_with("XYZ-5");
    unsetenv("TZ");
    auto system = find_zone("");
    if (saved) setenv("TZ", saved->c_str(), 1);
    CHECK(tokyo == "Asia/Tokyo");
    CHECK(dublin == "Europe/Dublin");
    CHECK(santiago == "America/Santiago");
    REQUIRE(system.ok());
    CHECK(posix == zone_name(system.value()));
}

TEST_CASE("nothing fires after the year 9999", "[cron]") {
    const date::time_zone* z = zone("Etc/UTC");
    auto leap_days = next_fires(expr("0 0 29 2 *"), z, at("9990-01-01T00:00:00+00:00"), 5);
    CHECK(leap_days.size() == 2);  // 9992 and 9996
    CHECK(next_fire(expr("@every 1s"), z, at("9999-12-31T00:00:00+00:00")) == std::nullopt);
    CHECK(next_fire(expr("@daily"), z, date::sys_seconds::max()) == std::nullopt);
    CHECK(next_fire(expr("@daily"), z, date::sys_seconds::min()) == std::nullopt);
}

// `tend submit --at/--in` parsing: every accepted form, the today/tomorrow rule, zones, errors.
#include <catch2/catch.hpp>

#include "cmd/submit_time.hpp"

using namespace tend::cli;

namespace {

constexpr std::int64_t kS = 1000000;
// 2026-11-22T10:00:00Z
constexpr std::int64_t kTimeNow = 1795341600LL * kS;

std::int64_t at(const char* text, std::int64_t now = kTimeNow, long offset = 0) {
    auto r = parse_at(text, now, offset);
    INFO(text);
    if (!r) FAIL(r.error());
    return *r;
}

std::string error_of(const char* text, long offset = 0) {
    auto r = parse_at(text, kTimeNow, offset);
    INFO(text);
    REQUIRE_FALSE(r.ok());
    return r.error();
}

}  // namespace

TEST_CASE("the reference instant is what the tests assume", "[cli]") {
    CHECK(parse_iso8601("2026-11-22T10:00:00Z").value() == kTimeNow);
    CHECK(parse_iso8601("1970-01-01T00:00:00Z").value() == 0);
    CHECK(parse_iso8601("2000-02-29T00:00:00Z").value() == 951782400LL * kS);
}

TEST_CASE("ISO 8601 times with a zone are absolute", "[cli]") {
    CHECK(at("2026-11-22T12:30:00Z") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22T12:30Z") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22t12:30:00z") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22 12:30:00Z") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22T13:30:00+01:00") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22T13:30:00+0100") == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22T05:00:00-05:30") == kTimeNow + 1800 * kS);
    CHECK(at("2026-11-22T10:00:00.123Z") == kTimeNow + 123000);
    CHECK(at("2026-11-22T10:00:00.5Z") == kTimeNow + 500000);
    CHECK(at("2026-11-22T10:00:00.123456789Z") == kTimeNow + 123456);
    // What JavaScript's toISOString prints, and longer fractions: truncated to microseconds.
    CHECK(at("2026-11-22T10:00:00.000Z") == kTimeNow);
    CHECK(at("2026-11-22T10:00:00.1234567890123Z") == kTimeNow + 123456);
    CHECK(at("2026-11-22T11:00:00.999999999+01:00") == kTimeNow + 999999);
    CHECK(at("2026-11-22 10:00:00.250") == kTimeNow + 250000);  // local time, offset 0
    CHECK(tend::cli::parse_iso8601("2026-11-22T10:00:00.000Z").value() == kTimeNow);
    // The local offset does not matter when the text names its zone.
    CHECK(at("2026-11-22T12:30:00Z", kTimeNow, 7200) == kTimeNow + 9000 * kS);
    // A time in the past is accepted: the job runs at once.
    CHECK(at("2020-01-01T00:00:00Z") == 1577836800LL * kS);
}

TEST_CASE("a date and time without a zone is local time", "[cli]") {
    CHECK(at("2026-11-22 12:30", kTimeNow, 0) == kTimeNow + 9000 * kS);
    CHECK(at("2026-11-22 12:30:15", kTimeNow, 3600) == kTimeNow + (9015 - 3600) * kS);
    CHECK(at("2026-11-22T12:30:15", kTimeNow, -3600) == kTimeNow + (9015 + 3600) * kS);
    CHECK(at("2026-11-23 00:00", kTimeNow, 0) == kTimeNow + 14 * 3600 * kS);
}

TEST_CASE("HH:MM means today, or tomorrow once that time has passed", "[cli]") {
    // Now is 10:00 UTC.
    CHECK(at("12:00") == kTimeNow + 2 * 3600 * kS);
    CHECK(at("12:00:30") == kTimeNow + (7200 + 30) * kS);
    CHECK(at("10:00") == kTimeNow);  // now has not passed
    CHECK(at("09:59:59") == kTimeNow + (86400 - 1) * kS);
    CHECK(at("00:00") == kTimeNow + 14 * 3600 * kS);
    CHECK(at("23:59") == kTimeNow + (13 * 3600 + 59 * 60) * kS);
    // At UTC+3 it is 13:00 local: 12:00 has passed, 14:00 has not.
    CHECK(at("12:00", kTimeNow, 3 * 3600) == kTimeNow + 23 * 3600 * kS);
    CHECK(at("14:00", kTimeNow, 3 * 3600) == kTimeNow + 3600 * kS);
    // At UTC-11 it is 23:00 on the previous day: 23:30 is still today there.
    CHECK(at("23:30", kTimeNow, -11 * 3600) == kTimeNow + 1800 * kS);
    CHECK(at("00:30", kTimeNow, -11 * 3600) == kTimeNow + 5400 * kS);
    // The rollover crosses a month end and a year end.
    const std::int64_t nye = parse_iso8601("2026-12-31T23:00:00Z").value();
    CHECK(at("22:00", nye) == parse_iso8601("2027-01-01T22:00:00Z").value());
}

TEST_CASE("a local time takes the offset in force at that time", "[cli]") {
    // A zone at UTC+1 that moves to UTC+2 at 2026-03-29T01:00:00Z (as Central Europe does).
    const std::int64_t change = parse_iso8601("2026-03-29T01:00:00Z").value() / kS;
    UtcOffsetAt cet = [change](std::int64_t utc_s) { return utc_s < change ? 3600L : 7200L; };
    const std::int64_t before = parse_iso8601("2026-03-28T12:00:00Z").value();
    // Tomorrow 12:00 local is in summer time, 10:00 UTC.
    CHECK(parse_at("12:00", before, cet).value() == parse_iso8601("2026-03-29T10:00:00Z").value());
    CHECK(parse_at("2026-03-28 12:00", before, cet).value() == before - 3600 * kS);
    CHECK(parse_at("2026-03-29 12:00", before, cet).value() ==
          parse_iso8601("2026-03-29T10:00:00Z").value());
    // 02:30 does not exist that night; it moves forward by the gap.
    CHECK(parse_at("2026-03-29 02:30", before, cet).value() ==
          parse_iso8601("2026-03-29T01:30:00Z").value());
}

TEST_CASE("--in adds a duration to now", "[cli]") {
    CHECK(parse_in("90s", kTimeNow).value() == kTimeNow + 90 * kS);
    CHECK(parse_in("1h30m", kTimeNow).value() == kTimeNow + 5400 * kS);
    CHECK(parse_in("0", kTimeNow).value() == kTimeNow);
    auto bad = parse_in("soon", kTimeNow);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("invalid duration") != std::string::npos);
}

TEST_CASE("--in past the end of time is an error, not an overflow", "[cli]") {
    // Found by tests/fuzz: now + 106751991d overflowed int64 (undefined behaviour).
    auto far = parse_in("106751991d", kTimeNow);
    REQUIRE_FALSE(far.ok());
    CHECK(far.error() == "invalid duration \"106751991d\": too far in the future");
    CHECK(parse_in("106751991d", 0).ok());  // exactly representable from the epoch
}

TEST_CASE("malformed --at times name the accepted forms", "[cli]") {
    for (const char* bad : {"",
                            "tomorrow",
                            "10",
                            "10:0",
                            "1:00",
                            "10:00:0",
                            "10:00 ",
                            " 10:00",
                            "10h",
                            "2026-11-22",
                            "2026-11-22T",
                            "2026-11-2210:00",
                            "26-11-22 10:00",
                            "2026/11/22 10:00",
                            "2026-11-22 10",
                            "2026-11-22T10:00:00+1",
                            "2026-11-22T10:00:00+01:",
                            "2026-11-22T10:00:00 Z",
                            "2026-11-22T10:00:00.Z",
                            "2026-11-22T10:00:00UTC",
                            "2026-11-22T10:00:00+25:00",
                            "1795341600",
                            "10:00Z",
                            "+10:00"}) {
        INFO(bad);
        const std::string e = error_of(bad);
        CHECK(e.find("invalid time \"" + std::string(bad) + "\"") == 0);
        CHECK(e.find("HH:MM[:SS]") != std::string::npos);
        CHECK(e.find("ISO 8601") != std::string::npos);
    }
}

TEST_CASE("out-of-range fields are named", "[cli]") {
    CHECK(error_of("25:00") == "invalid time \"25:00\": hour 25 is out of range (00-23)");
    CHECK(error_of("24:00") == "invalid time \"24:00\": hour 24 is out of range (00-23)");
    CHECK(error_of("10:60") == "invalid time \"10:60\": minute 60 is out of range (00-59)");
    CHECK(error_of("10:00:60") == "invalid time \"10:00:60\": second 60 is out of range (00-59)");
    CHECK(error_of("2026-02-29 10:00") ==
          "invalid time \"2026-02-29 10:00\": 2026-02-29 is not a date");
    CHECK(error_of("2026-13-01T10:00Z") ==
          "invalid time \"2026-13-01T10:00Z\": 2026-13-01 is not a date");
    CHECK(error_of("2026-04-31T10:00Z").find("2026-04-31 is not a date") != std::string::npos);
    CHECK(error_of("2026-00-10T10:00Z").find("is not a date") != std::string::npos);
    CHECK(at("2028-02-29 10:00") == parse_iso8601("2028-02-29T10:00:00Z").value());
}

TEST_CASE("parse_iso8601 wants a date and a zone", "[cli]") {
    CHECK_FALSE(parse_iso8601("2026-11-22 10:00").ok());
    CHECK_FALSE(parse_iso8601("10:00").ok());
    CHECK_FALSE(parse_iso8601("garbage").ok());
    CHECK(parse_iso8601("2026-11-22T11:00:00.250+01:00").value() == kTimeNow + 250000);
}

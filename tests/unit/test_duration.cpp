// Durations and sizes as written in tend.toml.
#include <catch2/catch.hpp>

#include "supervisor/util/duration.hpp"

using namespace tend;
using namespace std::chrono_literals;

TEST_CASE("durations parse in every unit and in combinations") {
    CHECK(parse_duration("250ms").value() == 250ms);
    CHECK(parse_duration("30s").value() == 30s);
    CHECK(parse_duration("5m").value() == 5min);
    CHECK(parse_duration("2h").value() == 2h);
    CHECK(parse_duration("1d").value() == 24h);
    CHECK(parse_duration("1m30s").value() == 90s);
    CHECK(parse_duration("0").value() == 0us);
    CHECK(parse_duration("0s").value() == 0us);
}

TEST_CASE("bad durations are refused with the accepted forms") {
    for (const char* bad : {"", "5", "s", "5x", "-1s", "1.5s", "99999999999999999999d"}) {
        auto r = parse_duration(bad);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find("invalid duration") != std::string::npos);
    }
}

TEST_CASE("sizes use powers of 1024") {
    CHECK(parse_size("10MB").value() == 10u << 20);
    CHECK(parse_size("512KB").value() == 512u << 10);
    CHECK(parse_size("1GiB").value() == 1u << 30);
    CHECK(parse_size("100").value() == 100u);
    CHECK_FALSE(parse_size("10TB").ok());
    CHECK_FALSE(parse_size("MB").ok());
}

TEST_CASE("durations print in the largest exact unit") {
    CHECK(format_duration(90s) == "90s");
    CHECK(format_duration(5min) == "5m");
    CHECK(format_duration(1500ms) == "1500ms");
    CHECK(format_duration(0us) == "0s");
}

// Shared helpers of the cron unit tests: ISO instants in, fire times out as `tend cron next`
// prints them.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "queue/cron/cron_schedule.hpp"

namespace tend::test {

using S = std::vector<std::string>;

// "2026-03-08T01:00:00-05:00" as an instant.
inline date::sys_seconds at(const std::string& iso) {
    int y, h, mi, s, oh, om;
    unsigned mo, d;
    char sign;
    REQUIRE(std::sscanf(iso.c_str(), "%d-%u-%uT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &s, &sign,
                        &oh, &om) == 9);
    std::chrono::seconds offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    return date::sys_days{date::year{y} / date::month{mo} / date::day{d}} + std::chrono::hours{h} +
           std::chrono::minutes{mi} + std::chrono::seconds{s} - (sign == '-' ? -offset : offset);
}

inline const date::time_zone* zone(const std::string& name) {
    auto z = cron::find_zone(name);
    if (!z.ok()) FAIL(z.error());
    return z.value();
}

inline cron::CronExpr expr(const char* text) {
    auto e = cron::parse_cron(text);
    INFO(text);
    if (!e.ok()) FAIL(e.error());
    return e.value();
}

// The next `n` fire times strictly after `after`, as `tend cron next` prints them.
inline S fires(const char* zone_name, const char* text, const char* after, size_t n) {
    const date::time_zone* z = zone(zone_name);
    INFO(zone_name << " " << text);
    S out;
    for (date::sys_seconds t : cron::next_fires(expr(text), z, at(after), n))
        out.push_back(cron::format_iso(t, z));
    return out;
}

}  // namespace tend::test

// When a cron expression fires in a time zone (SPEC §7): the one iterator behind `tend cron
// next`, firing and catch-up, with the DST rules. Uses the tz database (date-tz).
#pragma once

#include <date/tz.h>
#include <optional>
#include <string>
#include <vector>

#include "queue/cron/cron_expr.hpp"
#include "supervisor/util/result.hpp"

namespace tend::cron {

// A zone of the system tz database by IANA name; "" is the local zone (TZ, /etc/localtime).
// Error: unknown time zone "Mars/Olympus" (the system tz database has no such zone).
Result<const date::time_zone*> find_zone(const std::string& name);
// The IANA name of a zone, for display ("Etc/UTC").
std::string zone_name(const date::time_zone* zone);

// The first fire instant strictly after `after`. SPEC §7:
//  - @every D: the next multiple of D seconds since the epoch;
//  - fixed-time entries (CronExpr::fixed_time): a wall-clock time that falls in a
//    spring-forward gap fires once, at the first instant after the gap; in a fall-back
//    (repeated) hour it fires once, at the first occurrence;
//  - other entries keep real-time cadence: wall-clock times inside a gap do not exist, and in
//    a repeated hour both passes fire.
// nullopt only if nothing fires within 400 years, or `after` is outside the years 1-9999.
std::optional<date::sys_seconds> next_fire(const CronExpr& e, const date::time_zone* zone,
                                           date::sys_seconds after);

// Up to `n` fire instants after `after`, in order (next_fire repeated).
std::vector<date::sys_seconds> next_fires(const CronExpr& e, const date::time_zone* zone,
                                          date::sys_seconds after, std::size_t n);

// ISO 8601 with the zone's offset at that instant: "2026-03-08T03:00:00-04:00" (no
// fractional seconds; "+00:00" for UTC).
std::string format_iso(date::sys_seconds t, const date::time_zone* zone);

// Unix seconds as the tz library's time point.
inline date::sys_seconds sys_at(std::int64_t s) {
    return date::sys_seconds(std::chrono::seconds(s));
}

}  // namespace tend::cron

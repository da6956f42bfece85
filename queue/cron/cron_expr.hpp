// Cron expressions (SPEC §7): parsing, and matching in local civil time. Pure: no time zone.
#pragma once

#include <date/date.h>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::cron {

// A parsed expression. Fields are sets of allowed values; the day fields also carry the
// special forms L, W, # and nL, which depend on the month and so cannot be plain sets.
struct CronExpr {
    std::string text;  // as written (trimmed)
    // "@every D": a tick at every multiple of every_s seconds since 1970-01-01T00:00:00Z, in
    // real time (no fields, no time zone, no DST rule). 0 for a field expression.
    std::int64_t every_s = 0;

    std::bitset<60> seconds;  // 5 fields: {0}
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> dom;            // 1..31 (bit 0 unused)
    bool dom_last = false;          // "L": the last day of the month
    bool dom_last_weekday = false;  // "LW": the last Monday-Friday of the month
    std::vector<int>
        dom_nearest_weekday;  // "15W": the Monday-Friday nearest the 15th, in its month
    std::bitset<13> months;   // 1..12 (bit 0 unused)
    std::bitset<7> dow;       // 0..6, Sunday = 0 (7 is read as 0)
    std::vector<std::pair<int, int>> dow_nth;  // "FRI#2": (weekday 0..6, n 1..5)
    std::bitset<7> dow_last;                   // "5L" / "FRIL": the last such weekday of the month
    // The Vixie rule: a day field that starts with '*' or '?' (also "*/2") is unrestricted.
    // When both are restricted a day matches if either matches; otherwise both must match.
    bool dom_star = true;
    bool dow_star = true;
    // One value in each of the seconds, minutes and hours fields: the DST rule of SPEC §7 for
    // fixed-time entries applies (a gap fires once at its end, a repeated hour fires once).
    bool fixed_time = false;
};

// Parses five fields (minute hour day-of-month month day-of-week), six (a leading seconds
// field), or a macro (@yearly @annually @monthly @weekly @daily @midnight @hourly, @every D).
// Errors name the field and the token, e.g.
//   field 2 (hour): 24 is out of range 0-23
//   expected 5 or 6 fields, got 4
// and an expression that matches no date at all is an error too:
//   can never fire: no date matches day-of-month 30 in month 2 (FEB)
// Messages do not repeat the expression; callers add it with their context.
Result<CronExpr> parse_cron(std::string_view text);

// Whether a civil date matches the day-of-month, month and day-of-week fields (Vixie rule,
// L, W, #, nL). Always false for @every.
bool day_matches(const CronExpr& e, date::year_month_day day);

// The first civil second at or after `from` whose six fields match (local wall-clock time,
// no zone involved). nullopt for @every, or if nothing matches within 400 years (cannot
// happen for an expression parse_cron accepted) or before the end of the year 9999.
std::optional<date::local_seconds> next_local_match(const CronExpr& e, date::local_seconds from);

}  // namespace tend::cron

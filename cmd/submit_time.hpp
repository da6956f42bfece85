// Parsing `tend submit --at` / `--in` into absolute times; pure, so tests fix `now` and the zone.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "supervisor/util/result.hpp"

namespace tend::cli {

// The local zone: its offset from UTC in seconds (east positive) in force at a UTC instant
// (seconds since the epoch). A function rather than one number, so a time on the other side of
// a daylight-saving change gets that side's offset.
using UtcOffsetAt = std::function<long(std::int64_t utc_s)>;

// The accepted --at forms, as named in error messages and in `tend submit --help`.
extern const char* const kAtForms;

// --at TEXT as microseconds since the Unix epoch:
//   ISO 8601 with a zone: "2026-11-22T10:00:00Z", "2026-11-22T11:00+01:00" (also "+0100");
//   local date and time:  "2026-11-22 10:00[:SS]" or "2026-11-22T10:00[:SS]";
//   local time of day:    "HH:MM[:SS]", today, or tomorrow when that time has already passed.
// Seconds may carry a fraction of any number of digits (".123", ".123456789"), kept to the
// microsecond (truncated). Anything else is an error naming the accepted forms.
Result<std::int64_t> parse_at(std::string_view text, std::int64_t now_us,
                              const UtcOffsetAt& offset_at);
// The same with a fixed offset from UTC (a zone without daylight-saving changes).
Result<std::int64_t> parse_at(std::string_view text, std::int64_t now_us, long utc_offset_s);

// --in DURATION ("90s", "1h30m") as now + DURATION, in microseconds since the epoch.
Result<std::int64_t> parse_in(std::string_view text, std::int64_t now_us);

// An ISO 8601 time that names its zone ("2026-11-22T10:00:00.123Z", as tendd prints times).
Result<std::int64_t> parse_iso8601(std::string_view text);

}  // namespace tend::cli

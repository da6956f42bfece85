// `tend cron next EXPR`: the next fire times of an expression, computed here without tendd.
#pragma once

#include <date/tz.h>

#include <string>

#include "supervisor/util/result.hpp"

namespace tend::cli {

// Prints the next `count` fire times of cron expression `expr` in zone `tz` ("": the local
// zone) after `from` ("": now; else ISO 8601 or @UNIX_SECONDS), as ISO 8601 lines or, with
// `json`, one JSON document. Returns 0; failures are CliError (65: bad expression or zone,
// 2: bad --from).
// --from: "@UNIX_SECONDS", or YYYY-MM-DD[T ]HH:MM[:SS[.FRACTION]] followed by Z, ±HH:MM,
// ±HHMM or nothing (then it is a wall-clock time in `zone`; in a repeated hour, the first
// one). A fraction of a second (any number of digits) is truncated: fire times are whole
// seconds, so the next fire after S.fff is the next one after S.
tend::Result<date::sys_seconds> parse_cron_from(const std::string& text,
                                                const date::time_zone* zone);

int print_cron_next(const std::string& expr, const std::string& tz, const std::string& from,
                    int count, bool json);

}  // namespace tend::cli

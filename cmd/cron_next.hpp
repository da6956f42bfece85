// `tend cron next EXPR`: the next fire times of an expression, computed here without tendd.
#pragma once

#include <string>

namespace tend::cli {

// Prints the next `count` fire times of cron expression `expr` in zone `tz` ("": the local
// zone) after `from` ("": now; else ISO 8601 or @UNIX_SECONDS), as ISO 8601 lines or, with
// `json`, one JSON document. Returns 0; failures are CliError (65: bad expression or zone,
// 2: bad --from).
int print_cron_next(const std::string& expr, const std::string& tz, const std::string& from,
                    int count, bool json);

}  // namespace tend::cli

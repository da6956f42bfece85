// UTC timestamps with microseconds, as stored in log lines and shown by `tend logs`.
#pragma once

#include <cstdint>
#include <string>

namespace tend {

// "2026-11-22T08:48:10.123456Z": the timestamp of stored log lines, for a CLOCK_REALTIME
// time in microseconds, and for now.
std::string utc_timestamp(std::uint64_t realtime_usec);
std::string utc_timestamp_now();

}  // namespace tend

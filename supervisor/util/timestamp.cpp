// UTC timestamps with microseconds (gmtime_r, no time zone lookups).
#include "supervisor/util/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace tend {

std::string utc_timestamp(std::uint64_t realtime_usec) {
    const time_t secs = static_cast<time_t>(realtime_usec / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             static_cast<unsigned long>(realtime_usec % 1000000));
    return buf;
}

std::string utc_timestamp_now() {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return utc_timestamp(static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
                         static_cast<std::uint64_t>(ts.tv_nsec / 1000));
}

}  // namespace tend

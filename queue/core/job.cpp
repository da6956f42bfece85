// Names of job states, as shown by `tend jobs` and accepted by `tend jobs --state`, and the
// time format of their "why it waits".
#include "queue/core/job.hpp"

#include <cstdio>
#include <ctime>

namespace tend::jobs {

std::string format_utc(WallUs at) {
    const std::time_t secs = static_cast<std::time_t>(at / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

namespace {
constexpr const char* kNames[kJobStateCount] = {"scheduled", "blocked", "pending", "running",
                                                "succeeded", "failed",  "dead",    "cancelled"};
}

const char* to_string(JobState s) {
    return kNames[static_cast<int>(s)];
}

std::optional<JobState> parse_job_state(std::string_view s) {
    for (int i = 0; i < kJobStateCount; ++i)
        if (s == kNames[i]) return static_cast<JobState>(i);
    return std::nullopt;
}

bool is_finished(JobState s) {
    return s == JobState::succeeded || s == JobState::failed || s == JobState::dead ||
           s == JobState::cancelled;
}

}  // namespace tend::jobs

// Names of job states, as shown by `tend jobs` and accepted by `tend jobs --state`.
#include "queue/core/job.hpp"

namespace tend::jobs {

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

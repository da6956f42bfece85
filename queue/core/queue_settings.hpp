// One queue's settings ([queue.NAME], SPEC §3): what tend.toml says and the scheduler uses.
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/util/duration.hpp"

namespace tend::jobs {

// The one list of a queue's settings and their defaults; [queue.NAME] parses into it
// (queue/config/queue_config.hpp) and the scheduler runs by it.
struct QueueSettings {
    std::string name;
    int concurrency = 1;
    std::uint64_t max_pending = 100000;  // scheduled + blocked + pending
    std::uint32_t max_attempts = 1;
    Usec retry_delay = std::chrono::seconds(1);
    Usec retry_delay_max = std::chrono::hours(1);
    Usec timeout{0};  // 0: none
    Usec stop_timeout = std::chrono::seconds(30);
    int weight = 1;
    Usec keep = std::chrono::hours(24 * 7);
    std::uint64_t output_max = 10ull << 20;  // per job; the rest of its output is dropped
    bool configured = true;                  // false: known only because jobs in the log name it
    bool operator==(const QueueSettings&) const = default;
};

}  // namespace tend::jobs

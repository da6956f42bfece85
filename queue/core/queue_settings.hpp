// One queue's settings ([queue.NAME], SPEC §3): what tend.toml says and the scheduler uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
    int global_concurrency = 0;  // running jobs across all hosts (PostgreSQL store); 0: none
    bool configured = true;      // false: known only because jobs in the log name it
    bool operator==(const QueueSettings&) const = default;
};

// The integer keys of [queue.NAME] with their bounds: the config parser checks them, and
// `tend queue set` may change the `runtime` ones while tendd runs (SPEC §4). One table, so a
// value the config refuses is refused at run time too.
struct QueueIntKey {
    const char* name;
    std::int64_t min, max;
    bool runtime;  // settable by `tend queue set`
    std::int64_t get(const QueueSettings& q) const;
    void set(QueueSettings& q, std::int64_t v) const;
};
inline constexpr QueueIntKey kQueueIntKeys[] = {
    {"concurrency", 1, 100000, true},
    {"max_pending", 1, 100000000, true},
    {"max_attempts", 1, 1000000, false},
    {"weight", 1, 1000, true},
};
const QueueIntKey* find_queue_int_key(std::string_view name);

// Sets one runtime key of `q` from `tend queue set`: fails with the message for the user when
// the key is not one `tend queue set` may change or the value is out of the config's bounds.
std::optional<std::string> set_runtime_key(QueueSettings& q, std::string_view key,
                                           std::int64_t value);

}  // namespace tend::jobs

// The typed arguments of the supervisor's commands (status, start, stop, restart, signal, logs,
// reload, version, shutdown), decoded by validation that cannot throw (SPEC §8).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "supervisor/util/result.hpp"

namespace tend::protocol {

// The programs or instances ("web", "web:2") a command names, or `all`.
struct TargetArgs {
    std::vector<std::string> targets;
    bool all = false;
};

struct StatusArgs {
    TargetArgs target;
};

// start, stop and restart.
struct LifecycleArgs {
    TargetArgs target;
    bool wait = false;
    bool rolling = false;  // restart only
    std::optional<int> max_unavailable, max_surge;
};

struct SignalArgs {
    TargetArgs target;
    std::optional<int> signal;  // absent when `reload`
    bool reload = false;        // each instance gets its program's reload_signal
};

struct LogsArgs {
    std::vector<std::string> targets;  // programs, instances or job ids
};

struct ReloadArgs {
    bool dry_run = false;
};

struct ShutdownArgs {
    bool drain = false;
};

struct VersionArgs {};

// `tend events [PROGRAM[:N]] [-n N] [-f]`. Without `after`: the newest `limit` events. With
// it: the oldest `limit` events after that sequence number, and with `wait` the answer waits
// for one (a long poll of at most ~25 s).
struct EventsArgs {
    std::string program;  // empty: every program
    std::optional<int> instance;
    std::int64_t limit = 20;
    std::optional<std::uint64_t> after;
    bool wait = false;
};

using SupervisorArgs = std::variant<StatusArgs, LifecycleArgs, SignalArgs, LogsArgs, ReloadArgs,
                                    ShutdownArgs, VersionArgs, EventsArgs>;

// The typed arguments of a supervisor command; nullopt when `cmd` is not one (the job and cron
// commands are decoded in queue/). A wrong type, range or missing field is an error naming it.
std::optional<Result<SupervisorArgs>> decode_supervisor_args(std::string_view cmd,
                                                             const nlohmann::json& args);

}  // namespace tend::protocol

// The typed configuration of supervision: [daemon] and [program.*] of tend.toml. The queue layer
// adds [queue.*] and [cron.*] (queue/config/full_config.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/util/duration.hpp"

namespace tend {

// Where a key stood in its file, so later checks (e.g. user lookup) can name the position.
struct SourcePos {
    std::string file;
    int line = 0;
    int column = 0;
};

enum class LogLevel { trace, debug, info, warn, error };
enum class LogTarget { automatic, journal, stderr_ };
enum class RestartMode { always, on_failure, never };
enum class OutputMode { automatic, file, journal, null };
enum class ReadyKind { exec, notify, tcp, http, command, uptime };
enum class RolloutFailure { pause, rollback };

enum class QueueListen { automatic, on, off };
enum class QueuePooler { none, transaction };
enum class QueueMigrate { automatic, manual };

// [daemon]'s keys of the queue store (SPEC §9, design postgres.md §10): which store holds the
// queue ("file", or a PostgreSQL connection string), the host lease, wake-ups, poolers and
// direct submits. Parsed by queue_store_config.cpp.
struct QueueStoreConfig {
    std::string queue = "file";  // "file", or a libpq URL / key=value string
    SourcePos queue_pos;
    std::optional<std::string> host_name;  // none: the machine's host name
    Usec lease = std::chrono::seconds(15);
    Usec renew = std::chrono::seconds(5);
    Usec rescue_grace = std::chrono::seconds(5);
    Usec poll = std::chrono::seconds(1);
    QueueListen listen = QueueListen::automatic;
    std::optional<std::string> listen_url;  // none: `queue`
    QueuePooler pooler = QueuePooler::none;
    QueueMigrate migrate = QueueMigrate::automatic;
    std::optional<std::string> submit_url;          // CLI: direct submit while tendd is down
    std::optional<std::string> direct_submit_user;  // root tendd: runs direct submits as this
    bool postgres() const { return queue != "file"; }
};

struct DaemonConfig {
    LogLevel log_level = LogLevel::info;
    LogTarget log_target = LogTarget::automatic;
    std::optional<std::string> socket_group;
    SourcePos socket_group_pos;
    // System instance: members may do everything root may (SPEC §8 Authorization).
    std::optional<std::string> admin_group;
    SourcePos admin_group_pos;
    Usec shutdown_timeout = std::chrono::seconds(90);
    // Running jobs over all queues; 0: only each queue's concurrency bounds them. When it
    // binds, free slots go to queues in proportion to their weights.
    int max_running_jobs = 0;
    QueueStoreConfig store;
};

struct ReadySpec {
    ReadyKind kind = ReadyKind::exec;
    std::string host;     // tcp, http
    std::string port;     // tcp, http
    std::string path;     // http
    std::string command;  // command: run by /bin/sh -c
    Usec uptime{0};       // uptime: ready once up this long
    std::string text;     // as written, for display
};

struct RolloutConfig {
    int max_unavailable = 1;
    int max_surge = 0;
    RolloutFailure on_failure = RolloutFailure::pause;
    // Probation: a new instance counts as available once ready this long without exiting.
    Usec min_ready = std::chrono::seconds(5);
    bool operator==(const RolloutConfig&) const = default;
};

// The parts of a program that a crash/stop decision needs; kept apart so the pure
// state machine depends on nothing else.
struct RestartPolicy {
    RestartMode mode = RestartMode::always;
    Usec restart_delay = std::chrono::milliseconds(100);
    Usec restart_delay_max = std::chrono::seconds(30);
    Usec healthy_after = std::chrono::seconds(60);
    int crash_limit = 5;
    Usec crash_window = std::chrono::seconds(60);
    Usec cooldown = std::chrono::minutes(5);
    // Exit codes that count as a clean exit (supervisord's `exitcodes`): sorted, unique, 0..255.
    std::vector<int> success_exit_codes{0};
};

struct ProgramConfig {
    std::string name;
    SourcePos pos;  // of the [program.NAME] table
    // argv to exec; a string command in the file becomes {"/bin/sh", "-c", STRING}.
    std::vector<std::string> command;
    int instances = 1;
    std::optional<std::string> directory;
    std::map<std::string, std::string> environment;
    std::optional<std::string> user;
    SourcePos user_pos;
    bool autostart = true;
    RestartPolicy restart;
    ReadySpec ready;
    Usec ready_timeout = std::chrono::seconds(60);
    int stop_signal = 15;
    Usec stop_timeout = std::chrono::seconds(30);
    int reload_signal = 1;
    std::optional<std::string> pidfile;
    // {instance} runs from instance_offset to instance_offset + instances - 1 (supervisord's
    // numprocs_start); slots inside tendd stay 0-based and are numbered at the edges.
    int instance_offset = 0;
    // Where output = "file" writes, {instance} expanded; unset: STATE/logs/NAME/N.log.
    std::optional<std::string> log_file;
    std::vector<std::string> sockets;
    OutputMode output = OutputMode::automatic;
    std::uint64_t log_max_size = 10ull << 20;
    int log_keep = 5;
    RolloutConfig rollout;
};

struct Config {
    std::string file;  // empty when no config file was read
    DaemonConfig daemon;
    std::vector<ProgramConfig> programs;  // in file order

    const ProgramConfig* find_program(const std::string& name) const;
};

// The number users see for slot `slot` (0-based inside tendd): what {instance} expands to,
// TEND_INSTANCE, and the N of `PROGRAM:N`.
inline int instance_number(const ProgramConfig& c, int slot) {
    return slot + c.instance_offset;
}

// Replaces every "{instance}" in text with the instance number.
std::string expand_instance(const std::string& text, int instance);

}  // namespace tend

// The typed configuration that tend.toml parses into: [daemon], [program.*], [queue.*], [cron.*].
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "queue/cron/cron_entry.hpp"
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
enum class ReadyKind { exec, notify, tcp, http, command };
enum class RolloutFailure { pause, rollback };

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
};

// [queue.NAME] (SPEC §3). concurrency 0 means "the number of CPUs", filled in by the daemon.
struct QueueConfig {
    std::string name;
    SourcePos pos;
    int concurrency = 0;
    std::uint64_t max_pending = 100000;
    int max_attempts = 1;
    Usec retry_delay = std::chrono::seconds(1);
    Usec retry_delay_max = std::chrono::hours(1);
    Usec timeout{0};
    Usec stop_timeout = std::chrono::seconds(30);
    int weight = 1;
    Usec keep = std::chrono::hours(24 * 7);
    std::uint64_t output_max = 10ull << 20;  // per job; the rest of its output is dropped
};

struct ReadySpec {
    ReadyKind kind = ReadyKind::exec;
    std::string host;     // tcp, http
    std::string port;     // tcp, http
    std::string path;     // http
    std::string command;  // command: run by /bin/sh -c
    std::string text;     // as written, for display
};

struct RolloutConfig {
    int max_unavailable = 1;
    int max_surge = 0;
    RolloutFailure on_failure = RolloutFailure::pause;
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
    std::vector<std::string> sockets;
    OutputMode output = OutputMode::automatic;
    std::uint64_t log_max_size = 10ull << 20;
    int log_keep = 5;
    RolloutConfig rollout;
};

// [cron.NAME] (SPEC §3, §7). def.env holds only the `environment` table here; tendd adds its
// own environment under it when the entry fires.
struct CronConfig {
    cron::CronDef def;
    SourcePos pos;
};

struct Config {
    std::string file;  // empty when no config file was read
    DaemonConfig daemon;
    std::vector<ProgramConfig> programs;  // in file order
    std::vector<QueueConfig> queues;      // in file order; "default" is added when absent
    std::vector<CronConfig> crons;        // in file order

    const ProgramConfig* find_program(const std::string& name) const;
};

// Replaces every "{instance}" in text with the instance number.
std::string expand_instance(const std::string& text, int instance);

}  // namespace tend

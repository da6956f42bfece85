// Human views of job and queue objects (tables, `tend show`), times, and `tend wait`'s status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cmd/cli_context.hpp"
#include "cmd/cli_table.hpp"

namespace tend::cli {

// Wall-clock time now, microseconds since the epoch.
std::int64_t wall_now_us();
// A time field of a job object (ISO 8601 string) in microseconds; nullopt when null or absent.
std::optional<std::int64_t> time_field(const nlohmann::json& obj, const char* field);
// "2026-11-22 11:00:00 +0100": local time, for people.
std::string local_time_text(std::int64_t us);
// "5m12s ago", "in 3h0m", "now".
std::string relative_text(std::int64_t us, std::int64_t now_us);

// "code 1", "signal TERM", or "-" for null.
std::string exit_status_text(const nlohmann::json& exit_status);
// The job's command as one line a shell would read back (words quoted where needed).
std::string command_text(const nlohmann::json& job);

// `tend wait`'s status for one finished job: succeeded 0; failed or dead: its exit code, or
// 128+N for a signal; cancelled: 128+N if a signal killed it, its code if not 0, else 1.
int wait_exit_status(const nlohmann::json& job);
// "job 5 (./report) failed (code 1): REASON": why wait_exit_status is not 0, for stderr.
std::string outcome_text(const nlohmann::json& job);

// The lifecycle lines tendd wrote to a job's output ("TIME tend TEXT"), oldest first, as
// "TIME TEXT". An unreadable file yields none.
std::vector<std::string> attempt_lines(const std::string& output_path);

// `tend jobs`, which arrives in pages: the table rows of one page of job objects (ages against
// `now_us`), then the table of all of them ("no jobs" for none).
void append_job_rows(const nlohmann::json& jobs, std::int64_t now_us,
                     std::vector<std::vector<Cell>>& rows);
void print_job_table(const std::vector<std::vector<Cell>>& rows, bool colour);
// `tend show`: "key: value" lines and the attempts, or the object as is with --json.
void print_job(const CliContext& ctx, const nlohmann::json& job);
// `tend queues`: a table, or the array as is with --json.
void print_queues(const CliContext& ctx, const nlohmann::json& queues);

}  // namespace tend::cli

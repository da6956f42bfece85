// Typed rows of the read statements (pg_statements_reads.hpp), decoded from their text values.
// Pure and total like pg_decode.hpp: a wrong column count, a non-number or an unknown state is
// an error naming the column, never an exception, so a damaged database cannot crash tendd.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/job.hpp"
#include "queue/core/queue_figures.hpp"
#include "queue/pg/pg_decode.hpp"
#include "supervisor/util/result.hpp"

namespace tend::pg {

// One job as show_job_sql / list_jobs_sql return it.
struct JobView {
    int64_t id = 0;
    std::string queue;
    jobs::JobState state = jobs::JobState::pending;
    int64_t priority = 0, attempt = 0, max_attempts = 1, runs = 0;
    std::string name;
    std::vector<std::string> argv;
    bool shell = false;
    std::string cwd;
    std::optional<std::string> key;
    int64_t uid = 0;
    std::string submitted_by;  // "uid:1000", "cron:NAME", "direct:ROLE" (no uid: design §11)
    int64_t submitted_us = 0, run_at_us = 0;
    std::optional<int64_t> started_us, finished_us;
    std::optional<int64_t> exit_code, exit_signal, pid;
    bool interrupted = false;
    std::string reason;
    int64_t timeout_us = -1;  // -1: the queue's
    std::vector<int64_t> after;
    std::optional<std::string> host;  // running it, else its last run's
    // Why it waits.
    std::vector<int64_t> unmet;  // blocked: dependencies not finished yet
    bool queue_paused = false;
    std::optional<int64_t> global_limit;
    std::optional<int64_t> slots_taken;  // pending under a global limit
    std::optional<bool> served;          // pending: a live host serves its queue
    std::optional<int64_t> position;     // pending (show only): its place in claim order
};
Result<std::vector<JobView>> decode_jobs(const Rows& rows);

// One row of show_runs_sql.
struct RunView {
    int64_t run = 0;
    std::string host;
    int64_t started_us = 0, finished_us = 0;
    std::optional<int64_t> exit_code, exit_signal;
    std::string outcome;
    int64_t output_bytes = 0;
};
Result<std::vector<RunView>> decode_runs(const Rows& rows);

// owners_sql's rows put in the order of `ids` (nullopt: no such job).
Result<std::vector<std::optional<std::uint32_t>>> decode_owners(
    const Rows& rows, const std::vector<jobs::JobId>& ids);

// job_brief_sql: nullopt when there is no such job.
Result<std::optional<jobs::JobBrief>> decode_brief(const Rows& rows);

// job_logs_sql: nullopt when there is no such job.
struct LogsView {
    jobs::JobState state = jobs::JobState::pending;
    std::optional<std::string> running_host;  // running: the host running it
    std::optional<std::string> last_host;     // the host of its last finished run
    std::optional<std::string> tail;          // that run's output tail (raw bytes)
};
Result<std::optional<LogsView>> decode_logs(const Rows& rows);

// serving_hosts_sql: live hosts per queue (each 1..1,000,000).
Result<std::map<std::string, int>> decode_serving(const Rows& rows);

// One row of queue_stats_sql.
struct QueueStatsView {
    std::string name;
    bool paused = false;
    std::optional<int64_t> global_limit;
    int64_t max_pending = 0;
    int64_t pending = 0, scheduled = 0, blocked = 0, running = 0, dead = 0;
    int64_t succeeded = 0, failed = 0, died = 0, cancelled = 0;  // ended since tendd started
    std::optional<int64_t> oldest_waiting_us;
    int64_t slots_taken = 0;
};
Result<std::vector<QueueStatsView>> decode_queue_stats(const Rows& rows);

}  // namespace tend::pg

// Typed results of the job statements (pg_statements.hpp), decoded from the text values of
// their rows. Pure and total: a value the server should never send (a wrong column count, a
// non-number, a malformed array literal) is an error naming the column, never an exception or
// a crash, so a damaged or hostile database cannot take tendd down.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/core/job.hpp"
#include "supervisor/util/result.hpp"

namespace tend::pg {

// A result's rows in text format: a cell is nullopt for SQL NULL.
using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;
using Rows = std::vector<Row>;

// The text forms of PostgreSQL's types (what libpq returns in text mode).
Result<int64_t> parse_int64(std::string_view s);
Result<bool> parse_bool(std::string_view s);  // "t" / "f"
// A one-dimensional array literal of text: {a,"b c",NULL}. NULL elements are refused (no
// array the statements return holds one); so are nested arrays and dimension decorations.
Result<std::vector<std::string>> parse_text_array(std::string_view s);
// bytea in the hex output format: \x0aff...
Result<std::string> parse_bytea(std::string_view s);
// The inverses, for parameters sent as text: bytes as a bytea hex literal, a wall-clock time
// (µs since the epoch, UTC) as a timestamptz literal ("2026-12-05 16:00:00.000001+00").
std::string bytea_param(std::string_view bytes);
std::string timestamptz_param(int64_t wall_us);

// One row of claim / claim_limited: what the host needs to start the run.
struct ClaimedJob {
    int64_t id = 0;
    int64_t lease = 0;  // the fencing token of this run
    int attempt = 0;
    int max_attempts = 0;
    int runs = 0;
    std::vector<std::string> argv;
    bool shell = false;
    std::string cwd;
    std::optional<int64_t> env_id;
    int64_t timeout_us = -1;
    std::optional<int> uid, gid;
    std::string name;
    std::optional<std::string> checkpoint;  // the bytes saved by the last run that reached us
    std::vector<std::uint32_t> groups;      // supplementary groups of the submitter
};
Result<std::vector<ClaimedJob>> decode_claim(const Rows& rows);

// env: nullopt when no row has the id (pruned meanwhile).
Result<std::optional<std::vector<std::string>>> decode_env(const Rows& rows);

// finish: nullopt when the fence refused it (no row: the run was rescued meanwhile).
struct FinishResult {
    int64_t id = 0;
    jobs::JobState state = jobs::JobState::succeeded;  // cancelled when a cancel was requested
    std::vector<std::string> wake;  // queues with a new pending job or a freed slot
};
Result<std::optional<FinishResult>> decode_finish(const Rows& rows);

struct RescueResult {
    std::optional<std::string> host;  // the incarnation rescued; none: nothing to rescue
    int64_t jobs = 0;                 // runs ended (re-queued, dead or cancelled)
    std::vector<std::string> wake;
};
Result<RescueResult> decode_rescue(const Rows& rows);

struct PromoteResult {
    int64_t jobs = 0;
    std::vector<std::string> wake;
    std::optional<int64_t> next_us;  // until the next scheduled job (<= 0: due already)
};
Result<PromoteResult> decode_promote(const Rows& rows);

struct SettleResult {
    int64_t jobs = 0;  // blocked jobs released or cancelled
    std::vector<std::string> wake;
};
Result<SettleResult> decode_settle(const Rows& rows);

// cancel: nullopt when no live job has the id.
struct CancelResult {
    int64_t id = 0;
    jobs::JobState state = jobs::JobState::cancelled;  // running: cancel_requested is set
    std::optional<int64_t> host_id;                    // the host running it
    std::string queue;
    int64_t dependents = 0;  // blocked dependents cancelled with it
};
Result<std::optional<CancelResult>> decode_cancel(const Rows& rows);

// retry: nullopt when the job is not failed, dead or cancelled (or does not exist).
struct RetryResult {
    int64_t id = 0;
    std::string queue;
};
Result<std::optional<RetryResult>> decode_retry(const Rows& rows);

struct PruneResult {
    int64_t jobs = 0, envs = 0, tokens = 0;
};
Result<PruneResult> decode_prune(const Rows& rows);

struct QueueRow {
    std::string name;
    bool paused = false;
    int64_t depth = 0;
    int64_t slots_added = 0, slots_removed = 0;
};
Result<QueueRow> decode_queue_sync(const Rows& rows);

struct RunningJob {
    int64_t id = 0;
    int64_t lease = 0;
    bool cancel_requested = false;
};
Result<std::vector<RunningJob>> decode_running(const Rows& rows);

// Statements answered by "one row or none" (set_pid, set_paused, finish_check).
Result<bool> decode_found(const Rows& rows);

}  // namespace tend::pg

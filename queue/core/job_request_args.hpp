// The typed arguments of the job and cron commands (submit, jobs, show, wait, cancel, retry,
// queues, pause, resume, queue_set, compact, cron_*), decoded by validation that cannot throw (SPEC
// §8).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "queue/core/job.hpp"
#include "queue/cron/cron_entry.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// What `tend submit` sends, parsed: the options shared by all jobs of the request, and either
// one argv or a batch of shell lines. The peer fields are filled in by the daemon.
struct SubmitRequest {
    JobSpec shape;  // id, argv and submitted_at are filled in by the service
    std::vector<std::string> env;
    bool batch = false;
    std::vector<std::string> lines;
    std::uint32_t peer_uid = 0, peer_gid = 0;
    std::vector<std::uint32_t> peer_groups;
};

// What every store refuses in a submit before it stores anything (a bad_request's message):
// a batch with a key, no command, a relative cwd, a key reserved for cron ticks (they prove,
// in the store, that a tick fired: SPEC §7), too many attempts. nullopt: acceptable.
std::optional<std::string> submit_shape_error(const SubmitRequest& r);

// A --stdin batch is held in memory until its `submit`; this bounds one client's share.
inline constexpr std::size_t kMaxBatchBytes = 256u << 20;
// What a buffered line costs besides its text: its std::string (32 bytes), the allocator's
// header and rounding, and the vector's spare capacity (measured: 100-byte lines held in a
// batch take about 165 bytes each).
inline constexpr std::size_t kBatchLineOverhead = 64;

// Lines of a --stdin batch, sent ahead of its `submit`.
struct SubmitLinesArgs {
    std::vector<std::string> lines;
};
// What `tend jobs` asks for: one page of the listing, newest first.
struct JobListQuery {
    std::optional<JobState> state;
    std::optional<std::string> queue;
    std::size_t limit = 50;  // capped at kMaxListPage; 0 asks for a full page
    JobId before = 0;        // 0: from the newest job; else only ids below it
    // Set by the daemon for callers who are not admins: other users' jobs are listed without
    // their command, cwd, name, key and output (SPEC §8).
    std::optional<std::uint32_t> viewer_uid;
};
struct ListArgs {
    JobListQuery query;
};
struct ShowArgs {
    JobId id = 0;
};
// wait, cancel, retry.
struct JobIdsArgs {
    std::vector<JobId> ids;
};
struct QueuesArgs {};
// pause, resume.
struct QueueArgs {
    std::string queue;
};
struct CompactArgs {};
// queue_set (`tend queue set Q KEY=VALUE...`): {"queue": Q, "values": {KEY: integer, ...}}.
// Keys and bounds are checked by the service (set_runtime_key), which names the bad one.
struct QueueSetArgs {
    std::string queue;
    std::vector<std::pair<std::string, std::int64_t>> values;
};

using JobArgs = std::variant<SubmitRequest, SubmitLinesArgs, ListArgs, ShowArgs, JobIdsArgs,
                             QueuesArgs, QueueArgs, CompactArgs, QueueSetArgs>;

// What `tend cron add` sends, parsed; the owner (uid, gid, groups) is filled in by the daemon.
struct CronAddRequest {
    cron::CronDef def;
};
struct CronListArgs {};
// cron_run, cron_remove.
struct CronNameArgs {
    std::string name;
};
struct CronNextArgs {
    std::string name;
    std::int64_t from_s = 0;  // 0: now
    std::size_t count = 10;
};

using CronArgs = std::variant<CronListArgs, CronAddRequest, CronNameArgs, CronNextArgs>;

// nullopt when `cmd` is not a job (cron) command; else the typed arguments, or an error naming
// the field that is missing, of the wrong type, or out of range.
std::optional<Result<JobArgs>> decode_job_args(std::string_view cmd, const nlohmann::json& args);
std::optional<Result<CronArgs>> decode_cron_args(std::string_view cmd, const nlohmann::json& args);

}  // namespace tend::jobs

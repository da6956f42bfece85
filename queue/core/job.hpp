// The job model shared by the store, the scheduler, the daemon and the CLI (SPEC §6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tend::jobs {

using JobId = std::uint64_t;
// Wall-clock time in microseconds since the Unix epoch: delays and retry times must survive
// a restart of tendd, so they are absolute realtime instants.
using WallUs = std::int64_t;
// A wall-clock time as "why it waits" says it: second precision, UTC ("2026-12-05T16:00:00Z").
std::string format_utc(WallUs at);

// SPEC §6.1. `failed` is final only for a job with a single attempt; a job whose retries are
// exhausted ends `dead`. Both can be retried with `tend retry`.
enum class JobState : std::uint8_t {
    scheduled = 0,  // waiting for its time (--at, --in, or a retry delay)
    blocked = 1,    // waiting for its --after jobs
    pending = 2,    // runnable, waiting for a slot in its queue
    running = 3,
    succeeded = 4,
    failed = 5,
    dead = 6,
    cancelled = 7,
};
inline constexpr int kJobStateCount = 8;

// The most jobs one `jobs` reply carries (SPEC §8: bounded work per request). A longer
// listing is paged: the CLI asks again with `before` = the last id it got.
inline constexpr std::size_t kMaxListPage = 500;

const char* to_string(JobState s);
std::optional<JobState> parse_job_state(std::string_view s);
// succeeded, failed, dead and cancelled: nothing more happens to the job by itself.
bool is_finished(JobState s);

// How a process ended: a code, or the signal that killed it (signal != 0).
struct ExitStatus {
    int code = 0;
    int signal = 0;
    bool operator==(const ExitStatus&) const = default;
};

// What a submit fixes forever. Stored once on disk; the daemon reads it back from the log when
// it spawns or shows the job, so finished jobs cost no memory for their command or environment.
struct JobSpec {
    JobId id = 0;  // 0 in spool files: tendd assigns the id when it takes the job in
    std::string queue = "default";
    std::string name;
    std::int32_t priority = 0;       // higher runs first within a queue
    std::uint32_t max_attempts = 0;  // 0: the queue's max_attempts
    std::int64_t timeout_us = -1;    // -1: the queue's timeout; 0: none
    std::string key;                 // uniqueness key (SPEC §6.4), empty for none
    std::vector<JobId> after;        // runs after these succeed
    bool shell = false;              // argv is {"/bin/sh", "-c", LINE} when set
    std::vector<std::string> argv;
    std::string cwd;
    std::uint32_t env_id = 0;  // the ENV record holding the captured environment
    std::uint32_t uid = 0;     // the submitter: a root tendd runs the job as this user
    std::uint32_t gid = 0;
    std::vector<std::uint32_t> groups;
    WallUs submitted_at = 0;
    WallUs run_at = 0;        // --at / --in; 0: at once
    std::string spool_token;  // the spool file it came from, so a re-import is recognised
    bool operator==(const JobSpec&) const = default;
};

// Everything that changes over a job's life. Each change is written as one STATUS record
// carrying all of it, so replay is "the last record wins" and records are idempotent.
struct JobStatus {
    JobState state = JobState::pending;
    std::uint32_t attempt = 0;  // attempts used so far (yields and interruptions use none)
    std::uint32_t max_attempts =
        1;                   // resolved at submit (job's, else the queue's); retry may raise it
    std::uint32_t runs = 0;  // processes started, yields and interruptions included
    bool repeat_attempt = false;  // the next start re-runs the same attempt (after a yield)
    bool interrupted = false;     // re-queued because tendd stopped or died while it ran
    WallUs run_at = 0;            // scheduled: when it becomes pending
    WallUs started_at = 0;        // of the latest run
    WallUs finished_at = 0;
    std::optional<ExitStatus> last_exit;
    std::int32_t pid = 0;           // running: the process (and group) leader
    std::uint64_t pid_start = 0;    // its start time (/proc/PID/stat field 22), to verify it
    bool cancel_requested = false;  // running: TERM sent on cancel; ends `cancelled`
    std::string reason;             // why it was cancelled, failed, is waiting, or was interrupted
    bool operator==(const JobStatus&) const = default;
};

}  // namespace tend::jobs

// The in-memory job table and every dispatch decision (SPEC §6.1, §6.4); pure, time injected.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "queue/core/job.hpp"
#include "queue/core/queue_settings.hpp"
#include "supervisor/util/duration.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// What the table keeps per job: only what dispatch, listing and pruning need. The command and
// environment stay on disk (spec_offset/spec_length).
struct JobEntry {
    JobId id = 0;
    std::uint64_t spec_offset = 0;  // 0 until the submit is committed
    std::uint32_t spec_length = 0;
    std::uint32_t env_id = 0;
    std::uint16_t queue = 0;  // index into queues()
    std::int32_t priority = 0;
    std::int64_t timeout_us = -1;  // the spec's: -1 queue's, 0 none
    WallUs submitted_at = 0;
    std::uint32_t unmet_deps = 0;  // blocked: --after jobs not yet succeeded
    std::uint32_t uid = 0;         // the submitter, who owns the job (SPEC §8 Authorization)
    JobStatus status;
};

// A queue's figures for `tend queues`.
struct QueueStats {
    std::string name;
    std::uint64_t pending = 0;   // scheduled + blocked + pending
    std::uint64_t runnable = 0;  // pending only
    int running = 0;
    int concurrency = 0;
    bool paused = false;
    std::optional<WallUs> oldest_pending_submitted;
    std::uint64_t finished_ok = 0;  // since tendd started, for throughput
    std::uint64_t finished_bad = 0;
    // pending above, by state: scheduled + blocked + runnable (metrics).
    std::uint64_t scheduled = 0;
    std::uint64_t blocked = 0;
    std::uint64_t dead = 0;  // jobs in state dead now, kept until pruned
    // Jobs that reached each final state since tendd started, indexed by JobState.
    std::array<std::uint64_t, kJobStateCount> finished_by_state{};
};

class Scheduler {
  public:
    // `queues` must contain "default"; `max_running` bounds running jobs over all queues (0: no
    // bound), and when it binds, free slots go to queues in proportion to their weights.
    Scheduler(std::vector<QueueSettings> queues, int max_running);

    // ---- queues
    const std::vector<QueueSettings>& queues() const { return queues_; }
    std::optional<std::uint16_t> queue_index(const std::string& name) const;
    // Creates an unconfigured queue (default settings) for a name found in the log.
    std::uint16_t ensure_queue(const std::string& name);
    Status set_paused(const std::string& queue, bool paused);
    // A reload's [queue.*] (SPEC §5.6): each queue of `queues` takes its settings (a new one is
    // added); a queue that is no longer there becomes unconfigured, keeping its settings and
    // its jobs (they run as before; submits are refused). Nothing running is touched: a lower
    // concurrency only stops new starts, a higher one lets the next take_runnable start more.
    void reconfigure(const std::vector<QueueSettings>& queues);
    // `tend queue set`: one runtime key (set_runtime_key) of an existing queue.
    Status set_queue_key(const std::string& queue, std::string_view key, std::int64_t value);
    bool paused(std::uint16_t queue) const;
    QueueStats stats(std::uint16_t queue) const;

    // ---- submit
    // Checks a submit of `count` jobs with this spec shape before ids are assigned: the queue
    // exists and is configured, every --after job exists, and the queue has room
    // (max_pending). Fails with the message for the user; `full` tells back-pressure apart.
    struct Refusal {
        std::string message;
        bool full = false;     // max_pending: exit 75
        bool unknown = false;  // queue or --after job not found
    };
    std::optional<Refusal> check_submit(const JobSpec& spec, std::size_t count) const;
    // While a job with `key` is scheduled, blocked, pending or running: its id.
    // Uniqueness keys are per user: `uid`'s key `key` (SPEC §8).
    std::optional<JobId> find_key(std::uint32_t uid, const std::string& key) const;
    // Adds a job (its id already assigned) in the state its spec implies at `now`: scheduled
    // when run_at > now, blocked while an --after job has not succeeded (cancelled at once if
    // one already failed, died or was cancelled), else pending. It does not check
    // max_pending: check_submit does, and jobs taken from the spool were already acknowledged.
    void add(const JobSpec& spec, std::uint32_t spec_length, WallUs now);
    // Forgets a job whose submit could not be committed (it never started).
    void remove_uncommitted(JobId id);
    void set_spec_location(JobId id, std::uint64_t offset, std::uint32_t length);

    // ---- recovery
    // Replay: a submit creates the entry as add() would, without evaluating time or
    // dependencies; a status record replaces the status (unknown ids are ignored).
    void restore_submit(const JobSpec& spec, std::uint64_t spec_offset, std::uint32_t spec_length);
    void restore_status(JobId id, const JobStatus& status);
    // Builds the indexes once replay is over and settles what time and dependencies decide.
    void finish_restore(WallUs now);
    // Jobs that were running when tendd stopped: the caller kills survivors, then calls
    // interrupt() on each.
    std::vector<JobId> running_jobs() const;

    // ---- dispatch
    // Scheduled jobs whose time has come become pending.
    void promote_due(WallUs now);
    // The earliest time a scheduled job becomes due, if any.
    std::optional<WallUs> next_due() const;
    // Picks the jobs to start now (queue not paused, concurrency and max_running respected,
    // queues by weight, then priority, then FIFO) and marks them running: attempt counted
    // (unless the last run yielded or was interrupted), runs+1, started_at = now.
    std::vector<JobId> take_runnable(WallUs now);
    void set_process(JobId id, std::int32_t pid, std::uint64_t pid_start);
    // The process of a running job ended. Decides: succeeded; yield (exit 75: pending again,
    // same attempt); cancelled (cancel was requested); failed with a retry (scheduled at now +
    // backoff, using random01 for jitter); failed or dead after the last attempt. `reason`
    // (e.g. "timed out after 5s") is recorded for failures. Dependents follow. `failed_anyway`:
    // a failure whatever the exit status (a timeout: the job exiting 0 or 75 on the TERM it got
    // does not make it a success or a yield, SPEC §6.2).
    void finished(JobId id, ExitStatus exit, WallUs now, double random01,
                  const std::string& reason = {}, bool failed_anyway = false);
    // (A process that could not be started is reported as finished() with code 127.)
    // A running job whose tendd stopped (shutdown, crash): pending again, same attempt,
    // interrupted = true.
    void interrupt(JobId id, const std::string& reason);

    // ---- user operations
    // Pending, scheduled and blocked jobs become cancelled (dependents too); a running job gets
    // cancel_requested (the caller sends TERM; finished() then ends it cancelled).
    // Fails for a finished or unknown job.
    Status cancel(JobId id, WallUs now, const std::string& reason = "cancelled by user");
    // A failed, dead or cancelled job runs again: attempts start over, pending (or blocked).
    Status retry(JobId id, WallUs now);

    // ---- pruning
    // Finished jobs older than their queue's keep are removed; returns their ids. `spec_bytes`,
    // when given, grows by the sum of their spec lengths.
    std::vector<JobId> prune(WallUs now, std::uint64_t* spec_bytes = nullptr);
    std::optional<WallUs> next_prune() const;

    // ---- reading
    const JobEntry* find(JobId id) const;
    // Newest first; `state`/`queue` filter when set; at most `limit` (0: no limit); only ids
    // below `before` when it is not 0 (the paging cursor: the last id of the previous page).
    std::vector<const JobEntry*> list(std::optional<JobState> state,
                                      std::optional<std::uint16_t> queue, std::size_t limit,
                                      JobId before = 0) const;
    // A pending job's 1-based place in its queue's dispatch order (priority, then FIFO); 0 when
    // the job is not pending. Positions are computed for the whole queue in one pass and kept
    // until one changes, so asking for every job of a listing costs one pass.
    std::size_t position(JobId id) const;
    // Why a job is not running, for `tend show`: "queue default is paused", "waiting for a
    // slot: 2 of 2 running in queue default (position 3)", "waiting until 2026-...",
    // "waiting for jobs 4, 7 to succeed"; empty when running or finished.
    std::string why_waiting(JobId id, WallUs now) const;
    // Jobs whose status changed since the last call, each once, in the order they changed; the
    // caller writes one STATUS record for each before acting on or reporting the change.
    std::vector<JobId> take_changes();
    JobId next_id() const { return next_id_; }
    void set_next_id(JobId id);
    JobId allocate_id() { return next_id_++; }
    std::size_t job_count() const;
    std::size_t live_count() const;  // not finished
    // Environments referenced by unfinished jobs (to carry into a compacted log).
    std::vector<std::uint32_t> live_env_ids() const;

  private:
    // Implementation detail chosen by the implementer; see scheduler.cpp.
    struct Impl;
    std::vector<QueueSettings> queues_;
    int max_running_ = 0;
    JobId next_id_ = 1;
    std::unique_ptr<Impl> impl_;

  public:
    ~Scheduler();
    Scheduler(Scheduler&&) noexcept;
    Scheduler& operator=(Scheduler&&) noexcept;
};

}  // namespace tend::jobs

// The Scheduler's private state, shared by its scheduler*.cpp files and by nothing else.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "queue/core/scheduler.hpp"

namespace tend::jobs {

// Jobs live in fixed-size chunks keyed by id / kChunkJobs. Ids are dense, so this costs about
// sizeof(JobEntry) per job, yet a gap in the ids (or one old job pinning the front) costs at
// most one chunk instead of a run of tombstones.
inline constexpr JobId kChunkJobs = 256;
struct JobChunk {
    std::array<JobEntry, kChunkJobs> slots{};  // id 0: empty slot
    std::uint32_t used = 0;
};

// A queue's dispatch state, next to its settings in queues_.
struct QueueRuntime {
    // Runnable ids by priority (highest first), FIFO within one. Lazy deletion: an id that is
    // no longer pending is skipped when popped; `parked` tells which such ids still have one.
    std::map<std::int32_t, std::deque<JobId>, std::greater<>> runnable;
    std::size_t runnable_entries = 0;  // stale ones included, to know when to compact
    std::uint64_t scheduled = 0;
    std::uint64_t blocked = 0;
    std::uint64_t pending = 0;
    int running = 0;
    std::uint64_t dead = 0;  // jobs in state dead, kept until pruned (tend_queue_jobs, dead)
    bool paused = false;
    bool idle = true;  // was not eligible at the last pick: rejoins at the current pass
    double pass = 0;   // stride scheduling: the queue with the lowest pass goes next
    std::uint64_t finished_ok = 0;
    std::uint64_t finished_bad = 0;
    // Jobs that reached each final state since tendd started (tend_jobs_finished_total).
    std::array<std::uint64_t, kJobStateCount> finished_by_state{};
    // (finished_at, id) in the order jobs finished, for prune; stale after a retry.
    std::deque<std::pair<WallUs, JobId>> finished;
    // Bumped whenever a job of this queue becomes pending or stops being pending, i.e.
    // whenever a queue position may change.
    std::uint64_t runnable_version = 0;
    // Queue positions, (id, 1-based rank) sorted by id, as of positions_version: built in one
    // pass over `runnable` when first asked for after a change, so a listing of N pending jobs
    // costs one pass, not N (SPEC §8). Mutable: a cache filled by const readers.
    mutable std::vector<std::pair<JobId, std::uint32_t>> positions;
    mutable std::uint64_t positions_version = UINT64_MAX;
};

using DueEntry = std::pair<WallUs, JobId>;  // (run_at, id) of a scheduled job

struct Scheduler::Impl {
    const std::vector<QueueSettings>* settings = nullptr;  // the owner's queues_
    std::map<JobId, std::unique_ptr<JobChunk>> chunks;
    std::size_t count = 0;
    std::size_t live = 0;
    int running = 0;
    double vtime = 0;  // the pass of the last queue picked
    std::uint64_t scheduled = 0;
    std::vector<QueueRuntime> queues;
    std::vector<DueEntry> due;                                 // min-heap on run_at; lazy deletion
    std::unordered_map<JobId, std::vector<JobId>> dependents;  // only jobs someone waits for
    std::unordered_map<JobId, std::vector<JobId>> after_of;    // only jobs with --after
    std::unordered_map<std::string, JobId> keys;               // keys of unfinished jobs
    std::unordered_map<JobId, std::string> key_of;             // only jobs with a key
    // Ids that left `pending` without being popped: their runnable entry is still queued and
    // is reused if they become pending again, so no id is ever queued twice.
    std::unordered_set<JobId> parked;
    std::vector<JobId> changes;
    std::unordered_set<JobId> changed;

    const QueueSettings& settings_of(const JobEntry& e) const { return (*settings)[e.queue]; }

    // ---- entries (scheduler.cpp)
    // A new entry with what the table keeps of `spec`, in no state yet (not attached).
    JobEntry& create_from(const JobSpec& spec, std::uint16_t queue);
    // Drops a job and everything kept about it.
    void forget(JobId id);

    // ---- storage (scheduler_store.cpp)
    JobEntry* get(JobId id);
    const JobEntry* get(JobId id) const;
    JobEntry& create(JobId id);  // an empty slot (id 0) for `id`
    void erase(JobId id);
    void for_each(const std::function<void(JobEntry&)>& fn);
    void for_each_newest_first(const std::function<bool(const JobEntry&)>& fn) const;

    // ---- state and indexes (scheduler_store.cpp)
    // attach adds the entry's current state to the counters and indexes; detach takes it out.
    // `popped`: the job's runnable entry was just taken off its queue (it starts).
    void attach(JobEntry& e);
    void detach(JobEntry& e, bool popped = false);
    // detach, change, attach, and record the change.
    void set_state(JobEntry& e, JobState s, bool popped = false);
    void record_change(JobId id);
    void enqueue_runnable(JobEntry& e);
    std::optional<JobId> pop_runnable(std::uint16_t queue);
    void compact_runnable(QueueRuntime& q);
    void push_due(const JobEntry& e);
    std::optional<JobId> pop_due(WallUs now);  // a scheduled job whose run_at <= now
    void drop_stale_due();

    // ---- dependencies (scheduler_user.cpp)
    struct DepCheck {
        std::uint32_t unmet = 0;  // --after jobs not finished yet
        JobId bad = 0;            // the first one that failed, died, was cancelled or is missing
        std::string failure;      // "dependency 7 failed", for `bad`
    };
    // `missing_is_met`: at replay a missing --after job can only be one that succeeded and
    // was pruned (a failure would have cancelled the dependent, and that is in the log).
    DepCheck check_deps(const std::vector<JobId>& after, bool missing_is_met) const;
    // Registers `id` with each of its --after jobs that has not finished.
    void register_dependent(JobId id);
    // Ends a job in a final state (no cascade); the caller then settles its dependents.
    void end_job(JobEntry& e, JobState s, WallUs now, std::string reason);
    // Dependents of a job that just finished: released on success, else cancelled,
    // transitively and without recursion.
    void settle_dependents(JobId id, WallUs now);
    void release_dependent(JobId id, WallUs now);
    void unregister_dependent(JobId id);
    // Pending or scheduled by run_at, once nothing blocks the job any more.
    void unblock(JobEntry& e, WallUs now);

    // ---- dispatch (scheduler_dispatch.cpp)
    std::optional<std::uint16_t> pick_queue();
    void start(JobEntry& e, WallUs now);

    // ---- reading (scheduler_queries.cpp)
    // 1-based rank of a pending job among its queue's runnable jobs, in dispatch order; 0 for
    // a job that is not pending.
    std::size_t runnable_position(const JobEntry& job) const;
    // Rebuilds queues[queue].positions if a position changed since it was built.
    void refresh_positions(std::uint16_t queue) const;
};

// "dependency 7 failed" / "is dead" / "was cancelled"; empty for a state that is not a failure.
std::string dependency_failure(JobId dep, JobState s);

// The key of the keys table: uniqueness keys are per user, so one user's key never
// deduplicates another's submit (SPEC §8). "UID:KEY"; unscoped_key gives KEY back.
inline std::string scoped_key(std::uint32_t uid, const std::string& key) {
    return std::to_string(uid) + ":" + key;
}
inline std::string unscoped_key(const std::string& scoped) {
    const auto colon = scoped.find(':');
    return colon == std::string::npos ? scoped : scoped.substr(colon + 1);
}

// a + b, saturated instead of overflowing (times far in the future, huge `keep` settings).
inline WallUs saturating_add(WallUs a, std::int64_t b) {
    WallUs r = 0;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

}  // namespace tend::jobs

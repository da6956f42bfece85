// The seam between the job queue and durable storage: everything tendd needs from a store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/job.hpp"
#include "queue/core/record_format.hpp"
#include "queue/cron/cron_records.hpp"
#include "supervisor/util/prom_text.hpp"
#include "supervisor/util/result.hpp"

namespace tend::jobs {

// Where a committed spec is kept. Opaque outside its store, which alone reads it back
// (read_spec); the scheduler keeps it in JobEntry::spec_offset/spec_length. The file store: the
// byte range of the spec in jobs.log. A database store: whatever finds the row (the job id
// needs nothing, length 0 is then fine as long as read_spec does not look at it).
struct SpecRef {
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
};

// Cron records written in the same commit as the jobs of a tick, or on their own.
struct CronRecords {
    std::vector<cron::CronDefRecord> defs;
    std::vector<cron::CronStateRecord> states;
    bool empty() const { return defs.empty() && states.empty(); }
};

// What recovery hands back, in the order it was stored: the caller rebuilds its table from it.
class RecoverySink {
  public:
    virtual ~RecoverySink() = default;
    // The next job id must be at least this (ids are never reused, even after pruning).
    virtual void next_id(JobId id) = 0;
    virtual void job(const JobSpec& spec, SpecRef where) = 0;
    virtual void status(const StatusRecord& record) = 0;
    virtual void queue_paused(const std::string& queue, bool paused) = 0;
    virtual void cron_def(const cron::CronDefRecord& record) = 0;
    virtual void cron_state(const cron::CronStateRecord& record) = 0;
};

// The job store. Writes are asynchronous: each call queues its records, and its callback runs
// once they are durable ("this is on disk": only then may a reply, a spawn or a signal act on
// them), or with the error when they were refused. Callbacks run in the order of the calls, on
// the event loop; only record_status runs its callback inside the call, when nothing is queued.
//
// A second store (PostgreSQL, SPEC §9, /work/shared/design/postgres.md) must provide:
//  - recover(): the jobs this tendd must know (its own running ones included: it kills their
//    survivors and re-queues them), queue pauses and cron records;
//  - submit(): one atomic batch (environment, jobs, cron records of the tick) whose callback
//    gives each spec's SpecRef; a failure leaves none of it stored;
//  - record_status(): state changes written in order, never dropped (retried until they are
//    durable). A claim (running + pid) is one of them: a database store fences it (lease);
//  - durability callbacks per call, and the turn hook after each commit, which is when the
//    dispatcher looks at the table again (a database store also calls it when another host
//    changed something this host should act on: a wake-up);
//  - read_spec()/read_env(): a spec or environment by what submit or recovery returned;
//  - forget_jobs(): pruned jobs may go; checkpoint(): whatever keeps storage bounded (the file
//    store rewrites its log; a database store may do nothing).
class JobStore {
  public:
    virtual ~JobStore() = default;

    // Replays what is stored through `sink`. Warnings (a torn tail cut, damage skipped) are
    // reported through the store's own warn callback; an error means tendd must not start.
    virtual Status recover(RecoverySink& sink) = 0;
    // Called once the caller's table is rebuilt and settled (finish_restore): the store may drop
    // what no job uses and start a rewrite that recovery asked for.
    virtual void recovered() = 0;
    // "job log /var/lib/tend/jobs.log": names the store in messages.
    virtual std::string describe() const = 0;

    // ---- writes
    using SubmitDone = std::function<void(Result<std::vector<SpecRef>>)>;
    // Stores `specs` (ids assigned) with their environment `env` and `cron` in one atomic
    // commit. Sets each spec's env_id. Returns where each spec will be known before the commit
    // (length set, offset 0: the table holds the jobs at once); `done` gets the final places.
    virtual std::vector<SpecRef> submit(std::vector<JobSpec>& specs,
                                        const std::vector<std::string>& env, CronRecords cron,
                                        SubmitDone done) = 0;
    // Writes `changes` (never dropped: retried until durable) and runs `durable` once they and
    // everything queued before are durable; at once when nothing is queued or in flight.
    // `urgent` false: the records may wait for the next commit, at the latest a short while
    // (a running job's pid, SPEC §6.3).
    virtual void record_status(std::vector<StatusRecord> changes, bool urgent,
                               std::function<void()> durable) = 0;
    // Pausing or resuming a queue: refused (the callback gets the error) when it cannot be stored.
    virtual void set_paused(const std::string& queue, bool paused,
                            std::function<void(Status)> done) = 0;
    // Cron entry and state records. `droppable` false: retried until durable.
    virtual void write_cron(CronRecords records, bool droppable,
                            std::function<void(Status)> done) = 0;
    // True when nothing is queued or in flight.
    virtual bool idle() const = 0;
    // Runs after every commit attempt (after its callbacks): the dispatcher's next turn.
    virtual void set_turn_hook(std::function<void()> hook) = 0;
    // Runs the turn hook soon (after the requests ready now) even when nothing is written:
    // shutdown uses it to learn that everything has stopped.
    virtual void request_turn() = 0;

    // ---- figures for /metrics (tend_store_*): what this store measures; none by default.
    struct Figures {
        const prom::Histogram* commit = nullptr;  // duration of one commit (write and sync)
        std::uint64_t commit_errors = 0;          // commits that failed
        std::optional<std::uint64_t> log_bytes;   // size of the job log file
        // The PostgreSQL store's (queue/pg); unset on the file store.
        const prom::Histogram* claim = nullptr;   // one claim statement, from send to answer
        std::optional<bool> lease_live;           // this host holds a lease it may claim under
        std::optional<double> lease_remaining_s;  // until it must fence its jobs (0: not live)
        std::optional<std::uint64_t> fences;      // times this host fenced its jobs
        std::optional<bool> listen_up;            // LISTEN/NOTIFY's last self-test passed
    };
    virtual Figures figures() const { return {}; }

    // ---- reads
    virtual Result<JobSpec> read_spec(SpecRef where) const = 0;
    virtual Result<std::vector<std::string>> read_env(std::uint32_t env_id) const = 0;

    // ---- upkeep
    // Jobs pruned from the table (their specs took `spec_bytes` in all).
    virtual void forget_jobs(const std::vector<JobId>& ids, std::uint64_t spec_bytes) = 0;
    // Keeps storage bounded when it is worth it now; checkpoint() starts it regardless.
    virtual void maybe_checkpoint() = 0;
    virtual void checkpoint() = 0;
    // Shutdown: no new upkeep starts.
    virtual void stopping() = 0;
};

}  // namespace tend::jobs

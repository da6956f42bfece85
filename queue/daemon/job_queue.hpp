// The job queue as tendd's other parts use it (design postgres.md §2): the request surface of
// the CLI, what cron fires through, and the figures /metrics and the dashboard read. Every
// store implements it: today JobService (the file store, job_service.hpp); the method table,
// the job and cron handlers, the dashboard and the metrics know only this interface, and the
// composition root (cmd/tendd/daemon.cpp) is the one place that names a store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/job_counters.hpp"
#include "queue/core/job_request_args.hpp"
#include "queue/core/queue_figures.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/cron/cron_entry.hpp"
#include "queue/store/job_store.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {

// The answer to a job request: data, or an error kind and message (protocol::Outcome, which
// the daemon's method table encodes in one place).
using JobReply = protocol::Outcome;
using JobReplier = protocol::Respond;

// One cron tick to enqueue (design §2: fire(entry, tick, spec) -> fired, job id). The cron
// arithmetic (which ticks, catch-up, overlap, jitter) is the cron service's; the store only
// enqueues the tick's job once.
struct CronTick {
    std::string entry;
    std::int64_t tick_s = 0;
    JobSpec spec;  // its key names the tick (cron::tick_key): the same tick never runs twice
    std::vector<std::string> env;
    // The entry's state, stored with the tick's job (the file store: in the same commit).
    CronRecords state;
    // The entry's overlap rule: a store shared by hosts checks `skip` itself (another host may
    // run the entry's last job); the file store leaves it to the cron service.
    cron::Overlap overlap = cron::Overlap::skip;
};
struct CronFired {
    // The tick's job; 0 when the tick was not fired because its job exists already (it was
    // enqueued before a restart), in which case nothing was written.
    JobId job = 0;
};

class JobQueue {
  public:
    using Owners = std::vector<std::optional<std::uint32_t>>;
    virtual ~JobQueue() = default;

    // Starts taking jobs in from the spool (`tend submit` while tendd was down).
    virtual void start_spool_intake() = 0;

    // ---- requests (job_methods.cpp). Every reply may come later: a store that asks a
    // server answers when it has the answer, never by blocking the loop.
    virtual void submit(SubmitRequest request, JobReplier reply) = 0;
    // Lines of a --stdin batch, buffered per client ahead of its `submit` (SubmitIntake).
    virtual JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                                  bool privileged) = 0;
    virtual void submit_buffered(std::uint64_t client, SubmitRequest request, JobReplier reply) = 0;
    virtual void cancel(const std::vector<JobId>& ids, JobReplier reply) = 0;
    virtual void retry(const std::vector<JobId>& ids, JobReplier reply) = 0;
    virtual void set_paused(const std::string& queue, bool paused, JobReplier reply) = 0;
    virtual void set_queue(const QueueSetArgs& args, JobReplier reply) = 0;
    // A reload's [queue.*] (SPEC §5.6): a higher concurrency or weight starts jobs at once;
    // running jobs are never touched.
    virtual void reconfigure(const std::vector<QueueSettings>& queues) = 0;
    // Replies once every job is finished (and that is durable).
    virtual void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) = 0;
    virtual void client_gone(std::uint64_t client) = 0;
    virtual void list(const JobListQuery& query, JobReplier reply) const = 0;
    virtual void show(JobId id, JobReplier reply) const = 0;
    virtual void queues(JobReplier reply) const = 0;
    // The job's output for `tend logs JOB` (not_found for an unknown job).
    virtual void logs(JobId id, JobReplier reply) const = 0;
    // The owner (submitting uid) of each job, nullopt when the job is unknown: `done` gets
    // one per id, in order. The authorization of every job request rests on it.
    virtual void owners(std::vector<JobId> ids, std::function<void(Owners)> done) const = 0;
    // `tend compact`: storage upkeep now.
    virtual void compact_now() = 0;

    // ---- shutdown (daemon.cpp)
    // Shutdown (SPEC §6.5): no new starts; running jobs get TERM and their queue's
    // stop_timeout; those that do not finish are re-queued without using an attempt. `done`
    // runs once no job process is left and everything is durable. `drain` (tend shutdown
    // --drain): running jobs are left to finish instead. Called again without `drain` (and with
    // a null `done`, which keeps the first one), it sends TERM to what still runs.
    virtual void stop_all(std::function<void()> done, bool drain) = 0;
    virtual void kill_all() = 0;
    virtual std::size_t running_count() const = 0;  // job processes on this host
    virtual bool stopping() const = 0;

    // ---- for the cron service (queue/daemon/cron_*.cpp)
    // Cron entries and states as stored (recovered at open); kept current by the cron service.
    virtual cron::CronBook& cron_book() = 0;
    // Writes cron entry and state records. `droppable` false: retried until durable.
    virtual void write_cron(CronRecords records, bool droppable,
                            std::function<void(Status)> done) = 0;
    // Enqueues one tick's job (see CronTick); an error when it was refused (queue full,
    // unknown queue) or could not be stored: the tick is dropped.
    virtual void fire(CronTick tick, std::function<void(Result<CronFired>)> done) = 0;
    // Jobs tendd makes itself (`tend cron run`): refused as a submit would be, else stored as
    // one batch; `done` gets their ids once durable.
    virtual void submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                                 std::function<void(Result<std::vector<JobId>>)> done) = 0;
    // Cancels one job with a reason (overlap = replace); returns whether it was running.
    virtual Result<bool> cancel_job(JobId id, const std::string& reason) = 0;
    // A job's state and last exit, nullopt once it is unknown (pruned).
    virtual std::optional<JobBrief> job_brief(JobId id) const = 0;
    // Whether a queue of this name is configured (submits to it are accepted).
    virtual bool has_queue(const std::string& name) const = 0;
    virtual WallUs now() const = 0;

    // ---- for /metrics and the dashboard
    virtual const char* store_kind() const = 0;  // tend_build_info{store}: "file", ...
    virtual WallUs started_at() const = 0;       // when the queue opened (uptime_s)
    // Counters since tendd started (tend_jobs_*, tend_job_*).
    virtual const JobCounters& counters() const = 0;
    virtual JobStore::Figures store_figures() const = 0;
    virtual std::size_t spool_files_in_flight() const = 0;
    // The queues `tend queues` lists, with their figures.
    virtual std::vector<QueueFigures> queue_figures() const = 0;
};

// The queues as `tend queues --json` lists them, from the queue's figures (the dashboard).
nlohmann::json queues_json(const JobQueue& q);

}  // namespace tend::jobs

// The job queue inside tendd, as the daemon wires it: a facade over its parts (the dispatcher,
// the runner, submit and spool intake, control, views, upkeep) and the store.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_control.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/job_runner.hpp"
#include "queue/daemon/job_spool.hpp"
#include "queue/daemon/job_submit.hpp"
#include "queue/daemon/job_upkeep.hpp"
#include "queue/daemon/job_views.hpp"

namespace tend::jobs {

// Owns the shared context and the parts, opens the store and recovers, and runs the end of each
// commit turn (waiters, the end of a shutdown). Every request goes to the part that owns it.
class JobService {
  public:
    // Opens and checks the spool directory (creating it), then opens the store (STATE/jobs.log)
    // and recovers every job: a torn tail is cut (a warning), jobs that were running are killed
    // if they survived and re-queued as interrupted. Fails on a log it cannot read or of a newer
    // format, naming the file.
    static Result<std::unique_ptr<JobService>> open(JobServiceOptions options);
    ~JobService();

    // Records the spool (opened and checked by `open`, which fails on a spool another user
    // could read or replace) beside the socket for `tend submit`, and takes spooled jobs in
    // now and whenever one is spooled while tendd runs.
    void start_spool_intake() { spool_.start(); }

    // ---- requests (job_methods.cpp)
    void submit(SubmitRequest request, JobReplier reply) {
        submit_.submit(std::move(request), std::move(reply));
    }
    JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines, bool privileged) {
        return submit_.buffer_lines(client, std::move(lines), privileged);
    }
    void submit_buffered(std::uint64_t client, SubmitRequest request, JobReplier reply) {
        submit_.submit_buffered(client, std::move(request), std::move(reply));
    }
    void cancel(const std::vector<JobId>& ids, JobReplier reply) {
        control_.cancel(ids, std::move(reply));
    }
    void retry(const std::vector<JobId>& ids, JobReplier reply) {
        control_.retry(ids, std::move(reply));
    }
    void set_paused(const std::string& queue, bool paused, JobReplier reply) {
        control_.set_paused(queue, paused, std::move(reply));
    }
    void set_queue(const QueueSetArgs& args, JobReplier reply) {
        control_.set_queue(args, std::move(reply));
    }
    // A reload's [queue.*] (SPEC §5.6, Scheduler::reconfigure), then a dispatch turn: a higher
    // concurrency or weight starts jobs at once; running jobs are never touched.
    void reconfigure(const std::vector<QueueSettings>& queues);
    // Replies once every job is finished (and that is on disk).
    void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) {
        control_.wait(std::move(ids), client, std::move(reply));
    }
    void client_gone(std::uint64_t client) {
        submit_.client_gone(client);
        control_.client_gone(client);
    }
    JobReply list(const JobListQuery& query) const { return views_.list(query); }
    JobReply show(JobId id) const { return views_.show(id); }
    JobReply queues() const { return views_.queues(); }
    JobReply logs(JobId id) const { return views_.logs(id); }
    bool knows(JobId id) const { return c_.sched.find(id) != nullptr; }
    // The uid that submitted the job (its owner), or nullopt for an unknown job.
    std::optional<std::uint32_t> owner_of(JobId id) const {
        const JobEntry* e = c_.sched.find(id);
        return e ? std::optional<std::uint32_t>(e->uid) : std::nullopt;
    }
    // Compaction on demand (tests, and `tend` has no command for it): starts one now.
    void compact_now() { c_.store->checkpoint(); }

    // ---- shutdown (daemon.cpp)
    // Shutdown (SPEC §6.5): no new starts; running jobs get TERM and their queue's
    // stop_timeout; those that do not finish are re-queued without using an attempt. `done`
    // runs once no job process is left and the log is committed. `drain` (tend shutdown
    // --drain): running jobs are left to finish instead. Called again without `drain` (and with
    // a null `done`, which keeps the first one), it sends TERM to what still runs.
    void stop_all(std::function<void()> done, bool drain = false);
    void kill_all() { runner_.kill_all(); }
    std::size_t running_count() const { return runner_.running_count(); }

    // ---- for the cron service (queue/daemon/cron_service.cpp)
    const Scheduler& scheduler() const { return c_.sched; }
    cron::CronBook& cron_book() { return c_.cron_book; }
    void submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                         CronRecords cron, std::function<void(Result<std::vector<JobId>>)> done) {
        submit_.submit_internal(std::move(specs), env, std::move(cron), std::move(done));
    }
    // Writes cron entry and state records. `droppable` as JobStore::write_cron.
    void write_cron(CronRecords records, bool droppable, std::function<void(Status)> done) {
        c_.store->write_cron(std::move(records), droppable, std::move(done));
    }
    Result<bool> cancel_job(JobId id, const std::string& reason) {
        return control_.cancel_job(id, reason);
    }
    WallUs now() const { return c_.now(); }
    // For /metrics: counters since tendd started, and what the store measures.
    const JobCounters& counters() const { return c_.counters; }
    JobStore::Figures store_figures() const { return c_.store->figures(); }
    std::size_t spool_files_in_flight() const { return spool_.in_flight(); }
    bool stopping() const { return c_.stopping; }

  private:
    explicit JobService(JobServiceOptions options);
    friend struct JobServiceAccess;

    // Recovery at open (job_recovery.cpp): the table and the cron book from the store.
    Status recover();
    // After each commit: the next turn, waiters, and the end of a shutdown.
    void on_turn();

    JobContext c_;
    Dispatcher dispatch_;
    JobRunner runner_;
    SubmitIntake submit_;
    SpoolIntake spool_;
    JobViews views_;
    JobControl control_;
    JobUpkeep upkeep_;
    std::function<void()> stopped_;
};

}  // namespace tend::jobs

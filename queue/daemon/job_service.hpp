// The job queue on the file store (JobQueue's file implementation), as the daemon wires it: a
// facade over its parts (the dispatcher, the runner, submit and spool intake, control, views,
// upkeep) and the store.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_control.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/job_queue.hpp"
#include "queue/daemon/job_runner.hpp"
#include "queue/daemon/job_spool.hpp"
#include "queue/daemon/job_submit.hpp"
#include "queue/daemon/job_upkeep.hpp"
#include "queue/daemon/job_views.hpp"

namespace tend::jobs {

// The file store's JobQueue (STATE/jobs.log, the in-memory Scheduler). Owns the shared
// context and the parts, opens the store and recovers, and runs the end of each commit turn
// (waiters, the end of a shutdown). Every request goes to the part that owns it.
class JobService final : public JobQueue {
  public:
    // Opens and checks the spool directory (creating it), then opens the store (STATE/jobs.log)
    // and recovers every job: a torn tail is cut (a warning), jobs that were running are killed
    // if they survived and re-queued as interrupted. Fails on a log it cannot read or of a newer
    // format, naming the file.
    static Result<std::unique_ptr<JobService>> open(JobServiceOptions options);
    ~JobService() override;

    // Records the spool (opened and checked by `open`, which fails on a spool another user
    // could read or replace) beside the socket for `tend submit`, and takes spooled jobs in
    // now and whenever one is spooled while tendd runs.
    void start_spool_intake() override { spool_.start(); }

    // ---- requests (job_methods.cpp)
    void submit(SubmitRequest request, JobReplier reply) override {
        submit_.submit(std::move(request), std::move(reply));
    }
    JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                          bool privileged) override {
        return submit_.buffer_lines(client, std::move(lines), privileged);
    }
    void submit_buffered(std::uint64_t client, SubmitRequest request, JobReplier reply) override {
        submit_.submit_buffered(client, std::move(request), std::move(reply));
    }
    void cancel(const std::vector<JobId>& ids, JobReplier reply) override {
        control_.cancel(ids, std::move(reply));
    }
    void retry(const std::vector<JobId>& ids, JobReplier reply) override {
        control_.retry(ids, std::move(reply));
    }
    void set_paused(const std::string& queue, bool paused, JobReplier reply) override {
        control_.set_paused(queue, paused, std::move(reply));
    }
    void set_queue(const QueueSetArgs& args, JobReplier reply) override {
        control_.set_queue(args, std::move(reply));
    }
    // Scheduler::reconfigure, then a dispatch turn.
    void reconfigure(const std::vector<QueueSettings>& queues) override;
    void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) override {
        control_.wait(std::move(ids), client, std::move(reply));
    }
    void client_gone(std::uint64_t client) override {
        submit_.client_gone(client);
        control_.client_gone(client);
    }
    // The table answers at once.
    void list(const JobListQuery& query, JobReplier reply) const override {
        reply(views_.list(query));
    }
    void show(JobId id, JobReplier reply) const override { reply(views_.show(id)); }
    void queues(JobReplier reply) const override { reply(views_.queues()); }
    void logs(JobId id, JobReplier reply) const override { reply(views_.logs(id)); }
    void owners(std::vector<JobId> ids, std::function<void(Owners)> done) const override;
    // Compaction on demand (`tend compact`, tests): starts one now.
    void compact_now() override { c_.store->checkpoint(); }

    // ---- shutdown (daemon.cpp)
    // Shutdown (SPEC §6.5): no new starts; running jobs get TERM and their queue's
    // stop_timeout; those that do not finish are re-queued without using an attempt. `done`
    // runs once no job process is left and the log is committed. `drain` (tend shutdown
    // --drain): running jobs are left to finish instead. Called again without `drain` (and with
    // a null `done`, which keeps the first one), it sends TERM to what still runs.
    void stop_all(std::function<void()> done, bool drain) override;
    void kill_all() override { runner_.kill_all(); }
    std::size_t running_count() const override { return runner_.running_count(); }
    bool stopping() const override { return c_.stopping; }

    // ---- for the cron service (queue/daemon/cron_service.cpp)
    cron::CronBook& cron_book() override { return c_.cron_book; }
    void write_cron(CronRecords records, bool droppable,
                    std::function<void(Status)> done) override {
        c_.store->write_cron(std::move(records), droppable, std::move(done));
    }
    // A tick whose key is in the table was enqueued before a restart; else submit_internal
    // with the entry's state in the same commit.
    void fire(CronTick tick, std::function<void(Result<CronFired>)> done) override;
    void submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                         std::function<void(Result<std::vector<JobId>>)> done) override {
        submit_.submit_internal(std::move(specs), env, {}, std::move(done));
    }
    Result<bool> cancel_job(JobId id, const std::string& reason) override {
        return control_.cancel_job(id, reason);
    }
    std::optional<JobBrief> job_brief(JobId id) const override;
    bool has_queue(const std::string& name) const override;
    WallUs now() const override { return c_.now(); }

    // ---- for /metrics and the dashboard
    const char* store_kind() const override { return "file"; }
    WallUs started_at() const override { return c_.started_at; }
    const JobCounters& counters() const override { return c_.counters; }
    JobStore::Figures store_figures() const override { return c_.store->figures(); }
    std::size_t spool_files_in_flight() const override { return spool_.in_flight(); }
    std::vector<QueueFigures> queue_figures() const override {
        return listed_queue_figures(c_.sched);
    }

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

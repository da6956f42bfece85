// What users do to jobs that exist: wait for them, cancel, retry, pause and resume queues.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/job_runner.hpp"
#include "queue/daemon/job_views.hpp"

namespace tend::jobs {

// Owns the clients waiting for jobs to finish (`tend wait`). Every reply comes once what it
// reports is durable.
class JobControl {
  public:
    JobControl(JobContext& c, Dispatcher& d, JobRunner& runner, const JobViews& views)
        : c_(c), d_(d), runner_(runner), views_(views) {}

    // Replies once every job is finished (and that is on disk).
    void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply);
    // Answers the waiters whose jobs are all finished (after a commit).
    void answer_waiters();
    void client_gone(std::uint64_t client);
    void cancel(const std::vector<JobId>& ids, JobReplier reply);
    void retry(const std::vector<JobId>& ids, JobReplier reply);
    void set_paused(const std::string& queue, bool paused, JobReplier reply);
    // `tend queue set` (SPEC §4): every key or none; applied at once, in memory only (the next
    // reload or start takes the config's values again). Replies with the queue as `tend queues`.
    void set_queue(const QueueSetArgs& args, JobReplier reply);
    // Cancels one job with a reason: at once when it waits, by TERM (once the cancel is on
    // disk) when it runs. Returns whether it was running.
    Result<bool> cancel_job(JobId id, const std::string& reason);

  private:
    JobContext& c_;
    Dispatcher& d_;
    JobRunner& runner_;
    const JobViews& views_;
    struct Waiter {
        std::vector<JobId> ids;
        std::uint64_t client;
        JobReplier reply;
    };
    std::vector<Waiter> waiters_;
};

}  // namespace tend::jobs

// Taking jobs in: submits over the socket (single, --stdin batches), and tendd's own (cron).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/job_context.hpp"
#include "queue/daemon/job_dispatcher.hpp"
#include "queue/daemon/submit_batches.hpp"

namespace tend::jobs {

// Owns the --stdin batches buffered per client until their `submit`. Every accepted submit is
// one atomic store write, acknowledged once durable.
class SubmitIntake {
  public:
    SubmitIntake(JobContext& c, Dispatcher& d) : c_(c), d_(d), batches_(c.opt.budget) {}

    void submit(SubmitRequest request, JobReplier reply);
    // Lines of a --stdin batch, sent ahead of its `submit` on the same connection. Past the
    // per-client cap or the global bound (`privileged`: the client may use the reserve), the
    // whole batch is dropped and refused, and so is its `submit` (nothing of it is stored).
    JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines, bool privileged);
    void submit_buffered(std::uint64_t client, SubmitRequest request, JobReplier reply);
    void client_gone(std::uint64_t client);
    // Jobs made by tendd itself (cron ticks): refused as a submit would be (unknown queue,
    // max_pending), else committed as one batch, with `cron` (cron state) in the same commit.
    void submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                         CronRecords cron, std::function<void(Result<std::vector<JobId>>)> done);
    // Stores jobs whose ids are assigned: in the table at once, acknowledged by `done` once
    // durable (or forgotten again when the store refuses them); counted by `source` once
    // durable, or as refused (io) when the store fails.
    void commit_submit(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                       std::function<void(Result<std::vector<JobId>>)> done, CronRecords cron = {},
                       SubmitSource source = SubmitSource::cli);

  private:
    std::optional<JobReply> check_shape(const SubmitRequest& r) const;

    JobContext& c_;
    Dispatcher& d_;
    SubmitBatches batches_;
};

}  // namespace tend::jobs

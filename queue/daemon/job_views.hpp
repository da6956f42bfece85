// Read-only views of jobs and queues for `tend jobs`, `show`, `queues`, `logs` and `wait`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "queue/core/job_render.hpp"
#include "queue/core/job_request_args.hpp"
#include "queue/core/queue_figures.hpp"
#include "queue/daemon/job_context.hpp"

namespace tend::jobs {

// Owns nothing: reads the table, and the store for what the table does not keep (commands).
// Jobs are rendered by queue/core/job_render (which `tend` also uses while tendd is down).
class JobViews {
  public:
    explicit JobViews(const JobContext& c) : c_(c) {}

    JobReply list(const JobListQuery& query) const;
    JobReply show(JobId id) const;
    JobReply queues() const;
    // The output file of a job, for `tend logs JOB`.
    JobReply logs(JobId id) const;
    nlohmann::json queue_json(std::uint16_t queue) const;

  private:
    // The rendering is the model's (queue/core/job_render.hpp), shared with `tend` offline.
    JobReadContext read_context() const;

    const JobContext& c_;
};

}  // namespace tend::jobs

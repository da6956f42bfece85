// Read-only views of jobs and queues for `tend jobs`, `show`, `queues`, `logs` and `wait`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/job_context.hpp"

namespace tend::jobs {

// Owns nothing: reads the table, and the store for what the table does not keep (commands).
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
    nlohmann::json job_json(const JobEntry& e) const;
    // The same object as compact JSON text (job_text.cpp); job_json parses it. Without
    // `details` (another user's job), what the job does is hidden.
    void append_job_text(std::string& out, const JobEntry& e, bool details = true) const;

    const JobContext& c_;
};

}  // namespace tend::jobs

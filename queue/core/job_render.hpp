// Jobs as the protocol shows them (`tend jobs`, `show`, `logs JOB`): tendd's answers, and the
// same answers `tend` computes from a stopped daemon's state dir (queue/store/job_log_view).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "queue/core/job_request_args.hpp"
#include "queue/core/scheduler.hpp"
#include "queue/store/job_store.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {

// What rendering needs besides the table: the specs (kept on disk only), the state dir (for
// output paths) and the time (for "why it waits").
struct JobReadContext {
    const Scheduler& sched;
    std::function<Result<JobSpec>(SpecRef)> read_spec;
    std::string state_dir;
    WallUs now = 0;
};

// STATE/jobs/output/ID.log: where a job's output is captured.
std::string job_output_path(const std::string& state_dir, std::uint64_t id);

// One job as compact JSON text (job_render.cpp). Without `details` (another user's job, SPEC
// §8), what the job does is hidden.
void append_job_text(std::string& out, const JobReadContext& c, const JobEntry& e,
                     bool details = true);
// One page of `tend jobs` (at most kMaxListPage), newest first, as a JSON array's text.
protocol::Outcome list_jobs(const JobReadContext& c, const JobListQuery& query);
protocol::Outcome show_job(const JobReadContext& c, JobId id);
// The output file of a job, for `tend logs JOB`.
protocol::Outcome job_logs(const JobReadContext& c, JobId id);

}  // namespace tend::jobs

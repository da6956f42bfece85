// The answers of the PostgreSQL store's reads, rendered from decoded rows (pg_decode_reads.hpp)
// exactly as the file store renders its own (queue/core/job_render, queue_figures_json): the
// same fields, types and meanings, plus what only this store knows (the host that runs or ran
// a job, the history of its runs). Pure: rows and the time in, protocol answers out.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "queue/core/queue_figures.hpp"
#include "queue/core/queue_settings.hpp"
#include "queue/pg/pg_decode_reads.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::pg {

// What rendering needs besides the rows.
struct ViewEnv {
    std::string state_dir;                    // this host's output files: STATE/jobs/output/ID.log
    std::string host_name;                    // this host ([daemon] host_name)
    std::vector<jobs::QueueSettings> queues;  // configured here: a job's default timeout
    jobs::WallUs now = 0;
};

// Why a waiting job waits (null text for the others), from the columns the statement gives.
std::string pg_why_waiting(const JobView& j);

// One job as compact JSON text, keys as job_render's plus "host" (and "history" when `runs`
// is given). Without `details` (another user's job, SPEC §8) what it does is hidden.
void append_pg_job_text(std::string& out, const JobView& j, const ViewEnv& env, bool details,
                        const std::vector<RunView>* runs = nullptr);

// `tend jobs`: the page as a JSON array's text; `viewer_uid` hides other users' details.
protocol::Outcome pg_list_answer(const std::vector<JobView>& jobs, const ViewEnv& env,
                                 std::optional<std::uint32_t> viewer_uid);
// `tend show`: the job with its runs, or not_found.
protocol::Outcome pg_show_answer(jobs::JobId id, const std::vector<JobView>& jobs,
                                 const std::vector<RunView>& runs, const ViewEnv& env);

// `tend logs JOB`: the local file (as the file store answers) when this host runs the job, or
// ran it last and still has the file, or it never ran; else the output tail stored with its
// last run, naming the host: {"output": "tail", "host", "tail", "live"} (live: it runs there
// now, so its newest output is only on that host). not_found for an unknown job.
protocol::Outcome pg_logs_answer(jobs::JobId id, const std::optional<LogsView>& v,
                                 const ViewEnv& env, bool local_file_exists);

// The queues `tend queues` lists: the configured ones in config order, then the others that
// hold unfinished jobs (configured false), each with the database's figures.
struct PgQueueFigures {
    jobs::QueueFigures figures;
    std::optional<int64_t> slots_taken;  // under global_concurrency
};
std::vector<PgQueueFigures> pg_queue_figures(const std::vector<QueueStatsView>& rows,
                                             const std::vector<jobs::QueueSettings>& configured);
// queue_figures_json's object plus "global_concurrency" and "slots_taken" (null without one).
nlohmann::json pg_queue_json(const PgQueueFigures& q, jobs::WallUs now, jobs::WallUs started_at);

}  // namespace tend::pg

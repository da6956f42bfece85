// Submitting jobs to the PostgreSQL store (design postgres.md §4.3): a batch of JobSpecs as the
// JSON that tend.submit reads, the statement that calls it, and its answer. Shared by the
// request path (tend submit), cron ticks and `tend cron run`, so one encoding reaches the
// database whoever submits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "queue/core/job.hpp"
#include "queue/pg/pg_decode.hpp"

namespace tend::pg {

// tend.submit($1 queue, $2 jobs jsonb, $3 env text[], hash, $4 token uuid, $5 by) -> one row per
// job, in order: (id, deduplicated). The environment's hash is computed by the server from the
// array's text form (unambiguous: quoted and escaped), so two environments never share a row.
// A retried token returns the first answer (tend.submit_log), which makes a retry after an
// ambiguous send safe.
inline constexpr std::string_view submit_sql =
    "SELECT job_id, deduplicated FROM tend.submit($1::text, $2::jsonb, $3::text[], "
    "sha256(convert_to($3::text[]::text, 'UTF8')), $4::uuid, $5::text)";

// One batch: every job goes to one queue and shares one environment.
struct SubmitBatch {
    std::string queue;
    std::vector<jobs::JobSpec> specs;  // queue, id, env_id and spool_token are ignored
    std::vector<std::string> env;
    std::string token;  // new_submit_token(): the same token for a retry of the same batch
    std::string by;     // submitted_by: "uid:1000", "cron:NAME", "direct:ROLE"
};

struct SubmittedJob {
    int64_t id = 0;
    bool deduplicated = false;  // the live holder of the job's key, not a new job
};

// The jobs array tend.submit reads: argv, shell, cwd, key, name, priority, run_at (when set),
// max_attempts (when set), timeout_us, uid, gid, after.
std::string submit_jobs_json(const std::vector<jobs::JobSpec>& specs);
// A random UUID (version 4) in text form, from the kernel's random pool.
std::string new_submit_token();
Result<std::vector<SubmittedJob>> decode_submit(const Rows& rows);

}  // namespace tend::pg

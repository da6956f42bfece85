// The read statements of the PostgreSQL store (design postgres.md §12): owners, one job and
// its runs, a page of jobs, a job's output, its brief, and the queue figures. Reads only: each
// is one statement in its own implicit transaction (one snapshot), every parameter cast
// explicitly. Pure text: PgJobViews (pg_job_views.hpp) sends them, pg_decode_reads.hpp reads
// their rows.
#pragma once

#include <string_view>

namespace tend::pg {

// owners($1 ids) -> (id, uid) rows; a job without a uid (inserted by hand) is root's, so only
// admins may touch it.
inline constexpr std::string_view owners_sql =
    "SELECT id, coalesce(uid, 0) FROM tend.job WHERE id = ANY ($1::bigint[])";

// The columns of one job as `tend jobs` and `show` render it (pg_decode_reads.hpp JobView,
// in this order), over `tend.job j LEFT JOIN tend.host h ON h.id = j.host_id LEFT JOIN
// tend.queue q ON q.name = j.queue`. Times are µs since the epoch. host: the host running it,
// else the host of its last run (tend.run's primary key gives the newest run directly). The
// last four say why a waiting job waits: its unfinished dependencies (blocked), its queue
// paused, the global slots taken (pending, under global_concurrency), and whether any live
// host serves its queue (pending). Each subquery runs only for the rows that need it.
#define TEND_PG_JOB_COLUMNS                                                                    \
    " j.id, j.queue, j.state, j.priority, j.attempt, j.max_attempts, j.runs, j.name, j.argv,"  \
    " j.shell, j.cwd, j.key, coalesce(j.uid, 0),"                                              \
    " (extract(epoch FROM j.submitted_at) * 1000000)::bigint,"                                 \
    " (extract(epoch FROM j.run_at) * 1000000)::bigint,"                                       \
    " (extract(epoch FROM j.started_at) * 1000000)::bigint,"                                   \
    " (extract(epoch FROM j.finished_at) * 1000000)::bigint,"                                  \
    " j.exit_code, j.exit_signal, j.pid, j.interrupted, j.reason, j.timeout_us,"               \
    " ARRAY(SELECT d.after_id FROM tend.dep d WHERE d.job_id = j.id ORDER BY d.after_id),"     \
    " coalesce(h.name, (SELECT r.host FROM tend.run r WHERE r.job_id = j.id"                   \
    "                   ORDER BY r.run DESC LIMIT 1)),"                                        \
    " CASE WHEN j.state = 'blocked' THEN"                                                      \
    "   ARRAY(SELECT d.after_id FROM tend.dep d JOIN tend.job x ON x.id = d.after_id"          \
    "   WHERE d.job_id = j.id AND x.state NOT IN ('succeeded', 'failed', 'dead', 'cancelled')" \
    "   ORDER BY d.after_id) END,"                                                             \
    " coalesce(q.paused, false), q.global_limit,"                                              \
    " CASE WHEN j.state = 'pending' AND q.global_limit IS NOT NULL THEN"                       \
    "   (SELECT count(*) FROM tend.slot s WHERE s.queue = j.queue AND s.job_id IS NOT NULL)"   \
    " END,"                                                                                    \
    " CASE WHEN j.state = 'pending' THEN"                                                      \
    "   EXISTS (SELECT 1 FROM tend.host hh WHERE j.queue = ANY (hh.queues)"                    \
    "           AND hh.lease_until > now()) END"

#define TEND_PG_JOB_FROM                                                                           \
    " FROM tend.job j LEFT JOIN tend.host h ON h.id = j.host_id LEFT JOIN tend.queue q ON q.name " \
    "= j.queue"

// show_job($1 id) -> 0 or 1 row: the job columns plus its place in the claim order (pending
// only: the jobs of its queue a claim takes first, + 1; the job_claim index), then its
// submitter (last: added with direct submits, design §11).
inline constexpr std::string_view show_job_sql = "SELECT" TEND_PG_JOB_COLUMNS R"SQL(,
  CASE WHEN j.state = 'pending' THEN 1 + (SELECT count(*) FROM tend.job p
    WHERE p.queue = j.queue AND p.state = 'pending'
      AND (p.priority > j.priority OR (p.priority = j.priority
           AND (p.run_at < j.run_at OR (p.run_at = j.run_at AND p.id < j.id))))) END,
  j.submitted_by)SQL" TEND_PG_JOB_FROM " WHERE j.id = $1::bigint";

// show_runs($1 id) -> the job's newest 100 runs, newest first: (run, host, started µs,
// finished µs, exit code, signal, outcome, bytes of output kept).
inline constexpr std::string_view show_runs_sql =
    "SELECT run, host, (extract(epoch FROM started_at) * 1000000)::bigint, "
    "(extract(epoch FROM finished_at) * 1000000)::bigint, exit_code, exit_signal, outcome, "
    "coalesce(octet_length(output_tail), 0) FROM tend.run WHERE job_id = $1::bigint "
    "ORDER BY run DESC LIMIT 100";

// list_jobs($1 state or NULL, $2 queue or NULL, $3 before (0: from the newest), $4 limit) ->
// job column rows, newest first (the primary key backwards; no position: it costs a count
// per row, `tend show` gives it).
inline constexpr std::string_view list_jobs_sql =
    "SELECT" TEND_PG_JOB_COLUMNS ", NULL::bigint, j.submitted_by" TEND_PG_JOB_FROM
    " WHERE ($1::tend.job_state IS NULL OR j.state = $1::tend.job_state)"
    " AND ($2::text IS NULL OR j.queue = $2::text)"
    " AND ($3::bigint = 0 OR j.id < $3::bigint)"
    " ORDER BY j.id DESC LIMIT $4::int";

#undef TEND_PG_JOB_COLUMNS
#undef TEND_PG_JOB_FROM

// job_logs($1 id) -> 0 or 1 row: (state, the host running it, the host of its last run, that
// run's output tail): where `tend logs JOB` finds the output.
inline constexpr std::string_view job_logs_sql = R"SQL(
SELECT j.state, h.name, r.host, r.output_tail
FROM tend.job j LEFT JOIN tend.host h ON h.id = j.host_id AND j.state = 'running'
LEFT JOIN LATERAL (SELECT x.host, x.output_tail FROM tend.run x WHERE x.job_id = j.id
                   ORDER BY x.run DESC LIMIT 1) r ON true
WHERE j.id = $1::bigint)SQL";

// job_brief($1 id) -> 0 or 1 row: (state, exit code, signal), for `tend wait` and cron.
inline constexpr std::string_view job_brief_sql =
    "SELECT state, exit_code, exit_signal FROM tend.job WHERE id = $1::bigint";

// queue_stats($1 since: this tendd's start) -> one row per queue of tend.queue: (name, paused,
// global_limit, max_pending, pending, scheduled, blocked, running, dead; then the jobs that
// ended since $1: succeeded, failed, dead, cancelled; oldest waiting submit µs, slots taken). Live
// states are counted through their partial indexes (one branch per state, so each uses its own);
// finished ones through job_finished since $1 (the file store's counters count since tendd started,
// too).
inline constexpr std::string_view queue_stats_sql = R"SQL(
WITH c AS (
  SELECT queue, 'pending' AS st, count(*) AS n, min(submitted_at) AS oldest
    FROM tend.job WHERE state = 'pending' GROUP BY queue
  UNION ALL SELECT queue, 'scheduled', count(*), min(submitted_at)
    FROM tend.job WHERE state = 'scheduled' GROUP BY queue
  UNION ALL SELECT queue, 'blocked', count(*), min(submitted_at)
    FROM tend.job WHERE state = 'blocked' GROUP BY queue
  UNION ALL SELECT queue, 'running', count(*), NULL
    FROM tend.job WHERE state = 'running' GROUP BY queue
  UNION ALL SELECT queue, 'dead', count(*), NULL FROM tend.job WHERE state = 'dead' GROUP BY queue
  UNION ALL SELECT queue, 'ended ' || state::text, count(*), NULL FROM tend.job
    WHERE finished_at >= $1::timestamptz AND state IN ('succeeded', 'failed', 'dead', 'cancelled')
    GROUP BY queue, state
)
SELECT q.name, q.paused, q.global_limit, q.max_pending,
  coalesce(sum(c.n) FILTER (WHERE c.st = 'pending'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'scheduled'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'blocked'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'running'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'dead'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'ended succeeded'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'ended failed'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'ended dead'), 0),
  coalesce(sum(c.n) FILTER (WHERE c.st = 'ended cancelled'), 0),
  (extract(epoch FROM min(c.oldest)) * 1000000)::bigint,
  (SELECT count(*) FROM tend.slot s WHERE s.queue = q.name AND s.job_id IS NOT NULL)
FROM tend.queue q LEFT JOIN c ON c.queue = q.name
GROUP BY q.name, q.paused, q.global_limit, q.max_pending
ORDER BY q.name)SQL";

// serving_hosts -> (queue, live hosts serving it) rows: the H of the fair share under a global
// limit (pg_model_listen.hpp), from the hosts' leases.
inline constexpr std::string_view serving_hosts_sql =
    "SELECT q, count(*) FROM tend.host h, unnest(h.queues) AS q "
    "WHERE h.lease_until > now() GROUP BY q";

}  // namespace tend::pg

// The job statements of the PostgreSQL store (design postgres.md §4.4-§4.8): claim, the
// global-slot claim, the fenced finish, rescue, promote, cancel, retry, prune, queue sync and
// pause. Each is ONE statement (its own implicit transaction, sent with its own sync); every
// parameter has an explicit cast (§4.1 rule 3); locks are taken in the order host -> job rows
// -> slot rows -> queue row (rule 1); no row is changed by two CTEs of one statement (rule 2).
// Pure text: PgJobStore (pg_job_store.hpp) sends them, pg_decode.hpp reads their rows.
#pragma once

#include <span>
#include <string_view>

namespace tend::pg {

// claim($1 queue, $2 host id, $3 n = free local slots) -> ClaimedJob rows (0..n).
// SKIP LOCKED splits the head of the queue between claimers; a row another claimer committed
// after our snapshot is re-checked on its newest version and fails state = 'pending'. Each
// claim takes a new fencing token (lease). A paused or unknown queue gives no rows. The queue
// row (depth) is locked last.
inline constexpr std::string_view claim_sql = R"SQL(
WITH c AS (
  SELECT j.id FROM tend.job j
  WHERE j.queue = $1::text AND j.state = 'pending'
    AND NOT coalesce((SELECT q.paused FROM tend.queue q WHERE q.name = $1::text), true)
  ORDER BY j.priority DESC, j.run_at, j.id LIMIT $3::int
  FOR UPDATE OF j SKIP LOCKED
), u AS (
  UPDATE tend.job j SET state = 'running', host_id = $2::bigint, lease = nextval('tend.lease_seq'),
    started_at = now(), attempt = j.attempt + CASE WHEN j.repeat_attempt THEN 0 ELSE 1 END,
    repeat_attempt = false, runs = j.runs + 1, interrupted = false, reason = '', pid = NULL,
    finished_at = NULL, exit_code = NULL, exit_signal = NULL
  FROM c WHERE j.id = c.id
  RETURNING j.id, j.lease, j.attempt, j.max_attempts, j.runs, j.argv, j.shell, j.cwd, j.env_id,
            j.timeout_us, j.uid, j.gid, j.name, j.checkpoint, coalesce(j.groups, '{}') AS groups
), d AS (
  UPDATE tend.queue q SET depth = q.depth - (SELECT count(*) FROM u)
  WHERE q.name = $1::text AND EXISTS (SELECT 1 FROM u)
)
SELECT * FROM u ORDER BY id)SQL";

// claim_limited($1 queue, $2 host id, $3 n): claim under [queue.X] global_concurrency. Free
// slot rows are taken first (SKIP LOCKED: never waits), at most as many jobs as slots, and
// slots and jobs are paired by row_number() in the same statement, so running <= global_limit
// always, without a hot counter row. Slot rows numbered above the queue's current limit are
// never used (queue_sync deletes them once free). Same rows as claim.
inline constexpr std::string_view claim_limited_sql = R"SQL(
WITH s AS (
  SELECT sl.n FROM tend.slot sl
  WHERE sl.queue = $1::text AND sl.job_id IS NULL
    AND sl.n <= coalesce((SELECT q.global_limit FROM tend.queue q WHERE q.name = $1::text), 0)
  ORDER BY sl.n LIMIT $3::int
  FOR UPDATE OF sl SKIP LOCKED
), c AS (
  SELECT j.id, j.priority, j.run_at FROM tend.job j
  WHERE j.queue = $1::text AND j.state = 'pending'
    AND NOT coalesce((SELECT q.paused FROM tend.queue q WHERE q.name = $1::text), true)
  ORDER BY j.priority DESC, j.run_at, j.id LIMIT (SELECT count(*) FROM s)
  FOR UPDATE OF j SKIP LOCKED
), pair AS (
  SELECT cj.id, sn.n
  FROM (SELECT id, row_number() OVER (ORDER BY priority DESC, run_at, id) AS k FROM c) cj
  JOIN (SELECT n, row_number() OVER (ORDER BY n) AS k FROM s) sn ON sn.k = cj.k
), u AS (
  UPDATE tend.job j SET state = 'running', host_id = $2::bigint, lease = nextval('tend.lease_seq'),
    started_at = now(), attempt = j.attempt + CASE WHEN j.repeat_attempt THEN 0 ELSE 1 END,
    repeat_attempt = false, runs = j.runs + 1, interrupted = false, reason = '', pid = NULL,
    finished_at = NULL, exit_code = NULL, exit_signal = NULL
  FROM pair WHERE j.id = pair.id
  RETURNING j.id, j.lease, j.attempt, j.max_attempts, j.runs, j.argv, j.shell, j.cwd, j.env_id,
            j.timeout_us, j.uid, j.gid, j.name, j.checkpoint, coalesce(j.groups, '{}') AS groups
), taken AS (
  UPDATE tend.slot sl SET job_id = pair.id FROM pair
  WHERE sl.queue = $1::text AND sl.n = pair.n
), d AS (
  UPDATE tend.queue q SET depth = q.depth - (SELECT count(*) FROM u)
  WHERE q.name = $1::text AND EXISTS (SELECT 1 FROM u)
)
SELECT * FROM u ORDER BY id)SQL";

// env($1 id) -> one row (vars, text[]), or none: a claimed job's environment, which hosts
// cache by id (jobs submitted with the same variables share one row).
inline constexpr std::string_view env_sql = "SELECT vars FROM tend.env WHERE id = $1::bigint";

// set_pid($1 id, $2 lease, $3 pid): the run's process, under the fence. 1 row or 0 (fenced).
inline constexpr std::string_view set_pid_sql =
    "UPDATE tend.job SET pid = $3::int WHERE id = $1::bigint AND lease = $2::bigint "
    "AND state = 'running' RETURNING id";

// finish($1 id, $2 lease, $3 state, $4 exit code, $5 signal, $6 run_at of a retry (NULL:
// unchanged), $7 reason, $8 host name, $9 outcome, $10 checkpoint (NULL: unchanged), $11 output
// tail) -> FinishResult: one row, or none when the fence (id, lease, running) does not hold
// (the run was rescued or cancelled elsewhere: the caller checks finish_check_sql after an
// ambiguous send). A job whose cancel was requested ends cancelled whatever $3 says. Its blocked
// dependents are released on success and cancelled transitively otherwise, all in one UPDATE
// (rule 2); the run is recorded, its slot freed, depth changed by one UPDATE per queue. wake:
// the queues where a job became pending or a slot became free.
// $3: succeeded | failed | dead | cancelled (final), pending | scheduled (run again: a retry
// after a failure, a yield, an interrupted run). $9: succeeded | failed | timeout | yielded |
// interrupted | cancelled ... (free text for tend.run; yielded and interrupted keep the attempt).
inline constexpr std::string_view finish_sql = R"SQL(
WITH RECURSIVE done AS (
  UPDATE tend.job j SET
    state = CASE WHEN j.cancel_requested THEN 'cancelled' ELSE $3::tend.job_state END,
    exit_code = $4::int, exit_signal = $5::int, run_at = coalesce($6::timestamptz, j.run_at),
    repeat_attempt = ($9::text IN ('yielded', 'interrupted')),
    interrupted = ($9::text = 'interrupted'),
    finished_at = CASE WHEN j.cancel_requested
                         OR $3::tend.job_state IN ('succeeded', 'failed', 'dead', 'cancelled')
                       THEN now() END,
    checkpoint = coalesce($10::bytea, j.checkpoint),
    reason = CASE WHEN j.cancel_requested AND j.reason <> '' THEN j.reason ELSE $7::text END,
    host_id = NULL, lease = NULL, pid = NULL
  WHERE j.id = $1::bigint AND j.lease = $2::bigint AND j.state = 'running'
  RETURNING j.id, j.queue, j.state, j.runs, j.started_at
), doomed AS (
  SELECT d.job_id FROM tend.dep d JOIN done ON d.after_id = done.id
  WHERE done.state IN ('failed', 'dead', 'cancelled')
  UNION SELECT d.job_id FROM tend.dep d JOIN doomed ON d.after_id = doomed.job_id
), deps AS (
  UPDATE tend.job c SET
    unmet_deps = c.unmet_deps - CASE WHEN x.doomed THEN 0 ELSE 1 END,
    state = CASE WHEN x.doomed THEN 'cancelled' WHEN c.unmet_deps > 1 THEN 'blocked'
                 WHEN c.run_at > now() THEN 'scheduled' ELSE 'pending' END::tend.job_state,
    finished_at = CASE WHEN x.doomed THEN now() END,
    reason = CASE WHEN x.doomed THEN 'cancelled: dependency ' || $1::bigint || ' did not succeed'
                  ELSE '' END
  FROM (SELECT job_id, true AS doomed FROM doomed
        UNION ALL SELECT d.job_id, false FROM tend.dep d JOIN done ON d.after_id = done.id
                  WHERE done.state = 'succeeded') x
  WHERE c.id = x.job_id AND c.state = 'blocked'
  RETURNING c.queue, c.state
), run AS (
  INSERT INTO tend.run (job_id, run, lease, host, started_at, exit_code, exit_signal, outcome,
                        output_tail)
  SELECT id, runs, $2::bigint, $8::text, started_at, $4::int, $5::int, $9::text, $11::bytea
  FROM done
), slot AS (
  UPDATE tend.slot s SET job_id = NULL FROM done WHERE s.job_id = done.id RETURNING s.queue
), depth AS (
  UPDATE tend.queue q SET depth = q.depth + x.delta
  FROM (SELECT queue, sum(delta) AS delta FROM (
          SELECT queue, 1 AS delta FROM done WHERE state IN ('pending', 'scheduled')
          UNION ALL SELECT queue, -1 FROM deps WHERE state = 'cancelled') y GROUP BY queue) x
  WHERE q.name = x.queue AND x.delta <> 0
)
SELECT done.id, done.state,
       ARRAY(SELECT queue FROM deps WHERE state = 'pending' UNION SELECT queue FROM done
             WHERE state = 'pending' UNION SELECT queue FROM slot) AS wake
FROM done)SQL";

// finish_check($1 id, $2 lease): after an ambiguous finish (rule 5), whether it committed:
// one row when tend.run has the run of that fencing token.
inline constexpr std::string_view finish_check_sql =
    "SELECT 1 FROM tend.run WHERE job_id = $1::bigint AND lease = $2::bigint";

// running_of_host($1 host id) -> (id, lease) rows: the runs the database gives this host, for
// reconciling after an ambiguous claim (rule 5) and for cancel polling (cancel_requested).
inline constexpr std::string_view running_of_host_sql =
    "SELECT id, lease, cancel_requested FROM tend.job WHERE host_id = $1::bigint "
    "AND state = 'running' ORDER BY id";

// rescue($1 grace) -> RescueResult: re-queues the running jobs of ONE host whose lease ended
// more than the grace ago; the caller runs it again while it returns a host. DELETE ...
// RETURNING hands a dead host to exactly one rescuer; each job is re-checked under its fence
// (running, same lease). A rescued job keeps its attempt; its third rescue uses one, and with
// none left it ends dead (a job that kills its host cannot loop); one whose cancel was
// requested ends cancelled. Jobs ended for good cancel their blocked dependents transitively.
inline constexpr std::string_view rescue_sql = R"SQL(
WITH RECURSIVE dead AS (
  DELETE FROM tend.host WHERE id = (SELECT h.id FROM tend.host h
                                    WHERE h.lease_until < now() - $1::interval
                                    ORDER BY h.id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING id, name
), old AS (
  SELECT j.id, j.lease, j.runs, j.started_at, dead.name AS host, j.cancel_requested AS cancel,
         (j.rescues >= 2 AND j.attempt >= j.max_attempts) AS spent
  FROM tend.job j JOIN dead ON j.host_id = dead.id WHERE j.state = 'running'
), r AS (
  UPDATE tend.job j SET
    state = CASE WHEN old.cancel THEN 'cancelled' WHEN old.spent THEN 'dead'
                 ELSE 'pending' END::tend.job_state,
    finished_at = CASE WHEN old.cancel OR old.spent THEN now() END,
    repeat_attempt = (j.rescues < 2), interrupted = true, rescues = j.rescues + 1,
    reason = 'interrupted: host ' || old.host || ' stopped renewing its lease',
    host_id = NULL, lease = NULL, pid = NULL
  FROM old WHERE j.id = old.id AND j.state = 'running' AND j.lease = old.lease
  RETURNING j.id, j.queue, j.state, old.lease, old.runs, old.started_at, old.host
), doomed AS (
  SELECT d.job_id FROM tend.dep d JOIN r ON d.after_id = r.id WHERE r.state IN ('dead', 'cancelled')
  UNION SELECT d.job_id FROM tend.dep d JOIN doomed ON d.after_id = doomed.job_id
), deps AS (
  UPDATE tend.job c SET state = 'cancelled', finished_at = now(),
    reason = 'cancelled: a dependency did not succeed'
  FROM doomed x WHERE c.id = x.job_id AND c.state = 'blocked'
  RETURNING c.queue
), run AS (
  INSERT INTO tend.run (job_id, run, lease, host, started_at, outcome)
  SELECT id, runs, lease, host, started_at, 'interrupted' FROM r
), slot AS (
  UPDATE tend.slot s SET job_id = NULL FROM r WHERE s.job_id = r.id
), depth AS (
  UPDATE tend.queue q SET depth = q.depth + x.delta
  FROM (SELECT queue, sum(delta) AS delta FROM (
          SELECT queue, 1 AS delta FROM r WHERE state = 'pending'
          UNION ALL SELECT queue, -1 FROM deps) y GROUP BY queue) x
  WHERE q.name = x.queue AND x.delta <> 0
)
SELECT (SELECT name FROM dead) AS host, (SELECT count(*) FROM r) AS jobs,
       ARRAY(SELECT DISTINCT queue FROM r WHERE state = 'pending') AS wake)SQL";

// promote($1 limit) -> PromoteResult: due scheduled jobs become pending (depth unchanged:
// both count), the queues to wake, and how long until the next scheduled job not promoted now
// (µs, negative when already due, NULL when none: the caller's timer).
inline constexpr std::string_view promote_sql = R"SQL(
WITH due AS (
  SELECT j.id FROM tend.job j WHERE j.state = 'scheduled' AND j.run_at <= now()
  ORDER BY j.run_at LIMIT $1::int FOR UPDATE OF j SKIP LOCKED
), u AS (
  UPDATE tend.job j SET state = 'pending' FROM due WHERE j.id = due.id RETURNING j.id, j.queue
)
SELECT (SELECT count(*) FROM u) AS jobs, ARRAY(SELECT DISTINCT queue FROM u) AS wake,
       (SELECT floor(extract(epoch FROM min(j.run_at) - now()) * 1000000)::bigint
        FROM tend.job j WHERE j.state = 'scheduled' AND j.id NOT IN (SELECT id FROM u)) AS next_us)SQL";

// settle($1 limit) -> SettleResult: blocked jobs whose dependencies have all ended are released
// (all succeeded) or cancelled (one did not succeed). finish, cancel and rescue do this as they
// end a job, but they read tend.dep with their statement's snapshot: a submit that added an edge
// to the job while they waited for its row lock (tend.submit holds it FOR SHARE) committed after
// that snapshot, so they miss the edge and the dependent would stay blocked for ever (reproduced
// in test_pg_store.sh). Leaderless and idempotent like promote: every host runs it with
// promote. Locks: dependent job rows, then the queue row.
inline constexpr std::string_view settle_sql = R"SQL(
WITH c AS (
  SELECT j.id, bool_or(a.state IN ('failed', 'dead', 'cancelled')) AS doomed,
         min(a.id) FILTER (WHERE a.state IN ('failed', 'dead', 'cancelled')) AS culprit
  FROM tend.job j JOIN tend.dep d ON d.job_id = j.id JOIN tend.job a ON a.id = d.after_id
  WHERE j.state = 'blocked'
  GROUP BY j.id
  HAVING bool_or(a.state IN ('failed', 'dead', 'cancelled')) OR bool_and(a.state = 'succeeded')
  ORDER BY j.id LIMIT $1::int
), u AS (
  UPDATE tend.job j SET
    state = CASE WHEN c.doomed THEN 'cancelled' WHEN j.run_at > now() THEN 'scheduled'
                 ELSE 'pending' END::tend.job_state,
    unmet_deps = 0, finished_at = CASE WHEN c.doomed THEN now() END,
    reason = CASE WHEN c.doomed THEN 'cancelled: dependency ' || c.culprit || ' did not succeed'
                  ELSE '' END
  FROM c WHERE j.id = c.id AND j.state = 'blocked'
  RETURNING j.queue, j.state
), depth AS (
  UPDATE tend.queue q SET depth = q.depth - x.n
  FROM (SELECT queue, count(*) AS n FROM u WHERE state = 'cancelled' GROUP BY queue) x
  WHERE q.name = x.queue
)
SELECT (SELECT count(*) FROM u) AS jobs,
       ARRAY(SELECT DISTINCT queue FROM u WHERE state = 'pending') AS wake)SQL";

// cancel($1 id, $2 reason) -> CancelResult: one row, or none when no live job has that id. A
// scheduled, blocked or pending job ends cancelled now (with its blocked dependents,
// transitively); a running one keeps running with cancel_requested set: its host kills it
// (host_id says which) and its finish then ends it cancelled.
inline constexpr std::string_view cancel_sql = R"SQL(
WITH RECURSIVE c AS (
  UPDATE tend.job j SET
    state = CASE WHEN j.state = 'running' THEN j.state ELSE 'cancelled' END::tend.job_state,
    cancel_requested = (j.state = 'running'),
    finished_at = CASE WHEN j.state = 'running' THEN NULL ELSE now() END,
    reason = $2::text
  WHERE j.id = $1::bigint AND j.state IN ('scheduled', 'blocked', 'pending', 'running')
  RETURNING j.id, j.queue, j.state, j.host_id
), doomed AS (
  SELECT d.job_id FROM tend.dep d JOIN c ON d.after_id = c.id WHERE c.state = 'cancelled'
  UNION SELECT d.job_id FROM tend.dep d JOIN doomed ON d.after_id = doomed.job_id
), deps AS (
  UPDATE tend.job x SET state = 'cancelled', finished_at = now(),
    reason = 'cancelled: dependency ' || $1::bigint || ' did not succeed'
  FROM doomed WHERE x.id = doomed.job_id AND x.state = 'blocked'
  RETURNING x.queue
), depth AS (
  UPDATE tend.queue q SET depth = q.depth + y.delta
  FROM (SELECT queue, -count(*) AS delta FROM (
          SELECT queue FROM c WHERE state = 'cancelled' UNION ALL SELECT queue FROM deps) z
        GROUP BY queue) y
  WHERE q.name = y.queue
)
SELECT c.id, c.state, c.host_id, c.queue, (SELECT count(*) FROM deps) AS dependents FROM c)SQL";

// retry($1 id) -> RetryResult rows (one, or none when the job is not failed, dead or
// cancelled): the job runs again from attempt 1, now, without waiting for dependencies. A plpgsql
// function of the schema (job row locked first, the queue row last): TE075 when the queue is at
// max_pending, TE409 when another live job holds its key.
inline constexpr std::string_view retry_sql = "SELECT job_id, queue FROM tend.retry($1::bigint)";

// prune($1 limit) -> PruneResult: finished jobs past their queue's keep (oldest first, SKIP
// LOCKED: leaderless) with their runs and dependency edges; environments no job uses; submit
// tokens older than a day; free slot rows above their queue's limit. The caller repeats while
// jobs == limit. Environments freed by this batch go in the next one (one snapshot).
inline constexpr std::string_view prune_sql = R"SQL(
WITH p AS (
  SELECT j.id FROM tend.job j LEFT JOIN tend.queue q ON q.name = j.queue
  WHERE j.finished_at IS NOT NULL
    AND j.state IN ('succeeded', 'failed', 'dead', 'cancelled')
    AND j.finished_at < now() - coalesce(q.keep, interval '7 days')
  ORDER BY j.finished_at LIMIT $1::int FOR UPDATE OF j SKIP LOCKED
), dj AS (
  DELETE FROM tend.job j USING p WHERE j.id = p.id RETURNING j.id
), dr AS (
  DELETE FROM tend.run r USING dj WHERE r.job_id = dj.id
), dd AS (
  DELETE FROM tend.dep d WHERE d.after_id IN (SELECT id FROM dj) OR d.job_id IN (SELECT id FROM dj)
), de AS (
  DELETE FROM tend.env e WHERE e.id IN (
    SELECT e2.id FROM tend.env e2
    WHERE NOT EXISTS (SELECT 1 FROM tend.job j WHERE j.env_id = e2.id)
    LIMIT $1::int FOR UPDATE OF e2 SKIP LOCKED)
  RETURNING e.id
), ds AS (
  DELETE FROM tend.submit_log s WHERE s.token IN (
    SELECT s2.token FROM tend.submit_log s2 WHERE s2.at < now() - interval '1 day'
    LIMIT $1::int FOR UPDATE OF s2 SKIP LOCKED)
  RETURNING s.token
)
SELECT (SELECT count(*) FROM dj) AS jobs, (SELECT count(*) FROM de) AS envs,
       (SELECT count(*) FROM ds) AS tokens)SQL";

// queue_sync($1 name, $2 max_pending, $3 keep, $4 global_limit (NULL: none)) -> QueueRow: a
// host's [queue.X] section made the shared truth (insert, or update the three keys; paused and
// depth are the database's). Slot rows 1..global_limit are added; free rows above it deleted
// (SKIP LOCKED: a taken one goes at a later sync, and claim never uses it meanwhile). The queue
// row is locked first, and every slot change depends on it, so two syncs serialise on it; a
// sync must then never wait for a slot row, since a claimer holding slot rows may wait for the
// queue row. Hence NOT EXISTS before the insert: ON CONFLICT alone checks the index and waits
// for any transaction with an uncommitted version of an existing slot row (a claim or finish
// updating it), which deadlocked in the stress test (40P01 "while inserting index tuple").
inline constexpr std::string_view queue_sync_sql = R"SQL(
WITH q AS (
  INSERT INTO tend.queue AS q (name, max_pending, keep, global_limit)
  VALUES ($1::text, $2::bigint, $3::interval, $4::int)
  ON CONFLICT (name) DO UPDATE SET max_pending = EXCLUDED.max_pending, keep = EXCLUDED.keep,
    global_limit = EXCLUDED.global_limit
  RETURNING q.name, q.paused, q.depth, coalesce(q.global_limit, 0) AS lim
), added AS (
  INSERT INTO tend.slot (queue, n) SELECT q.name, g FROM q, generate_series(1, q.lim) g
  WHERE NOT EXISTS (SELECT 1 FROM tend.slot s WHERE s.queue = q.name AND s.n = g)
  ON CONFLICT (queue, n) DO NOTHING RETURNING n
), gone AS (
  DELETE FROM tend.slot s WHERE (s.queue, s.n) IN (
    SELECT s2.queue, s2.n FROM tend.slot s2 JOIN q ON s2.queue = q.name
    WHERE s2.n > q.lim AND s2.job_id IS NULL FOR UPDATE OF s2 SKIP LOCKED)
  RETURNING s.n
)
SELECT q.name, q.paused, q.depth, (SELECT count(*) FROM added) AS slots_added,
       (SELECT count(*) FROM gone) AS slots_removed FROM q)SQL";

// set_paused($1 name, $2 paused) -> one row (name), or none: no such queue. Claims check the
// flag in their own statement, so a pause stops every host's next claim.
inline constexpr std::string_view set_paused_sql =
    "UPDATE tend.queue SET paused = $2::boolean WHERE name = $1::text RETURNING name";

struct NamedStatement {
    std::string_view name;
    std::string_view sql;
};
// Every statement above, for the checks that apply to all of them (unit tests).
std::span<const NamedStatement> job_statements();

}  // namespace tend::pg

// The cron statements of the PostgreSQL store (design postgres.md §4.8): fire one tick, write
// entries and states, read tend.cron, and the states of the entries' jobs. Each is ONE
// statement with explicit casts (§4.1 rule 3); fire and write call the functions of
// migrations/0001_schema.sql (tend.cron_fire, tend.cron_write), whose comments say why they are
// safe under concurrency. Pure text: PgCronStore sends them, pg_decode_cron reads their rows.
#pragma once

#include <string_view>

namespace tend::pg {

// cron_fire($1 entry, $2 tick s, $3 state tick s or NULL, $4 queue, $5 jobs jsonb (one job,
// pg_submit.hpp's encoding), $6 env text[], $7 token uuid, $8 submitted_by, $9 host name,
// $10 skip while a job of the entry is live) -> one row (outcome, job_id, state). The
// environment's hash as submit_sql computes it.
inline constexpr std::string_view cron_fire_sql =
    "SELECT outcome, job_id, state FROM tend.cron_fire($1::text, $2::bigint, $3::bigint, "
    "$4::text, $5::jsonb, $6::text[], sha256(convert_to($6::text[]::text, 'UTF8')), $7::uuid, "
    "$8::text, $9::text, $10::boolean)";

// cron_write($1 defs jsonb, $2 states jsonb) (pg_decode_cron.hpp: cron_write_params).
inline constexpr std::string_view cron_write_sql = "SELECT tend.cron_write($1::jsonb, $2::jsonb)";

// Every entry: (name, source, def as text for `tend cron add` entries, last tick in seconds or
// NULL when never, last job or NULL). A few rows per entry of the config and of `tend cron add`.
inline constexpr std::string_view cron_load_sql =
    "SELECT c.name, c.source, CASE WHEN c.source = 'cli' THEN c.def::text END, "
    "CASE WHEN c.last_tick = '-infinity' THEN NULL "
    "ELSE floor(extract(epoch FROM c.last_tick))::bigint END, c.last_job "
    "FROM tend.cron c ORDER BY c.name";

// The state and last exit of the jobs $1 (bigint[]: the entries' last jobs, which the overlap
// rule asks about) and of every entry's last job in tend.cron (fired by any host): (id, state,
// exit_code, exit_signal). Primary-key lookups, one per entry.
inline constexpr std::string_view cron_briefs_sql =
    "SELECT j.id, j.state, j.exit_code, j.exit_signal FROM tend.job j "
    "WHERE j.id = ANY ($1::bigint[]) OR j.id IN (SELECT c.last_job FROM tend.cron c "
    "WHERE c.last_job IS NOT NULL)";

}  // namespace tend::pg

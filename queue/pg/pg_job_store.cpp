// The job statements sent over one PgConn and their answers decoded.
#include "queue/pg/pg_job_store.hpp"

#include "queue/pg/pg_model_lease.hpp"
#include "queue/pg/pg_statements.hpp"

namespace tend::pg {

Rows rows_of(const PGresult* r) {
    Rows rows;
    if (!r) return rows;
    const int n = PQntuples(r), cols = PQnfields(r);
    rows.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        Row row;
        row.reserve(static_cast<size_t>(cols));
        for (int c = 0; c < cols; ++c) {
            if (PQgetisnull(r, i, c))
                row.emplace_back(std::nullopt);
            else
                row.emplace_back(
                    std::string(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c))));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

namespace {

std::string num(int64_t v) {
    return std::to_string(v);
}

Cell opt_num(const std::optional<int64_t>& v) {
    return v ? Cell(num(*v)) : std::nullopt;
}

}  // namespace

template <typename T, typename Decode>
void PgJobStore::run(std::string_view sql, PgConn::Params params, Decode decode, Done<T> done) {
    conn_.send_prepared(sql, std::move(params), timeout_us_,
                        [decode = std::move(decode), done = std::move(done)](StatementResult r) {
                            StoreReply<T> reply;
                            reply.outcome = r.outcome;
                            reply.sqlstate = std::move(r.sqlstate);
                            reply.message = std::move(r.message);
                            if (r.outcome == Outcome::ok) {
                                auto v = decode(rows_of(r.rows.get()));
                                if (v) {
                                    reply.value = std::move(*v);
                                } else {
                                    // It committed, but we cannot tell what it did: reconcile.
                                    reply.outcome = Outcome::ambiguous;
                                    reply.message =
                                        "undecodable answer from the database: " + v.error();
                                }
                            }
                            done(std::move(reply));
                        });
}

void PgJobStore::submit(const SubmitBatch& b, Done<std::vector<SubmittedJob>> done) {
    run<std::vector<SubmittedJob>>(
        submit_sql, {b.queue, submit_jobs_json(b.specs), text_array_param(b.env), b.token, b.by},
        decode_submit, std::move(done));
}

void PgJobStore::claim(const std::string& queue, int64_t host_id, int n, bool global,
                       Done<std::vector<ClaimedJob>> done) {
    run<std::vector<ClaimedJob>>(global ? claim_limited_sql : claim_sql,
                                 {queue, num(host_id), num(n)}, decode_claim, std::move(done));
}

void PgJobStore::env(int64_t env_id, Done<std::optional<std::vector<std::string>>> done) {
    run<std::optional<std::vector<std::string>>>(env_sql, {num(env_id)}, decode_env,
                                                 std::move(done));
}

void PgJobStore::set_pid(int64_t id, int64_t lease, int pid, Done<bool> done) {
    run<bool>(set_pid_sql, {num(id), num(lease), num(pid)}, decode_found, std::move(done));
}

void PgJobStore::finish(const FinishArgs& a, Done<std::optional<FinishResult>> done) {
    PgConn::Params p{num(a.id),
                     num(a.lease),
                     std::string(jobs::to_string(a.state)),
                     a.exit_code ? Cell(num(*a.exit_code)) : std::nullopt,
                     a.exit_signal ? Cell(num(*a.exit_signal)) : std::nullopt,
                     a.run_at_us ? Cell(timestamptz_param(*a.run_at_us)) : std::nullopt,
                     a.reason,
                     a.host,
                     a.outcome,
                     a.checkpoint ? Cell(bytea_param(*a.checkpoint)) : std::nullopt,
                     a.output_tail ? Cell(bytea_param(*a.output_tail)) : std::nullopt};
    run<std::optional<FinishResult>>(finish_sql, std::move(p), decode_finish, std::move(done));
}

void PgJobStore::finish_check(int64_t id, int64_t lease, Done<bool> done) {
    run<bool>(finish_check_sql, {num(id), num(lease)}, decode_found, std::move(done));
}

void PgJobStore::running_of_host(int64_t host_id, Done<std::vector<RunningJob>> done) {
    run<std::vector<RunningJob>>(running_of_host_sql, {num(host_id)}, decode_running,
                                 std::move(done));
}

void PgJobStore::rescue(Usec grace, Done<RescueResult> done) {
    run<RescueResult>(rescue_sql, {interval_param(grace)}, decode_rescue, std::move(done));
}

void PgJobStore::promote(int limit, Done<PromoteResult> done) {
    run<PromoteResult>(promote_sql, {num(limit)}, decode_promote, std::move(done));
}

void PgJobStore::settle(int limit, Done<SettleResult> done) {
    run<SettleResult>(settle_sql, {num(limit)}, decode_settle, std::move(done));
}

void PgJobStore::cancel(int64_t id, const std::string& reason,
                        Done<std::optional<CancelResult>> done) {
    run<std::optional<CancelResult>>(cancel_sql, {num(id), reason}, decode_cancel, std::move(done));
}

void PgJobStore::retry(int64_t id, Done<std::optional<RetryResult>> done) {
    run<std::optional<RetryResult>>(retry_sql, {num(id)}, decode_retry, std::move(done));
}

void PgJobStore::prune(int limit, Done<PruneResult> done) {
    run<PruneResult>(prune_sql, {num(limit)}, decode_prune, std::move(done));
}

void PgJobStore::queue_sync(const QueueSyncArgs& a, Done<QueueRow> done) {
    run<QueueRow>(
        queue_sync_sql,
        {a.name, num(a.max_pending), interval_param(a.keep),
         opt_num(a.global_limit ? std::optional<int64_t>(*a.global_limit) : std::nullopt)},
        decode_queue_sync, std::move(done));
}

void PgJobStore::set_paused(const std::string& queue, bool paused, Done<bool> done) {
    run<bool>(set_paused_sql, {queue, paused ? "true" : "false"}, decode_found, std::move(done));
}

}  // namespace tend::pg

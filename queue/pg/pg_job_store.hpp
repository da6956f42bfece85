// The job statements of the PostgreSQL store as asynchronous calls over one PgConn (the
// `work` connection, design postgres.md §8): each call is one statement with its own sync,
// its rows decoded by pg_decode.hpp, its outcome passed up unchanged (ok; error with the
// server's SQLSTATE; ambiguous; not_sent). Calls made in a row are pipelined. No policy: which
// queue to claim from, how many, and what a lost fence means are the queue service's.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_decode.hpp"
#include "queue/pg/pg_submit.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::pg {

// The answer to one call. ok: `value` is set. error: the server refused the statement and
// nothing changed (sqlstate: 40P01/40001 are worth a retry, TE075 queue full, TE409 key held).
// ambiguous: it may have committed (the connection broke or the deadline passed after sending;
// also a committed answer that could not be decoded): reconcile as §4.1 rule 5 says.
// not_sent: there was no connection.
template <typename T>
struct StoreReply {
    Outcome outcome = Outcome::not_sent;
    std::optional<T> value;
    std::string sqlstate;
    std::string message;
    bool ok() const { return outcome == Outcome::ok && value.has_value(); }
};

// The rows of a result in text form (NULL as nullopt).
Rows rows_of(const PGresult* r);

struct FinishArgs {
    int64_t id = 0;
    int64_t lease = 0;
    // succeeded, failed, dead, cancelled (final), or pending / scheduled (runs again).
    jobs::JobState state = jobs::JobState::succeeded;
    std::optional<int> exit_code, exit_signal;
    std::optional<int64_t> run_at_us;  // wall clock: when a retry is due (NULL: unchanged)
    std::string reason;
    std::string host;     // this host's name, for tend.run
    std::string outcome;  // for tend.run: succeeded, failed, yielded, interrupted, ...
    std::optional<std::string> checkpoint;   // nullopt: keep the stored one
    std::optional<std::string> output_tail;  // the last 64 KiB of output
};

struct QueueSyncArgs {
    std::string name;
    int64_t max_pending = 100000;
    Usec keep{7LL * 24 * 3600 * 1'000'000};
    std::optional<int> global_limit;  // [queue.X] global_concurrency
};

class PgJobStore {
  public:
    template <typename T>
    using Done = std::function<void(StoreReply<T>)>;

    // `conn` must outlive the store; `timeout_us` is each statement's client deadline.
    explicit PgJobStore(PgConn& conn, uint64_t timeout_us = 10'000'000)
        : conn_(conn), timeout_us_(timeout_us) {}

    // One batch through tend.submit (pg_submit.hpp): the ids in order. error: sqlstate TE404 no
    // such queue, TE065 a bad dependency, TE075 queue full (nothing was stored).
    void submit(const SubmitBatch& batch, Done<std::vector<SubmittedJob>> done);
    // Up to n pending jobs of `queue` for this host (claim_limited when `global`: the queue
    // has a global_concurrency).
    void claim(const std::string& queue, int64_t host_id, int n, bool global,
               Done<std::vector<ClaimedJob>> done);
    // A claimed job's environment (nullopt value: no such row).
    void env(int64_t env_id, Done<std::optional<std::vector<std::string>>> done);
    void set_pid(int64_t id, int64_t lease, int pid, Done<bool> done);
    // nullopt value: the fence refused it (the run is no longer this host's).
    void finish(const FinishArgs& a, Done<std::optional<FinishResult>> done);
    // After an ambiguous finish: whether the run of that lease is in tend.run.
    void finish_check(int64_t id, int64_t lease, Done<bool> done);
    void running_of_host(int64_t host_id, Done<std::vector<RunningJob>> done);
    // One expired host per call (value->host empty: none); call again while one is returned.
    void rescue(Usec grace, Done<RescueResult> done);
    void promote(int limit, Done<PromoteResult> done);
    // Blocked jobs whose dependencies all ended; call again while value->jobs == limit.
    void settle(int limit, Done<SettleResult> done);
    void cancel(int64_t id, const std::string& reason, Done<std::optional<CancelResult>> done);
    void retry(int64_t id, Done<std::optional<RetryResult>> done);
    // One batch of at most `limit` jobs; call again while value->jobs == limit.
    void prune(int limit, Done<PruneResult> done);
    void queue_sync(const QueueSyncArgs& a, Done<QueueRow> done);
    // false: no such queue.
    void set_paused(const std::string& queue, bool paused, Done<bool> done);

  private:
    template <typename T, typename Decode>
    void run(std::string_view sql, PgConn::Params params, Decode decode, Done<T> done);

    PgConn& conn_;
    uint64_t timeout_us_;
};

}  // namespace tend::pg

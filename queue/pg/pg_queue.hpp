// The job queue on PostgreSQL (JobQueue's PostgreSQL implementation, design postgres.md §2, §4,
// §5, §6, §12): jobs live in the database shared by every host; this tendd submits, claims the
// jobs its free slots can run, runs them under tend-shim, and finishes them under the fence of
// its host lease. Everything is asynchronous on the loop: a database that is slow or down never
// stalls it (queue requests then answer a clear error, and tendd keeps trying).
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/daemon/job_process.hpp"
#include "queue/daemon/job_queue.hpp"
#include "queue/daemon/submit_batches.hpp"
#include "queue/pg/pg_conn.hpp"
#include "queue/pg/pg_cron_store.hpp"
#include "queue/pg/pg_host.hpp"
#include "queue/pg/pg_job_store.hpp"
#include "queue/pg/pg_job_views.hpp"
#include "queue/pg/pg_listen.hpp"
#include "queue/pg/pg_model_identity.hpp"
#include "supervisor/config/config.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::pg {

struct PgQueueOptions {
    sd_event* loop = nullptr;
    ChildReaper* reaper = nullptr;
    std::string state_dir;
    // The control socket: SOCKET.spool says that this tendd takes in no spool (tend(1) submit).
    std::string socket;
    QueueStoreConfig store;  // [daemon] queue and its keys
    std::string host_name;   // [daemon] host_name, else the machine's
    std::string version;     // tend's, recorded with the host lease
    std::vector<jobs::QueueSettings> queues;
    int max_running = 0;  // [daemon] max_running_jobs on this host (0: per queue only)
    std::optional<unsigned long> nofile_soft;
    // [daemon] direct_submit_user as resolved at config load (root tendd only): who runs the
    // jobs that carry no uid (pg_model_identity.hpp).
    std::optional<RunAs> direct_user;
    ClientBudget* budget = nullptr;  // --stdin batches draw on it
    std::function<void(const std::string&)> info, warn, error;
    // The cron book was read from the database (at start, once it answers): the daemon starts
    // its cron service anew on it.
    std::function<void()> on_cron_loaded;
};

class PgQueue final : public jobs::JobQueue {
  public:
    using JobId = jobs::JobId;
    using JobReply = jobs::JobReply;
    using JobReplier = jobs::JobReplier;

    // Creates the connections (no I/O yet: a bad connection string fails here) and starts:
    // schema check (and migration with queue_migrate = "auto"), queue sync, host lease, claims.
    static Result<std::unique_ptr<PgQueue>> open(PgQueueOptions options);
    ~PgQueue() override;

    // The spool is taken in through submit once the database is ready.
    void start_spool_intake() override;

    // ---- requests
    void submit(jobs::SubmitRequest request, JobReplier reply) override;
    JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines,
                          bool privileged) override;
    void submit_buffered(std::uint64_t client, jobs::SubmitRequest request,
                         JobReplier reply) override;
    void cancel(const std::vector<JobId>& ids, JobReplier reply) override;
    void retry(const std::vector<JobId>& ids, JobReplier reply) override;
    void set_paused(const std::string& queue, bool paused, JobReplier reply) override;
    void set_queue(const jobs::QueueSetArgs& args, JobReplier reply) override;
    void reconfigure(const std::vector<jobs::QueueSettings>& queues) override;
    void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply) override;
    void client_gone(std::uint64_t client) override;
    void list(const jobs::JobListQuery& query, JobReplier reply) const override {
        views_->list(query, std::move(reply));
    }
    void show(JobId id, JobReplier reply) const override { views_->show(id, std::move(reply)); }
    void queues(JobReplier reply) const override { views_->queues(std::move(reply)); }
    void logs(JobId id, JobReplier reply) const override { views_->logs(id, std::move(reply)); }
    void owners(std::vector<JobId> ids, std::function<void(Owners)> done) const override;
    // Storage upkeep is the database's (autovacuum) and prune's: a prune pass now.
    void compact_now() override { prune(); }

    // ---- shutdown
    void stop_all(std::function<void()> done, bool drain) override;
    void kill_all() override;
    std::size_t running_count() const override { return runs_.size(); }
    bool stopping() const override { return stopping_; }

    // ---- cron (PgCronStore)
    cron::CronBook& cron_book() override { return cron_->book(); }
    void write_cron(jobs::CronRecords records, bool droppable,
                    std::function<void(Status)> done) override;
    void fire(jobs::CronTick tick, std::function<void(Result<jobs::CronFired>)> done) override;
    void submit_internal(std::vector<jobs::JobSpec> specs, const std::vector<std::string>& env,
                         std::function<void(Result<std::vector<JobId>>)> done) override;
    Result<bool> cancel_job(JobId id, const std::string& reason) override;
    std::optional<jobs::JobBrief> job_brief(JobId id) const override {
        return cron_->job_brief(id);
    }
    bool has_queue(const std::string& name) const override { return find_queue(name) != nullptr; }
    jobs::WallUs now() const override;

    // ---- /metrics and the dashboard
    const char* store_kind() const override { return "postgresql"; }
    jobs::WallUs started_at() const override { return started_at_; }
    const jobs::JobCounters& counters() const override { return counters_; }
    jobs::JobStore::Figures store_figures() const override;
    std::size_t spool_files_in_flight() const override { return 0; }
    std::vector<jobs::QueueFigures> queue_figures() const override { return views_->figures(); }

  private:
    // One run of a claimed job on this host.
    struct Run {
        ClaimedJob job;
        std::string queue;
        std::unique_ptr<jobs::JobProcess> proc;  // null while its environment is fetched
        bool cancel = false;                     // a cancel reached this host: it ends cancelled
        bool fenced = false;  // killed by the host fence: its end is not ours to record
        jobs::WallUs started = 0;
    };
    // A finish not yet acknowledged (retried until the database answers; after an ambiguous
    // send, finish_check first).
    struct PendingFinish {
        FinishArgs args;
        std::string queue;
        bool ambiguous = false;
        bool in_flight = false;
    };
    struct QueueState {
        jobs::QueueSettings s;
        int running = 0;  // runs of this host
        bool claiming = false;
    };
    struct Waiter {
        std::vector<JobId> ids;
        // The ids not known to have ended: a job ending here leaves it without a statement,
        // and the rows are read again when it is empty (and at every poll), so that waiting
        // on N jobs costs O(N) per poll, not O(N) per job that ends.
        std::set<JobId> open;
        std::uint64_t client = 0;
        JobReplier reply;
        bool asking = false;
        std::shared_ptr<int> token;  // finds the waiter when its statement answers
    };
    enum class Schema { unknown, checking, migrating, syncing, ready, refused };

    explicit PgQueue(PgQueueOptions options);
    Status start();

    // pg_queue.cpp: bring-up, timers, upkeep, stop.
    void on_work_state(bool up, const std::string& why);
    void check_schema();
    void migrate(int from);
    void sync_queues();
    void schema_ready();
    void tick();
    void arm_tick();
    void promote();
    void settle();
    void rescue();
    void prune();
    void load_cron();
    void restart_cron();
    void cron_answered();
    void refresh_cron_book();
    void maybe_stopped();
    static int on_tick(sd_event_source*, uint64_t, void* self);
    static int on_stop_deadline(sd_event_source*, uint64_t, void* self);
    // Why queue requests cannot be served now (nullopt: they can).
    std::optional<JobReply> unavailable() const;
    // Requests that come while the database is still being checked at start wait for it
    // (answered by unavailable() after 10 s, or 2 s without a connection), instead of failing
    // in the first moments of every start.
    bool must_defer() const;
    void defer(std::function<void()> again, JobReplier reply);
    void expire_deferred(bool all);
    QueueState* find_queue(const std::string& name);
    const QueueState* find_queue(const std::string& name) const;

    // pg_queue_run.cpp: claims, processes, their ends (pg_queue_finish.cpp sends them).
    // A run that ends before its job could run, or that this host cannot vouch for: back to
    // pending without using an attempt, recorded as interrupted.
    static FinishArgs interrupted(std::int64_t id, std::int64_t lease, std::string reason,
                                  const std::string& host);
    void claim_all();
    void claim(QueueState& q);
    void start_run(ClaimedJob job, const std::string& queue);
    void launch(std::int64_t id, const std::vector<std::string>& vars);
    void on_exit(std::int64_t id, jobs::ExitStatus x, const std::string& reason, bool timed_out);
    void end_run(std::int64_t id, const std::string& queue, FinishArgs args);
    void send_finish(std::int64_t id);
    void finished(std::int64_t id, jobs::JobState state);
    // pg_queue_fence.cpp: the host fence, and this host's runs as the database has them
    // (cancels made elsewhere, the leftovers of ambiguous claims).
    void on_fence(const std::string& why);
    // The run's pid goes to the database (`tend show` on any host, and a fence check) only
    // once it has run 50 ms (kPidDelayUs): most short jobs end before, and their finish is then
    // their only write after the claim (one transaction of three saved per job).
    void note_pid(std::int64_t id, std::int64_t lease, int pid);
    void send_pid(std::int64_t id, std::int64_t lease, int pid);
    static int on_pid_timer(sd_event_source* s, uint64_t usec, void* self);
    void on_live(std::int64_t host_id);
    void poll_running();
    void terminate_here(std::int64_t id, const std::string& why);

    // pg_queue_wake.cpp: LISTEN/NOTIFY wake-ups and the fairness rule under a global limit.
    Status start_listener();
    void notify_jobs(const std::string& queue);
    void notify_cancel(const std::optional<std::int64_t>& host, std::int64_t job);
    // A queue may have work: claim now, or after kFairWaitUs when `fair` and this host holds
    // at least its share of the queue's global limit.
    void wake(const std::string& queue, bool fair);
    void count_hosts();
    void poll_running_now();
    static int on_fair_timer(sd_event_source*, uint64_t, void* self);

    // pg_queue_requests.cpp
    std::optional<JobReply> check_shape(const jobs::SubmitRequest& r) const;
    void submit_batch(SubmitBatch batch, bool single, jobs::SubmitSource source,
                      std::function<void(StoreReply<std::vector<SubmittedJob>>)> done,
                      int retries = 2);
    void poll_waiters();
    void ask_waiter(std::size_t index);
    void answer_wait(std::vector<JobId> ids, std::vector<nlohmann::json> jobs, JobReplier reply);

    PgQueueOptions opt_;
    std::unique_ptr<PgConn> work_, control_, read_;
    std::unique_ptr<PgConn> listen_conn_;  // queue_listen_url's own connection, if set
    std::unique_ptr<PgListener> listener_;
    std::map<std::string, int> serving_hosts_;  // live hosts per queue (fairness)
    std::set<std::string> fair_waiting_;        // queues whose claim waits for fair_timer_
    EventSource fair_timer_;
    bool counting_hosts_ = false, repoll_running_ = false;
    std::unique_ptr<PgJobStore> store_;
    std::unique_ptr<PgHost> host_;
    std::unique_ptr<PgJobViews> views_;
    std::unique_ptr<PgCronStore> cron_;
    std::string shim_;
    // tend-shim opened once, as root: a job's user execs it through this fd, so a build tree
    // under a 0700 directory (the README's clone in /root) runs other users' jobs too.
    UniqueFd shim_fd_;
    std::string conninfo_shown_;  // redacted, for messages
    Schema schema_ = Schema::unknown;
    std::string schema_error_;  // Schema::refused: why, for every queue request
    std::string down_why_;      // the work connection's last loss
    std::vector<QueueState> queues_;
    std::int64_t host_id_ = 0;
    bool live_ = false;
    std::map<std::int64_t, Run> runs_;
    std::map<std::int64_t, PendingFinish> finishes_;
    int claims_in_flight_ = 0;
    bool polling_running_ = false;
    bool promoting_ = false, settling_ = false, rescuing_ = false, pruning_ = false;
    bool cron_loaded_ = false, cron_loading_ = false, cron_warned_ = false;
    unsigned cron_tried_at_ = 0;  // the tick of the last load (retried every ~10 s)
    // Which cron service the callbacks of write_cron and fire belong to: on_cron_loaded starts
    // a new one (after the first read of the book, and when another host changed the entries),
    // and an answer meant for the old one is dropped instead of reaching a destroyed object.
    unsigned cron_generation_ = 0;
    bool cron_book_refreshing_ = false, cron_refreshing_ = false;
    unsigned cron_in_flight_ = 0;        // writes and fires of the cron service not answered
    bool cron_restart_pending_ = false;  // restart_cron waits for them
    unsigned ticks_ = 0;
    // Environments by id: jobs submitted with the same variables share one (bounded).
    std::unordered_map<std::int64_t, std::vector<std::string>> envs_;
    // Jobs that ended on this host, for `tend wait` answered at once (bounded, oldest dropped).
    std::map<JobId, jobs::JobState> ended_here_;
    std::deque<JobId> ended_order_;
    std::vector<Waiter> waiters_;
    struct Deferred {
        std::function<void()> again;
        JobReplier reply;
        std::uint64_t since_us = 0;  // CLOCK_MONOTONIC
    };
    std::vector<Deferred> deferred_;
    // --stdin batches held per client until their submit (the file store's bounds).
    jobs::SubmitBatches batches_;
    jobs::JobCounters counters_;
    prom::Histogram claim_seconds_{prom::short_buckets()};  // tend_pg_claim_seconds
    jobs::WallUs started_at_ = 0;
    bool stopping_ = false, drain_ = false, stop_finishing_ = false;
    std::function<void()> stopped_;
    EventSource tick_timer_, stop_timer_;
    struct PidNote {
        std::int64_t id = 0, lease = 0;
        int pid = 0;
        std::uint64_t due_us = 0;  // CLOCK_MONOTONIC
    };
    std::deque<PidNote> pid_notes_;  // in due order (one delay for all)
    EventSource pid_timer_;
    // Callbacks of statements still in flight when this object goes away see it expired.
    std::shared_ptr<PgQueue*> self_;
};

}  // namespace tend::pg

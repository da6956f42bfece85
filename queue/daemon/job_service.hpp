// The job queue inside tendd: the log, the scheduler, running jobs, and the commit that orders
// them.
#pragma once

#include <systemd/sd-event.h>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "queue/core/job_request_args.hpp"
#include "queue/core/scheduler.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/daemon/env_table.hpp"
#include "queue/daemon/job_process.hpp"
#include "queue/store/job_log.hpp"
#include "queue/store/spool_dir.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_source.hpp"

namespace tend::jobs {

// What a compacted log holds per job besides its spec: frame headers and a status record.
inline constexpr std::uint64_t kLiveBytesPerJob = 80;

struct JobServiceOptions {
    sd_event* loop = nullptr;
    ChildReaper* reaper = nullptr;
    std::string state_dir;
    // The spool (absolute), its group and mode, and the socket whose SOCKET.spool names it for
    // `tend submit` (empty: none is written).
    std::string spool_dir;
    SpoolDirPolicy spool_policy;
    std::string socket;
    // Who may have jobs taken in from the spool: the file owner's uid, primary group and
    // groups. The daemon's uid and root always may (daemon.cpp: socket_group members too,
    // and the hook for admin_group).
    std::function<bool(uid_t, gid_t, const std::vector<gid_t>&)> may_submit;
    std::vector<QueueSettings> queues;
    int max_running = 0;
    std::optional<unsigned long> nofile_soft;
    std::function<void(const std::string&)> info, warn;
    // The global bound on memory held for clients, shared with the control server; buffered
    // --stdin batches draw on it. Null: only the per-client cap applies.
    ClientBudget* budget = nullptr;
};

// The answer to a job request: data, or an error kind and message. job_requests.cpp turns it
// into a protocol reply (the one place where that happens).
struct JobReply {
    enum class Kind { ok, bad_request, invalid, full, not_found, failed, busy };
    Kind kind = Kind::ok;
    nlohmann::json data;
    std::string message;
    // Set instead of `data` by a reply built as JSON text (a listing page).
    std::string text;
    static JobReply ok(nlohmann::json d) { return {Kind::ok, std::move(d), {}, {}}; }
    static JobReply ok_text(std::string t) { return {Kind::ok, nullptr, {}, std::move(t)}; }
    static JobReply error(Kind k, std::string m) { return {k, nullptr, std::move(m), {}}; }
};
using JobReplier = std::function<void(const JobReply&)>;

class JobService {
  public:
    // Opens and checks the spool directory (creating it), then opens STATE/jobs.log and
    // recovers every job: a torn tail is cut (a warning), jobs that
    // were running are killed if they survived and re-queued as interrupted. Fails on a log it
    // cannot read or of a newer format, naming the file.
    static Result<std::unique_ptr<JobService>> open(JobServiceOptions options);
    ~JobService();

    // Records the spool (opened and checked by `open`, which fails on a spool another user
    // could read or replace) beside the socket for `tend submit`, and takes spooled jobs in
    // now and whenever one is spooled while tendd runs.
    void start_spool_intake();

    void submit(SubmitRequest request, JobReplier reply);
    // Lines of a --stdin batch, sent ahead of its `submit` on the same connection. Past the
    // per-client cap or the global bound (`privileged`: the client may use the reserve), the
    // whole batch is dropped and refused, and so is its `submit` (nothing of it is stored).
    JobReply buffer_lines(std::uint64_t client, std::vector<std::string> lines, bool privileged);
    void submit_buffered(std::uint64_t client, SubmitRequest request, JobReplier reply);
    void cancel(const std::vector<JobId>& ids, JobReplier reply);
    void retry(const std::vector<JobId>& ids, JobReplier reply);
    void set_paused(const std::string& queue, bool paused, JobReplier reply);
    // Replies once every job is finished (and that is on disk).
    void wait(std::vector<JobId> ids, std::uint64_t client, JobReplier reply);
    void client_gone(std::uint64_t client);

    JobReply list(const JobListQuery& query) const;
    JobReply show(JobId id) const;
    JobReply queues() const;
    // The output file of a job, for `tend logs JOB`.
    JobReply logs(JobId id) const;
    bool knows(JobId id) const { return sched_.find(id) != nullptr; }
    // The uid that submitted the job (its owner), or nullopt for an unknown job.
    std::optional<std::uint32_t> owner_of(JobId id) const {
        const JobEntry* e = sched_.find(id);
        return e ? std::optional<std::uint32_t>(e->uid) : std::nullopt;
    }

    // Shutdown (SPEC §6.5): no new starts; running jobs get TERM and their queue's
    // stop_timeout; those that do not finish are re-queued without using an attempt. `done`
    // runs once no job process is left and the log is committed. `drain` (tend shutdown
    // --drain): running jobs are left to finish instead. Called again without `drain` (and with
    // a null `done`, which keeps the first one), it sends TERM to what still runs.
    void stop_all(std::function<void()> done, bool drain = false);
    void kill_all();
    std::size_t running_count() const { return processes_.size(); }

    // Compaction on demand (tests, and `tend` has no command for it): starts one now.
    void compact_now();

    // ---- for the cron service (queue/daemon/cron_service.cpp)
    const Scheduler& scheduler() const { return sched_; }
    // Cron records found by recovery; kept current by the cron service and written whole at
    // compaction.
    cron::CronBook& cron_book() { return cron_book_; }
    // Jobs made by tendd itself (cron ticks): refused as a submit would be (unknown queue,
    // max_pending), else committed as one batch, with `extra_frames` (cron state) in the same
    // write right after them.
    void submit_internal(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                         std::string extra_frames,
                         std::function<void(Result<std::vector<JobId>>)> done);
    // Writes records of other kinds (cron entries and state). `droppable` as JobLog::enqueue.
    void write_records(std::string frames, bool droppable, std::function<void(Status)> done);
    // Cancels one job with a reason: at once when it waits, by TERM (once the cancel is on
    // disk) when it runs. Returns whether it was running.
    Result<bool> cancel_job(JobId id, const std::string& reason);
    WallUs now() const;
    bool stopping() const { return stopping_; }

  private:
    explicit JobService(JobServiceOptions options);
    friend struct JobServiceAccess;

    // ---- the turn: decide, write, then act (job_service.cpp)
    void pump();
    // Writes the scheduler's changes (and queues the actions waiting on them). `urgent` false:
    // the records ride on the next commit, at the latest after kLazyFlush (a running job's pid:
    // a crash before it is written is covered by the TEND_JOB_MARK scan at recovery).
    void flush_changes(bool urgent = true);
    static int on_lazy_flush(sd_event_source*, uint64_t, void* self);
    void after_durable(std::function<void()> action);
    void request_commit();
    static int on_commit(sd_event_source*, void* self);
    static int on_commit_retry(sd_event_source*, uint64_t, void* self);
    static int on_due(sd_event_source*, uint64_t, void* self);
    void arm_due_timer();
    double random01() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

    // ---- recovery (job_recovery.cpp)
    Status recover();
    void settle_survivors();

    // ---- submit (job_submit.cpp)
    std::optional<JobReply> check_shape(const SubmitRequest& r) const;
    void commit_submit(std::vector<JobSpec> specs, const std::vector<std::string>& env,
                       std::function<void(Result<std::vector<JobId>>)> done,
                       std::string extra_frames = {});
    // ---- the spool (job_spool.cpp)
    static int on_spool_event(sd_event_source*, int, uint32_t, void* self);
    void import_spool(const std::string& token);
    // Sets TOKEN aside as refused and says why.
    void refuse_spool_file(const std::string& token, const std::string& why);
    void forget_spool_file(const std::string& token);  // remove it; a failure is logged

    // ---- processes (job_run.cpp)
    void spawn(JobId id);
    void on_exit(JobId id, ExitStatus exit, const std::string& reason, bool timed_out);
    void answer_waiters();
    void note(JobId id, const std::string& text);

    // ---- views (job_views.cpp)
    nlohmann::json job_json(const JobEntry& e) const;
    // The same object as compact JSON text (job_text.cpp); job_json parses it.
    void append_job_text(std::string& out, const JobEntry& e, bool details = true) const;
    nlohmann::json queue_json(std::uint16_t queue) const;

    // ---- pruning and compaction (job_upkeep.cpp)
    static int on_prune(sd_event_source*, uint64_t, void* self);
    void arm_prune_timer();
    void forget_job_files(JobId id);
    void maybe_compact();
    static int on_compact_step(sd_event_source*, void* self);
    void compact_step();
    void finish_compaction();

    JobServiceOptions opt_;
    Scheduler sched_;
    std::unique_ptr<JobLog> log_;
    EnvTable envs_;
    cron::CronBook cron_book_;
    std::mt19937_64 rng_{std::random_device{}()};
    std::unordered_map<JobId, std::unique_ptr<JobProcess>> processes_;
    std::vector<std::function<void()>> after_commit_;
    EventSource commit_source_, commit_retry_, lazy_timer_, due_timer_, prune_timer_,
        compact_source_;
    EventSource spool_source_;
    UniqueFd spool_inotify_;
    UniqueFd spool_fd_;  // the spool directory, opened without following links and checked
    std::set<std::string> spool_in_flight_;
    std::set<std::string> spool_tokens_in_log_;  // only until the first spool scan
    struct Waiter {
        std::vector<JobId> ids;
        std::uint64_t client;
        JobReplier reply;
    };
    std::vector<Waiter> waiters_;
    std::unordered_map<std::uint64_t, std::vector<std::string>> batches_;
    std::unordered_map<std::uint64_t, std::uint64_t> batch_bytes_;  // share of the budget
    // Clients whose batch was refused: its `submit` is refused too (the reason), not cut short.
    std::unordered_map<std::uint64_t, JobReply> refused_batches_;
    void drop_batch(std::uint64_t client);
    bool stopping_ = false;
    std::function<void()> stopped_;
    std::vector<std::string> to_unlink_;
    std::uint64_t live_bytes_ = 0;  // estimate of a compacted log's size
    struct Compaction {
        std::vector<JobId> ids;
        std::size_t next = 0;
        std::vector<std::pair<JobId, std::uint64_t>> moved;  // id -> spec offset in the new file
        std::vector<std::pair<std::uint32_t, std::uint64_t>> moved_envs;
    };
    std::unique_ptr<Compaction> compaction_;
    bool commit_failing_ = false;
    WallUs started_at_ = 0;
};

}  // namespace tend::jobs

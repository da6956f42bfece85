// What the parts of the job service share: its options, the scheduler's table, the store, the
// cron book, the clock and whether tendd is stopping. Each part owns the rest of its state.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "queue/core/job_counters.hpp"
#include "queue/core/scheduler.hpp"
#include "queue/cron/cron_book.hpp"
#include "queue/daemon/job_queue.hpp"
#include "queue/store/job_store.hpp"
#include "queue/store/spool_dir.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/event_loop.hpp"

namespace tend::jobs {

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

struct JobContext {
    explicit JobContext(JobServiceOptions options)
        : opt(std::move(options)), sched(opt.queues, opt.max_running) {}
    JobServiceOptions opt;
    Scheduler sched;
    // Cron records found by recovery; kept current by the cron service and written whole at
    // compaction.
    cron::CronBook cron_book;
    std::unique_ptr<JobStore> store;
    bool stopping = false;
    WallUs started_at = 0;
    std::mt19937_64 rng{std::random_device{}()};
    JobCounters counters;  // for /metrics (tend_jobs_*, tend_job_*)

    WallUs now() const { return static_cast<WallUs>(ev::now(opt.loop, CLOCK_REALTIME)); }
    double random01() { return std::uniform_real_distribution<double>(0, 1)(rng); }
};

}  // namespace tend::jobs

// tendd's job queue and cron, composed: the one place a store is chosen (the file store, or
// PostgreSQL: tendd(8) MULTI-HOST), and the checks that depend on it.
#pragma once

#include <sys/resource.h>
#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "queue/config/queue_config.hpp"
#include "queue/daemon/cron_service.hpp"
#include "queue/daemon/job_queue.hpp"
#include "supervisor/config/paths.hpp"
#include "supervisor/config/queue_store_config.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/daemon/child_reaper.hpp"
#include "supervisor/daemon/config_loader.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

// [queue.*] as the scheduler takes it; concurrency 0 means one job per CPU (SPEC §2).
std::vector<jobs::QueueSettings> queue_settings(const QueueSections& q);

// With the PostgreSQL store, why the systemd watchdog (WATCHDOG_USEC) is too long for the host
// lease, or nullopt when it is not (or there is none, or the store is the file).
std::optional<std::string> watchdog_too_long(const QueueStoreConfig& store);

struct QueueEnv {
    sd_event* loop = nullptr;
    ChildReaper* reaper = nullptr;
    ClientBudget* budget = nullptr;
    const Paths* paths = nullptr;
    const LoadedConfig* config = nullptr;
    const QueueSections* queue = nullptr;
    std::string version;
    rlim_t nofile_soft = 0;
    // Who may submit: whoever may use the socket (SPEC §8).
    std::function<bool(uid_t, gid_t, const std::vector<gid_t>&)> may_submit;
    // PostgreSQL: the database's cron book has been read (cron starts again on it).
    std::function<void()> on_cron_loaded;
};

// The job queue on the configured store.
Result<std::unique_ptr<jobs::JobQueue>> open_job_queue(const QueueEnv& env);

// Cron's options for that queue: [cron.*] in force, run as tendd's own user and groups.
jobs::CronServiceOptions cron_options(sd_event* loop, jobs::JobQueue* jobs,
                                      const QueueSections& queue, const std::string& config_file,
                                      std::vector<std::string> base_env);

}  // namespace tend

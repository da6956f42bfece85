// A queue's figures as every store reports them (settings and counts), and their JSON for
// `tend queues`, the dashboard and /metrics: one shape whatever the store.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "queue/core/scheduler.hpp"

namespace tend::jobs {

struct QueueFigures {
    QueueSettings settings;
    QueueStats stats;
};

// The queues `tend queues` lists, in the scheduler's order: configured ones, and others while
// they hold unfinished jobs (a queue removed by a reload, or named only by old jobs in the
// log, drains, then disappears).
std::vector<QueueFigures> listed_queue_figures(const Scheduler& sched);

// One queue as `tend queues --json` shows it; `now` and `started_at` (tendd's start) give the
// ages.
nlohmann::json queue_figures_json(const QueueFigures& q, WallUs now, WallUs started_at);

// A job as cron and the overlap rule see it: its state and how its last run ended.
struct JobBrief {
    JobState state = JobState::pending;
    std::optional<ExitStatus> last_exit;
};

}  // namespace tend::jobs

// Queue figures from the scheduler's table, and their JSON (`tend queues`).
#include "queue/core/queue_figures.hpp"

#include <algorithm>

namespace tend::jobs {

std::vector<QueueFigures> listed_queue_figures(const Scheduler& sched) {
    std::vector<QueueFigures> out;
    for (std::uint16_t i = 0; i < sched.queues().size(); ++i) {
        QueueStats st = sched.stats(i);
        if (!sched.queues()[i].configured && st.pending == 0 && st.running == 0) continue;
        out.push_back({sched.queues()[i], std::move(st)});
    }
    return out;
}

nlohmann::json queue_figures_json(const QueueFigures& f, WallUs now, WallUs started_at) {
    const QueueSettings& q = f.settings;
    const QueueStats& s = f.stats;
    nlohmann::json oldest;
    if (s.oldest_pending_submitted)
        oldest = std::max<double>(0, double(now - *s.oldest_pending_submitted) / 1e6);
    return {{"name", q.name},
            {"pending", s.pending},
            {"runnable", s.runnable},
            {"running", s.running},
            {"concurrency", q.concurrency},
            {"paused", s.paused},
            {"oldest_pending_age_s", oldest},
            {"weight", q.weight},
            {"max_pending", q.max_pending},
            {"configured", q.configured},
            {"succeeded", s.finished_ok},
            {"failed", s.finished_bad},
            {"dead", s.dead},
            {"uptime_s", double(now - started_at) / 1e6}};
}

}  // namespace tend::jobs

// What every store's job queue shares: the queue listing from its figures.
#include "queue/daemon/job_queue.hpp"

namespace tend::jobs {

nlohmann::json queues_json(const JobQueue& q) {
    nlohmann::json arr = nlohmann::json::array();
    const WallUs now = q.now(), started = q.started_at();
    for (const QueueFigures& f : q.queue_figures())
        arr.push_back(queue_figures_json(f, now, started));
    return arr;
}

}  // namespace tend::jobs

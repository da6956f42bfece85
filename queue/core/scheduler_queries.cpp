// Read-only views of the table: listing, queue figures, and why a job is not running.
#include <ctime>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "queue/core/scheduler_impl.hpp"

namespace tend::jobs {

namespace {

bool is_waiting(JobState s) {
    return s == JobState::scheduled || s == JobState::blocked || s == JobState::pending;
}

std::string join_ids(const std::vector<JobId>& ids) {
    std::string out;
    for (JobId id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

}  // namespace

QueueStats Scheduler::stats(std::uint16_t queue) const {
    QueueStats s;
    if (queue >= queues_.size()) return s;
    const QueueRuntime& q = impl_->queues[queue];
    s.name = queues_[queue].name;
    s.pending = q.scheduled + q.blocked + q.pending;
    s.runnable = q.pending;
    s.running = q.running;
    s.concurrency = queues_[queue].concurrency;
    s.paused = q.paused;
    s.finished_ok = q.finished_ok;
    s.finished_bad = q.finished_bad;
    s.scheduled = q.scheduled;
    s.blocked = q.blocked;
    s.dead = q.dead;
    s.finished_by_state = q.finished_by_state;
    if (s.pending == 0) return s;
    // Ids grow with submit time, so the oldest waiting job is near the front of the table.
    for (const auto& [base, chunk] : impl_->chunks) {
        for (const JobEntry& e : chunk->slots) {
            if (e.id == 0 || e.queue != queue || !is_waiting(e.status.state)) continue;
            if (!s.oldest_pending_submitted || e.submitted_at < *s.oldest_pending_submitted)
                s.oldest_pending_submitted = e.submitted_at;
        }
        if (s.oldest_pending_submitted) break;
    }
    return s;
}

std::vector<const JobEntry*> Scheduler::list(std::optional<JobState> state,
                                             std::optional<std::uint16_t> queue, std::size_t limit,
                                             JobId before) const {
    std::vector<const JobEntry*> out;
    const auto& chunks = impl_->chunks;
    // The page starts at the chunk holding before - 1, so paging through a big table costs
    // each page only what it lists (plus the entries its filters skip).
    auto c = before == 0
                 ? chunks.rbegin()
                 : std::make_reverse_iterator(chunks.upper_bound((before - 1) / kChunkJobs));
    for (; c != chunks.rend(); ++c)
        for (auto e = c->second->slots.rbegin(); e != c->second->slots.rend(); ++e) {
            if (e->id == 0 || (before != 0 && e->id >= before)) continue;
            if (state && e->status.state != *state) continue;
            if (queue && e->queue != *queue) continue;
            out.push_back(&*e);
            if (limit != 0 && out.size() >= limit) return out;
        }
    return out;
}

void Scheduler::Impl::refresh_positions(std::uint16_t queue) const {
    const QueueRuntime& q = queues[queue];
    if (q.positions_version == q.runnable_version) return;
    q.positions.clear();
    q.positions.reserve(q.pending);
    std::uint32_t rank = 0;
    for (const auto& [priority, fifo] : q.runnable)
        for (JobId id : fifo) {
            const JobEntry* e = get(id);
            // Stale entries (the job left pending) hold no place, as in pop_runnable.
            if (!e || e->status.state != JobState::pending || e->queue != queue) continue;
            q.positions.emplace_back(id, ++rank);
        }
    std::sort(q.positions.begin(), q.positions.end());
    q.positions_version = q.runnable_version;
}

std::size_t Scheduler::Impl::runnable_position(const JobEntry& job) const {
    if (job.status.state != JobState::pending) return 0;
    refresh_positions(job.queue);
    const auto& p = queues[job.queue].positions;
    auto it = std::lower_bound(p.begin(), p.end(), std::pair<JobId, std::uint32_t>(job.id, 0));
    return it != p.end() && it->first == job.id ? it->second : 0;
}

std::size_t Scheduler::position(JobId id) const {
    const JobEntry* e = impl_->get(id);
    return e ? impl_->runnable_position(*e) : 0;
}

std::string Scheduler::why_waiting(JobId id, WallUs /*now*/) const {
    const Impl& m = *impl_;
    const JobEntry* e = m.get(id);
    if (!e) return {};
    const std::string& queue = queues_[e->queue].name;
    switch (e->status.state) {
        case JobState::scheduled:
            return "waiting until " + format_utc(e->status.run_at);
        case JobState::blocked: {
            std::vector<JobId> unmet;
            if (auto after = m.after_of.find(id); after != m.after_of.end())
                for (JobId dep : after->second) {
                    const JobEntry* d = m.get(dep);
                    if (d && !is_finished(d->status.state) &&
                        std::find(unmet.begin(), unmet.end(), dep) == unmet.end())
                        unmet.push_back(dep);
                }
            return std::string(unmet.size() == 1 ? "waiting for job " : "waiting for jobs ") +
                   join_ids(unmet) + " to succeed";
        }
        case JobState::pending:
            break;
        default:
            return {};
    }
    const QueueRuntime& q = m.queues[e->queue];
    if (q.paused) return "queue " + queue + " is paused";
    const std::string position = " (position " + std::to_string(m.runnable_position(*e)) + ")";
    const int concurrency = std::max(1, queues_[e->queue].concurrency);
    if (q.running >= concurrency)
        return "waiting for a slot: " + std::to_string(q.running) + " of " +
               std::to_string(concurrency) + " running in queue " + queue + position;
    if (max_running_ > 0 && m.running >= max_running_)
        return "waiting for a slot: " + std::to_string(m.running) + " of " +
               std::to_string(max_running_) + " running in all queues" + position;
    return "waiting to be started" + position;
}

std::vector<std::uint32_t> Scheduler::live_env_ids() const {
    std::vector<std::uint32_t> ids;
    impl_->for_each_newest_first([&ids](const JobEntry& e) {
        if (!is_finished(e.status.state)) ids.push_back(e.env_id);
        return true;
    });
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

}  // namespace tend::jobs

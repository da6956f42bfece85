// The job table's storage and the counters and indexes that follow each job's state.
#include <algorithm>

#include "queue/core/scheduler_impl.hpp"

namespace tend::jobs {

namespace {

// Stale entries are tolerated up to this slack before an index is rebuilt, so that a rebuild
// costs O(1) amortised per stale entry.
constexpr std::size_t kCompactSlack = 1024;

bool due_later(const DueEntry& a, const DueEntry& b) {
    return a > b;  // std::*_heap build a max-heap; this order makes it a min-heap
}

}  // namespace

JobEntry* Scheduler::Impl::get(JobId id) {
    auto it = chunks.find(id / kChunkJobs);
    if (it == chunks.end()) return nullptr;
    JobEntry& e = it->second->slots[id % kChunkJobs];
    return e.id == id && id != 0 ? &e : nullptr;
}

const JobEntry* Scheduler::Impl::get(JobId id) const {
    return const_cast<Impl*>(this)->get(id);
}

JobEntry& Scheduler::Impl::create(JobId id) {
    std::unique_ptr<JobChunk>& chunk = chunks[id / kChunkJobs];
    if (!chunk) chunk = std::make_unique<JobChunk>();
    JobEntry& e = chunk->slots[id % kChunkJobs];
    if (e.id == 0) {
        ++chunk->used;
        ++count;
    }
    e = JobEntry{};
    e.id = id;
    return e;
}

void Scheduler::Impl::erase(JobId id) {
    auto it = chunks.find(id / kChunkJobs);
    if (it == chunks.end()) return;
    JobEntry& e = it->second->slots[id % kChunkJobs];
    if (e.id != id) return;
    e = JobEntry{};  // also frees the reason's heap buffer
    --count;
    if (--it->second->used == 0) chunks.erase(it);
}

void Scheduler::Impl::for_each(const std::function<void(JobEntry&)>& fn) {
    for (auto& [base, chunk] : chunks)
        for (JobEntry& e : chunk->slots)
            if (e.id != 0) fn(e);
}

void Scheduler::Impl::for_each_newest_first(const std::function<bool(const JobEntry&)>& fn) const {
    for (auto c = chunks.rbegin(); c != chunks.rend(); ++c)
        for (auto e = c->second->slots.rbegin(); e != c->second->slots.rend(); ++e)
            if (e->id != 0 && !fn(*e)) return;
}

void Scheduler::Impl::attach(JobEntry& e) {
    QueueRuntime& q = queues[e.queue];
    switch (e.status.state) {
        case JobState::scheduled:
            ++q.scheduled;
            ++scheduled;
            push_due(e);
            break;
        case JobState::blocked:
            ++q.blocked;
            break;
        case JobState::pending:
            ++q.pending;
            ++q.runnable_version;
            enqueue_runnable(e);
            break;
        case JobState::running:
            ++q.running;
            ++running;
            break;
        default:
            if (e.status.state == JobState::dead) ++q.dead;
            q.finished.emplace_back(e.status.finished_at, e.id);
            return;
    }
    ++live;
    if (auto k = key_of.find(e.id); k != key_of.end()) keys.emplace(k->second, e.id);
}

void Scheduler::Impl::detach(JobEntry& e, bool popped) {
    QueueRuntime& q = queues[e.queue];
    switch (e.status.state) {
        case JobState::scheduled:
            --q.scheduled;
            --scheduled;
            break;  // its heap entry goes stale
        case JobState::blocked:
            --q.blocked;
            break;
        case JobState::pending:
            --q.pending;
            ++q.runnable_version;
            if (!popped) {
                parked.insert(e.id);
                if (q.runnable_entries > 2 * q.pending + kCompactSlack) compact_runnable(q);
            }
            break;
        case JobState::running:
            --q.running;
            --running;
            break;
        default:
            if (e.status.state == JobState::dead) --q.dead;
            return;
    }
    --live;
    if (auto k = key_of.find(e.id); k != key_of.end()) {
        auto held = keys.find(k->second);
        if (held != keys.end() && held->second == e.id) keys.erase(held);
    }
}

void Scheduler::Impl::set_state(JobEntry& e, JobState s, bool popped) {
    detach(e, popped);
    e.status.state = s;
    attach(e);
    record_change(e.id);
}

void Scheduler::Impl::record_change(JobId id) {
    if (changed.insert(id).second) changes.push_back(id);
}

void Scheduler::Impl::enqueue_runnable(JobEntry& e) {
    if (parked.erase(e.id) > 0) return;  // its old entry is still queued: it keeps that place
    QueueRuntime& q = queues[e.queue];
    q.runnable[e.priority].push_back(e.id);
    ++q.runnable_entries;
}

std::optional<JobId> Scheduler::Impl::pop_runnable(std::uint16_t queue) {
    QueueRuntime& q = queues[queue];
    while (!q.runnable.empty()) {
        auto bucket = q.runnable.begin();
        std::deque<JobId>& fifo = bucket->second;
        const JobId id = fifo.front();
        fifo.pop_front();
        --q.runnable_entries;
        if (fifo.empty()) q.runnable.erase(bucket);
        const JobEntry* e = get(id);
        if (e && e->status.state == JobState::pending && e->queue == queue) return id;
        parked.erase(id);  // a stale entry: its job may queue afresh later
    }
    return std::nullopt;
}

void Scheduler::Impl::compact_runnable(QueueRuntime& q) {
    q.runnable_entries = 0;
    for (auto bucket = q.runnable.begin(); bucket != q.runnable.end();) {
        std::deque<JobId> kept;
        for (JobId id : bucket->second) {
            const JobEntry* e = get(id);
            if (e && e->status.state == JobState::pending) {
                kept.push_back(id);
            } else {
                parked.erase(id);
            }
        }
        q.runnable_entries += kept.size();
        if (kept.empty()) {
            bucket = q.runnable.erase(bucket);
        } else {
            bucket->second = std::move(kept);
            ++bucket;
        }
    }
}

void Scheduler::Impl::push_due(const JobEntry& e) {
    if (due.size() > 2 * scheduled + kCompactSlack) {
        std::erase_if(due, [this](const DueEntry& d) {
            const JobEntry* j = get(d.second);
            return !j || j->status.state != JobState::scheduled || j->status.run_at != d.first;
        });
        std::make_heap(due.begin(), due.end(), due_later);
    }
    due.emplace_back(e.status.run_at, e.id);
    std::push_heap(due.begin(), due.end(), due_later);
}

std::optional<JobId> Scheduler::Impl::pop_due(WallUs now) {
    while (!due.empty() && due.front().first <= now) {
        const DueEntry top = due.front();
        std::pop_heap(due.begin(), due.end(), due_later);
        due.pop_back();
        const JobEntry* e = get(top.second);
        if (e && e->status.state == JobState::scheduled && e->status.run_at == top.first)
            return top.second;
    }
    return std::nullopt;
}

void Scheduler::Impl::drop_stale_due() {
    while (!due.empty()) {
        const JobEntry* e = get(due.front().second);
        if (e && e->status.state == JobState::scheduled && e->status.run_at == due.front().first)
            return;
        std::pop_heap(due.begin(), due.end(), due_later);
        due.pop_back();
    }
}

}  // namespace tend::jobs

// Rebuilding the table from the job log, and pruning finished jobs (SPEC §6.3).
#include <algorithm>

#include "queue/core/scheduler_impl.hpp"

namespace tend::jobs {

void Scheduler::restore_submit(const JobSpec& spec, std::uint64_t spec_offset,
                               std::uint32_t spec_length) {
    if (spec.id == 0) return;
    const std::uint16_t queue = ensure_queue(spec.queue);
    JobEntry* e = impl_->get(spec.id);
    if (!e) {
        e = &impl_->create_from(spec, queue);
        // Waiting for --after first: a job with both a time and dependencies is blocked until
        // they succeed, and finish_restore then decides between scheduled and pending.
        if (!spec.after.empty()) {
            e->status.state = JobState::blocked;
        } else {
            e->status.state = spec.run_at > 0 ? JobState::scheduled : JobState::pending;
        }
    }
    e->spec_offset = spec_offset;
    e->spec_length = spec_length;
    next_id_ = std::max(next_id_, spec.id + 1);
}

void Scheduler::restore_status(JobId id, const JobStatus& status) {
    if (JobEntry* e = impl_->get(id)) e->status = status;
}

namespace {

void reset_runtime(QueueRuntime& q) {
    QueueRuntime fresh;
    fresh.paused = q.paused;  // restored from the log before the jobs are settled
    fresh.finished_ok = q.finished_ok;
    fresh.finished_bad = q.finished_bad;
    fresh.finished_by_state = q.finished_by_state;
    q = std::move(fresh);
}

}  // namespace

void Scheduler::finish_restore(WallUs now) {
    Impl& m = *impl_;
    for (QueueRuntime& q : m.queues) reset_runtime(q);
    m.due.clear();
    m.dependents.clear();
    m.keys.clear();
    m.parked.clear();
    m.running = 0;
    m.live = 0;
    m.scheduled = 0;
    m.vtime = 0;
    m.for_each([&m](JobEntry& e) {
        e.unmet_deps = 0;
        m.attach(e);
    });
    for (QueueRuntime& q : m.queues) std::sort(q.finished.begin(), q.finished.end());

    // Blocked jobs: register with unfinished dependencies before cancelling anything, so that
    // a cancellation reaches every job downstream of it.
    std::vector<JobId> unblocked;
    std::vector<std::pair<JobId, std::string>> doomed;
    m.for_each([&](JobEntry& e) {
        if (e.status.state != JobState::blocked) return;
        auto after = m.after_of.find(e.id);
        const Impl::DepCheck deps =
            after == m.after_of.end() ? Impl::DepCheck{} : m.check_deps(after->second, true);
        if (!deps.failure.empty()) {
            doomed.emplace_back(e.id, deps.failure);
            return;
        }
        m.register_dependent(e.id);
        e.unmet_deps = deps.unmet;
        if (deps.unmet == 0) unblocked.push_back(e.id);
    });
    for (JobId id : unblocked) m.unblock(*m.get(id), now);
    for (auto& [id, reason] : doomed) {
        JobEntry* e = m.get(id);
        if (!e || is_finished(e->status.state)) continue;  // already reached by a cascade
        m.end_job(*e, JobState::cancelled, now, std::move(reason));
        m.settle_dependents(id, now);
    }
    promote_due(now);
}

std::vector<JobId> Scheduler::running_jobs() const {
    std::vector<JobId> ids;
    impl_->for_each([&ids](JobEntry& e) {
        if (e.status.state == JobState::running) ids.push_back(e.id);
    });
    return ids;
}

namespace {

// Whether a job that finished at `at` has been kept long enough.
bool expired(WallUs at, Usec keep, WallUs now) {
    return saturating_add(at, keep.count()) <= now;
}

bool still_finished_at(const JobEntry* e, WallUs at) {
    return e && is_finished(e->status.state) && e->status.finished_at == at;
}

}  // namespace

std::vector<JobId> Scheduler::prune(WallUs now, std::uint64_t* spec_bytes) {
    Impl& m = *impl_;
    std::vector<JobId> pruned;
    for (std::size_t i = 0; i < m.queues.size(); ++i) {
        auto& finished = m.queues[i].finished;
        while (!finished.empty() && expired(finished.front().first, queues_[i].keep, now)) {
            const auto [at, id] = finished.front();
            finished.pop_front();
            // A job retried since it was indexed is not finished, or finished later.
            if (!still_finished_at(m.get(id), at)) continue;
            if (spec_bytes) *spec_bytes += m.get(id)->spec_length;
            m.forget(id);
            pruned.push_back(id);
        }
    }
    std::sort(pruned.begin(), pruned.end());
    return pruned;
}

std::optional<WallUs> Scheduler::next_prune() const {
    Impl& m = *impl_;
    std::optional<WallUs> earliest;
    for (std::size_t i = 0; i < m.queues.size(); ++i) {
        auto& finished = m.queues[i].finished;
        while (!finished.empty() &&
               !still_finished_at(m.get(finished.front().second), finished.front().first))
            finished.pop_front();
        if (finished.empty()) continue;
        const WallUs at = saturating_add(finished.front().first, queues_[i].keep.count());
        if (!earliest || at < *earliest) earliest = at;
    }
    return earliest;
}

}  // namespace tend::jobs

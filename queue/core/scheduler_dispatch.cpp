// Dispatch: time promotion, weighted picking of queues, and how a run ends (SPEC §6.2, §6.4).
#include <algorithm>

#include "queue/core/backoff.hpp"
#include "queue/core/scheduler_impl.hpp"
#include "supervisor/util/signals.hpp"

namespace tend::jobs {

namespace {

std::string describe_exit(ExitStatus exit) {
    if (exit.signal != 0) return "killed by signal " + signal_name(exit.signal);
    return "exit code " + std::to_string(exit.code);
}

constexpr int kYieldCode = 75;  // EX_TEMPFAIL

}  // namespace

void Scheduler::promote_due(WallUs now) {
    while (auto id = impl_->pop_due(now)) impl_->set_state(*impl_->get(*id), JobState::pending);
}

std::optional<WallUs> Scheduler::next_due() const {
    impl_->drop_stale_due();
    if (impl_->due.empty()) return std::nullopt;
    return impl_->due.front().first;
}

// Stride scheduling: each pick advances the chosen queue's pass by 1/weight, and the lowest
// pass goes next, so busy queues share starts in proportion to their weights.
std::optional<std::uint16_t> Scheduler::Impl::pick_queue() {
    std::optional<std::uint16_t> best;
    for (std::size_t i = 0; i < queues.size(); ++i) {
        QueueRuntime& q = queues[i];
        const int concurrency = std::max(1, (*settings)[i].concurrency);
        if (q.paused || q.pending == 0 || q.running >= concurrency) {
            q.idle = true;
            continue;
        }
        // A queue that sat out must not bank credit and then take every slot.
        if (q.idle) q.pass = std::max(q.pass, vtime);
        q.idle = false;
        if (!best || q.pass < queues[*best].pass) best = static_cast<std::uint16_t>(i);
    }
    if (best) {
        QueueRuntime& q = queues[*best];
        vtime = q.pass;
        q.pass += 1.0 / std::max(1, (*settings)[*best].weight);
    }
    return best;
}

void Scheduler::Impl::start(JobEntry& e, WallUs now) {
    JobStatus& st = e.status;
    if (!st.repeat_attempt) ++st.attempt;
    st.repeat_attempt = false;
    ++st.runs;
    st.started_at = now;
    st.finished_at = 0;
    st.pid = 0;
    st.pid_start = 0;
    st.interrupted = false;
    st.cancel_requested = false;
    st.reason.clear();
    set_state(e, JobState::running, true);
}

std::vector<JobId> Scheduler::take_runnable(WallUs now) {
    std::vector<JobId> started;
    while (max_running_ <= 0 || impl_->running < max_running_) {
        auto queue = impl_->pick_queue();
        if (!queue) break;
        auto id = impl_->pop_runnable(*queue);
        if (!id) break;  // cannot happen while the queue counts a pending job
        impl_->start(*impl_->get(*id), now);
        started.push_back(*id);
    }
    return started;
}

void Scheduler::set_process(JobId id, std::int32_t pid, std::uint64_t pid_start) {
    JobEntry* e = impl_->get(id);
    if (!e) return;
    e->status.pid = pid;
    e->status.pid_start = pid_start;
    impl_->record_change(id);
}

void Scheduler::finished(JobId id, ExitStatus exit, WallUs now, double random01,
                         const std::string& reason, bool failed_anyway) {
    Impl& m = *impl_;
    JobEntry* e = m.get(id);
    if (!e || e->status.state != JobState::running) return;
    JobStatus& st = e->status;
    st.pid = 0;
    st.pid_start = 0;
    st.last_exit = exit;
    if (st.cancel_requested) {
        m.end_job(*e, JobState::cancelled, now,
                  st.reason.empty() ? "cancelled by user" : std::string(st.reason));
    } else if (exit.code == 0 && exit.signal == 0 && !failed_anyway) {
        m.end_job(*e, JobState::succeeded, now, {});
    } else if (exit.code == kYieldCode && exit.signal == 0 && !failed_anyway) {
        st.repeat_attempt = true;
        st.reason = "yielded (exit 75)";
        m.set_state(*e, JobState::pending);
        return;
    } else {
        const std::string why = reason.empty() ? describe_exit(exit) : reason;
        if (st.attempt < st.max_attempts) {
            const QueueSettings& qs = m.settings_of(*e);
            const Usec delay =
                retry_backoff(qs.retry_delay, qs.retry_delay_max, st.attempt, random01);
            st.run_at = saturating_add(now, delay.count());
            st.reason = "attempt " + std::to_string(st.attempt) + " of " +
                        std::to_string(st.max_attempts) + " failed (" + why + "); retrying";
            m.set_state(*e, JobState::scheduled);
            return;
        }
        m.end_job(*e, st.max_attempts <= 1 ? JobState::failed : JobState::dead, now, why);
    }
    m.settle_dependents(id, now);
}

void Scheduler::interrupt(JobId id, const std::string& reason) {
    JobEntry* e = impl_->get(id);
    if (!e || e->status.state != JobState::running) return;
    JobStatus& st = e->status;
    if (st.cancel_requested) {
        // The user cancelled it and it did not outlive tendd: running it again would undo
        // the cancel. No clock here, so it ends at its last start (pruning a bit early).
        const WallUs at = st.started_at;
        impl_->end_job(*e, JobState::cancelled, at,
                       st.reason.empty() ? "cancelled by user" : std::string(st.reason));
        impl_->settle_dependents(id, at);
        return;
    }
    st.pid = 0;
    st.pid_start = 0;
    st.repeat_attempt = true;
    st.interrupted = true;
    st.reason = reason;
    impl_->set_state(*e, JobState::pending);
}

}  // namespace tend::jobs

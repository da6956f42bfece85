// Dependencies between jobs (--after), and the user's cancel and retry (SPEC §6.1).
#include <algorithm>

#include "queue/core/scheduler_impl.hpp"

namespace tend::jobs {

std::string dependency_failure(JobId dep, JobState s) {
    const std::string d = "dependency " + std::to_string(dep);
    switch (s) {
        case JobState::failed:
            return d + " failed";
        case JobState::dead:
            return d + " is dead";
        case JobState::cancelled:
            return d + " was cancelled";
        default:
            return {};
    }
}

Scheduler::Impl::DepCheck Scheduler::Impl::check_deps(const std::vector<JobId>& after,
                                                      bool missing_is_met) const {
    DepCheck r;
    for (JobId dep : after) {
        const JobEntry* d = get(dep);
        if (!d) {
            if (missing_is_met) continue;
            r.bad = dep;
            r.failure = "dependency " + std::to_string(dep) + " does not exist";
            return r;
        }
        if (d->status.state == JobState::succeeded) continue;
        if (is_finished(d->status.state)) {
            r.bad = dep;
            r.failure = dependency_failure(dep, d->status.state);
            return r;
        }
        ++r.unmet;
    }
    return r;
}

void Scheduler::Impl::register_dependent(JobId id) {
    auto after = after_of.find(id);
    if (after == after_of.end()) return;
    for (JobId dep : after->second) {
        const JobEntry* d = get(dep);
        if (d && !is_finished(d->status.state)) dependents[dep].push_back(id);
    }
}

void Scheduler::Impl::unregister_dependent(JobId id) {
    auto after = after_of.find(id);
    if (after == after_of.end()) return;
    for (JobId dep : after->second) {
        auto list = dependents.find(dep);
        if (list == dependents.end()) continue;
        std::erase(list->second, id);
        if (list->second.empty()) dependents.erase(list);
    }
}

void Scheduler::Impl::end_job(JobEntry& e, JobState s, WallUs now, std::string reason) {
    e.status.finished_at = now;  // before set_state: prune indexes by it
    e.status.reason = std::move(reason);
    e.status.pid = 0;
    e.status.pid_start = 0;
    e.unmet_deps = 0;
    set_state(e, s);
    QueueRuntime& q = queues[e.queue];
    ++(s == JobState::succeeded ? q.finished_ok : q.finished_bad);
    ++q.finished_by_state[static_cast<std::size_t>(s)];
}

void Scheduler::Impl::unblock(JobEntry& e, WallUs now) {
    set_state(e, e.status.run_at > now ? JobState::scheduled : JobState::pending);
}

void Scheduler::Impl::release_dependent(JobId id, WallUs now) {
    JobEntry* e = get(id);
    if (!e || e->status.state != JobState::blocked || e->unmet_deps == 0) return;
    if (--e->unmet_deps == 0) unblock(*e, now);
}

void Scheduler::Impl::settle_dependents(JobId root, WallUs now) {
    // A work list instead of recursion: a chain of 100,000 dependents must not overflow.
    std::vector<JobId> work{root};
    while (!work.empty()) {
        const JobId id = work.back();
        work.pop_back();
        const JobEntry* done = get(id);
        if (!done || !is_finished(done->status.state)) continue;
        auto list = dependents.find(id);
        if (list == dependents.end()) continue;
        const std::vector<JobId> waiting = std::move(list->second);
        dependents.erase(list);
        const JobState s = done->status.state;
        if (s == JobState::succeeded) {
            for (JobId w : waiting) release_dependent(w, now);
            continue;
        }
        const std::string reason = dependency_failure(id, s);
        for (JobId w : waiting) {
            JobEntry* e = get(w);
            if (!e || is_finished(e->status.state) || e->status.state == JobState::running)
                continue;
            end_job(*e, JobState::cancelled, now, reason);
            work.push_back(w);
        }
    }
}

namespace {

// "job 1 has already succeeded", "job 1 is running": a job's state as a sentence, for refusals.
std::string job_is(JobId id, JobState s) {
    const std::string job = "job " + std::to_string(id);
    switch (s) {
        case JobState::succeeded:
            return job + " has already succeeded";
        case JobState::failed:
            return job + " has already failed";
        case JobState::dead:
            return job + " is already dead";
        case JobState::cancelled:
            return job + " has already been cancelled";
        default:
            return job + " is " + to_string(s);
    }
}

}  // namespace

Status Scheduler::cancel(JobId id, WallUs now, const std::string& reason) {
    JobEntry* e = impl_->get(id);
    if (!e) return make_error("no job " + std::to_string(id));
    const JobState s = e->status.state;
    if (is_finished(s)) return make_error(job_is(id, s));
    if (s == JobState::running) {
        // The caller sends TERM; finished() then ends it cancelled with this reason.
        if (!e->status.cancel_requested) {
            e->status.cancel_requested = true;
            e->status.reason = reason;
            impl_->record_change(id);
        }
        return ok_status();
    }
    impl_->end_job(*e, JobState::cancelled, now, reason);
    impl_->settle_dependents(id, now);
    return ok_status();
}

// A retry does not depend on the time: it runs now, not at the original --at.
Status Scheduler::retry(JobId id, WallUs /*now*/) {
    Impl& m = *impl_;
    JobEntry* e = m.get(id);
    if (!e) return make_error("no job " + std::to_string(id));
    const JobState s = e->status.state;
    if (s != JobState::failed && s != JobState::dead && s != JobState::cancelled)
        return make_error(job_is(id, s) + "; only failed, dead or cancelled jobs can be retried");
    if (auto key = m.key_of.find(id); key != m.key_of.end()) {
        auto held = m.keys.find(key->second);
        if (held != m.keys.end() && held->second != id)
            return make_error("key " + unscoped_key(key->second) + " is held by job " +
                              std::to_string(held->second));
    }
    auto after = m.after_of.find(id);
    const Impl::DepCheck deps =
        after == m.after_of.end() ? Impl::DepCheck{} : m.check_deps(after->second, false);
    if (deps.bad != 0 && !m.get(deps.bad))
        return make_error("job " + std::to_string(id) + " cannot be retried: dependency " +
                          std::to_string(deps.bad) + " no longer exists");
    if (deps.bad != 0) return make_error(deps.failure + "; retry it first");
    // Entries left from before it finished would count a dependency twice.
    m.unregister_dependent(id);
    m.register_dependent(id);
    JobStatus& st = e->status;
    st.attempt = 0;
    st.repeat_attempt = false;
    st.cancel_requested = false;
    st.interrupted = false;
    st.finished_at = 0;
    st.run_at = 0;
    st.pid = 0;
    st.pid_start = 0;
    st.reason = "retried";
    e->unmet_deps = deps.unmet;
    m.set_state(*e, deps.unmet > 0 ? JobState::blocked : JobState::pending);
    return ok_status();
}

}  // namespace tend::jobs

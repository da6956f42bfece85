// The job table: queues, submits, entries and change tracking (SPEC §6.1, §6.4).
#include "queue/core/scheduler.hpp"

#include <algorithm>

#include "queue/core/scheduler_impl.hpp"

namespace tend::jobs {

Scheduler::Scheduler(std::vector<QueueSettings> queues, int max_running)
    : queues_(std::move(queues)), max_running_(max_running), impl_(std::make_unique<Impl>()) {
    if (!queue_index("default")) {
        QueueSettings d;
        d.name = "default";
        queues_.push_back(std::move(d));
    }
    impl_->settings = &queues_;
    impl_->queues.resize(queues_.size());
}

Scheduler::~Scheduler() = default;

// Impl points at queues_, which moves with the object: re-aim it.
Scheduler::Scheduler(Scheduler&& o) noexcept
    : queues_(std::move(o.queues_)),
      max_running_(o.max_running_),
      next_id_(o.next_id_),
      impl_(std::move(o.impl_)) {
    if (impl_) impl_->settings = &queues_;
}

Scheduler& Scheduler::operator=(Scheduler&& o) noexcept {
    queues_ = std::move(o.queues_);
    max_running_ = o.max_running_;
    next_id_ = o.next_id_;
    impl_ = std::move(o.impl_);
    if (impl_) impl_->settings = &queues_;
    return *this;
}

std::optional<std::uint16_t> Scheduler::queue_index(const std::string& name) const {
    for (std::size_t i = 0; i < queues_.size(); ++i)
        if (queues_[i].name == name) return static_cast<std::uint16_t>(i);
    return std::nullopt;
}

std::uint16_t Scheduler::ensure_queue(const std::string& name) {
    if (auto i = queue_index(name)) return *i;
    // JobEntry::queue is 16 bits; a log naming more queues than that is not a real setup.
    if (queues_.size() > UINT16_MAX) return *queue_index("default");
    QueueSettings s;
    s.name = name;
    s.configured = false;
    queues_.push_back(std::move(s));
    impl_->queues.emplace_back();
    return static_cast<std::uint16_t>(queues_.size() - 1);
}

Status Scheduler::set_paused(const std::string& queue, bool paused) {
    auto i = queue_index(queue);
    if (!i) return make_error("no queue named \"" + queue + "\"");
    impl_->queues[*i].paused = paused;
    return ok_status();
}

void Scheduler::reconfigure(const std::vector<QueueSettings>& queues) {
    for (auto& q : queues_)
        if (std::none_of(queues.begin(), queues.end(),
                         [&](const QueueSettings& n) { return n.name == q.name; }))
            q.configured = false;
    for (const auto& n : queues) {
        // Indexes are kept (JobEntry::queue holds them), so a queue is updated in place.
        const std::uint16_t i = ensure_queue(n.name);
        if (queues_[i].name != n.name) continue;  // past the 16-bit bound: not a real setup
        queues_[i] = n;
        queues_[i].configured = true;
    }
}

Status Scheduler::set_queue_key(const std::string& queue, std::string_view key,
                                std::int64_t value) {
    auto i = queue_index(queue);
    if (!i) return make_error("no queue named \"" + queue + "\"");
    QueueSettings changed = queues_[*i];
    if (auto e = set_runtime_key(changed, key, value)) return make_error(*e);
    queues_[*i] = std::move(changed);
    return ok_status();
}

bool Scheduler::paused(std::uint16_t queue) const {
    return queue < impl_->queues.size() && impl_->queues[queue].paused;
}

std::optional<Scheduler::Refusal> Scheduler::check_submit(const JobSpec& spec,
                                                          std::size_t count) const {
    auto i = queue_index(spec.queue);
    if (i && !queues_[*i].configured) {
        const QueueRuntime& r = impl_->queues[*i];
        if (r.scheduled + r.blocked + r.pending > 0 || r.running > 0)
            return Refusal{"queue " + spec.queue +
                               " is no longer in the config: it finishes its jobs but takes no "
                               "new ones",
                           false, true};
    }
    if (!i || !queues_[*i].configured)
        return Refusal{"no queue named \"" + spec.queue + "\"", false, true};
    for (JobId dep : spec.after)
        if (!impl_->get(dep))
            return Refusal{"no job " + std::to_string(dep) + " (--after)", false, true};
    const QueueRuntime& q = impl_->queues[*i];
    const std::uint64_t waiting = q.scheduled + q.blocked + q.pending;
    if (waiting + count > queues_[*i].max_pending)
        return Refusal{"queue " + spec.queue + " is full: " + std::to_string(waiting) +
                           " jobs waiting (max_pending)",
                       true, false};
    return std::nullopt;
}

std::optional<JobId> Scheduler::find_key(std::uint32_t uid, const std::string& key) const {
    auto it = impl_->keys.find(scoped_key(uid, key));
    if (it == impl_->keys.end()) return std::nullopt;
    return it->second;
}

JobEntry& Scheduler::Impl::create_from(const JobSpec& spec, std::uint16_t queue) {
    JobEntry& e = create(spec.id);
    e.env_id = spec.env_id;
    e.uid = spec.uid;
    e.queue = queue;
    e.priority = spec.priority;
    e.timeout_us = spec.timeout_us;
    e.submitted_at = spec.submitted_at;
    const std::uint32_t attempts =
        spec.max_attempts != 0 ? spec.max_attempts : (*settings)[queue].max_attempts;
    e.status.max_attempts = std::max<std::uint32_t>(attempts, 1);
    // Kept whatever the state, so that a replay (which cannot know `now` at submit) ends up
    // with the same status as the live table.
    e.status.run_at = spec.run_at;
    if (!spec.after.empty()) after_of[spec.id] = spec.after;
    if (!spec.key.empty()) key_of[spec.id] = scoped_key(spec.uid, spec.key);
    return e;
}

void Scheduler::add(const JobSpec& spec, std::uint32_t spec_length, WallUs now) {
    if (spec.id == 0 || impl_->get(spec.id)) return;
    Impl& m = *impl_;
    JobEntry& e = m.create_from(spec, ensure_queue(spec.queue));
    e.spec_length = spec_length;
    next_id_ = std::max(next_id_, spec.id + 1);
    const Impl::DepCheck deps = m.check_deps(spec.after, false);
    if (!deps.failure.empty()) {
        // Not the state the submit record implies, so it is a change to record.
        e.status.state = JobState::cancelled;
        e.status.finished_at = now;
        e.status.reason = deps.failure;
        m.attach(e);
        ++m.queues[e.queue].finished_bad;
        ++m.queues[e.queue].finished_by_state[static_cast<std::size_t>(JobState::cancelled)];
        m.record_change(e.id);
        return;
    }
    m.register_dependent(e.id);
    e.unmet_deps = deps.unmet;
    if (deps.unmet > 0) {
        e.status.state = JobState::blocked;
    } else {
        e.status.state = spec.run_at > now ? JobState::scheduled : JobState::pending;
    }
    m.attach(e);
}

void Scheduler::Impl::forget(JobId id) {
    JobEntry* e = get(id);
    if (!e) return;
    if (!is_finished(e->status.state)) unregister_dependent(id);
    // A pending job is parked here: should the id be added again, it reuses its queued entry.
    detach(*e);
    dependents.erase(id);
    after_of.erase(id);
    key_of.erase(id);
    erase(id);
}

void Scheduler::remove_uncommitted(JobId id) {
    impl_->forget(id);
}

void Scheduler::set_spec_location(JobId id, std::uint64_t offset, std::uint32_t length) {
    if (JobEntry* e = impl_->get(id)) {
        e->spec_offset = offset;
        e->spec_length = length;
    }
}

const JobEntry* Scheduler::find(JobId id) const {
    return impl_->get(id);
}

std::vector<JobId> Scheduler::take_changes() {
    std::vector<JobId> out;
    out.reserve(impl_->changes.size());
    for (JobId id : impl_->changes)
        if (impl_->get(id)) out.push_back(id);  // removed since: nothing left to record
    impl_->changes.clear();
    impl_->changed.clear();
    return out;
}

// Never lowers it: an id handed out once must not be handed out again.
void Scheduler::set_next_id(JobId id) {
    next_id_ = std::max(next_id_, id);
}

std::size_t Scheduler::job_count() const {
    return impl_->count;
}

std::size_t Scheduler::live_count() const {
    return impl_->live;
}

}  // namespace tend::jobs

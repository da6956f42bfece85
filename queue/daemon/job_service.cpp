// The job service's turn: decide in memory, write every change, commit once, then act on it.
#include "queue/daemon/job_service.hpp"

#include "queue/store/file_job_store.hpp"
#include "supervisor/daemon/state_lock.hpp"

namespace tend::jobs {

JobService::JobService(JobServiceOptions options)
    : opt_(std::move(options)), sched_(opt_.queues, opt_.max_running) {}

JobService::~JobService() = default;

Result<std::unique_ptr<JobService>> JobService::open(JobServiceOptions options) {
    std::unique_ptr<JobService> s(new JobService(std::move(options)));
    // The spool is checked before anything else: a spool another user could read or fill
    // means tendd must not start (SPEC §2).
    if (!s->opt_.spool_dir.empty()) {
        auto fd = open_spool_dir(s->opt_.spool_dir, s->opt_.spool_policy);
        if (!fd) return make_error(fd.error());
        s->spool_fd_ = std::move(*fd);
    }
    for (const char* sub : {"/jobs/output", "/jobs/checkpoints"})
        if (auto st = make_dirs(s->opt_.state_dir + sub, 0700); !st) return make_error(st.error());
    FileJobStoreOptions so;
    so.loop = s->opt_.loop;
    so.state_dir = s->opt_.state_dir;
    so.table = &s->sched_;
    so.cron = &s->cron_book_;
    so.info = s->opt_.info;
    so.warn = s->opt_.warn;
    auto store = FileJobStore::open(std::move(so));
    if (!store) return make_error(store.error());
    s->store_ = std::move(store.value());
    if (auto st = s->recover(); !st) return make_error(st.error());
    s->store_->set_turn_hook([p = s.get()] { p->on_turn(); });
    s->settle_survivors();
    s->pump();
    s->arm_prune_timer();
    return s;
}

WallUs JobService::now() const {
    uint64_t usec = 0;
    sd_event_now(opt_.loop, CLOCK_REALTIME, &usec);
    return static_cast<WallUs>(usec);
}

void JobService::pump() {
    if (!stopping_) {
        const WallUs t = now();
        sched_.promote_due(t);
        for (JobId id : sched_.take_runnable(t)) after_durable([this, id] { spawn(id); });
    }
    flush_changes();
    arm_due_timer();
    // A job that just finished may be the next to expire.
    arm_prune_timer();
}

void JobService::after_durable(std::function<void()> action) {
    after_commit_.push_back(std::move(action));
}

void JobService::flush_changes(bool urgent) {
    std::vector<StatusRecord> changes;
    for (JobId id : sched_.take_changes()) {
        const JobEntry* e = sched_.find(id);
        if (!e) continue;
        changes.push_back(StatusRecord{id, e->status});
    }
    if (changes.empty() && after_commit_.empty()) return;
    std::function<void()> durable;
    if (!after_commit_.empty())
        durable = [actions = std::move(after_commit_)] {
            for (auto& a : actions) a();
        };
    after_commit_.clear();
    store_->record_status(std::move(changes), urgent, std::move(durable));
}

void JobService::on_turn() {
    pump();
    if (!store_->idle()) return;
    answer_waiters();
    if (stopping_ && processes_.empty() && stopped_) {
        auto done = std::move(stopped_);
        stopped_ = nullptr;
        done();
    }
}

void JobService::arm_due_timer() {
    auto due = sched_.next_due();
    if (!due || stopping_) {
        due_timer_.reset();
        return;
    }
    const uint64_t at = static_cast<uint64_t>(std::max<WallUs>(*due, 1));
    if (due_timer_) {
        sd_event_source_set_time(due_timer_.get(), at);
        sd_event_source_set_enabled(due_timer_.get(), SD_EVENT_ONESHOT);
        return;
    }
    sd_event_source* t = nullptr;
    // CLOCK_REALTIME: --at names a wall-clock time, and a clock step must move the wake-up.
    sd_event_add_time(opt_.loop, &t, CLOCK_REALTIME, at, 1000, &JobService::on_due, this);
    due_timer_.reset(t);
}

int JobService::on_due(sd_event_source*, uint64_t, void* self) {
    static_cast<JobService*>(self)->pump();
    return 0;
}

void JobService::stop_all(std::function<void()> done, bool drain) {
    stopping_ = true;
    store_->stopping();
    if (done) stopped_ = std::move(done);
    due_timer_.reset();
    for (auto& [id, proc] : processes_) {
        if (drain) break;
        const JobEntry* e = sched_.find(id);
        const Usec grace = e ? sched_.queues()[e->queue].stop_timeout : std::chrono::seconds(30);
        proc->note("tendd is shutting down: sending TERM");
        proc->terminate(grace);
    }
    // Jobs marked running whose process was not spawned yet go back to pending at once.
    for (JobId id : sched_.running_jobs())
        if (!processes_.count(id))
            sched_.interrupt(id, "interrupted: tendd shut down before it started");
    flush_changes();
    store_->request_turn();
}

void JobService::kill_all() {
    for (auto& [id, proc] : processes_) proc->kill_now();
}

}  // namespace tend::jobs

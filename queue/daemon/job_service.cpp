// The job service's turn: decide in memory, write every change, commit once, then act on it.
#include "queue/daemon/job_service.hpp"

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/daemon/state_lock.hpp"

namespace tend::jobs {

namespace {
// Requests from every client that are ready in one loop iteration are handled before the
// commit, so they share one fdatasync (group commit); output pipes come after the commit.
constexpr int64_t kCommitPriority = 5;
constexpr Usec kCommitRetry = std::chrono::seconds(1);
constexpr Usec kLazyFlush = std::chrono::milliseconds(200);
}  // namespace

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
    if (auto st = s->recover(); !st) return make_error(st.error());
    auto src =
        ev::add_defer(s->opt_.loop, &JobService::on_commit, s.get(), "create the commit event");
    if (!src) return make_error(src.error());
    s->commit_source_ = std::move(*src);
    if (auto st =
            ev::set_priority(s->commit_source_.get(), kCommitPriority, "order the commit event");
        !st)
        return make_error(st.error());
    if (auto st = ev::set_enabled(s->commit_source_.get(), SD_EVENT_OFF, "pause the commit event");
        !st)
        return make_error(st.error());
    s->settle_survivors();
    s->pump();
    s->arm_prune_timer();
    return s;
}

WallUs JobService::now() const {
    return static_cast<WallUs>(ev::now(opt_.loop, CLOCK_REALTIME));
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
    std::string frames;
    for (JobId id : sched_.take_changes()) {
        const JobEntry* e = sched_.find(id);
        if (!e) continue;
        append_frame(frames, RecordType::status, encode_status(StatusRecord{id, e->status}));
    }
    if (frames.empty() && after_commit_.empty()) return;
    auto actions = std::move(after_commit_);
    after_commit_.clear();
    if (frames.empty() && !log_->has_pending()) {
        // Nothing to write and nothing in flight: what the actions report is already durable.
        for (auto& a : actions) a();
        return;
    }
    urgent = urgent || !actions.empty();
    log_->enqueue(std::move(frames), false, [actions = std::move(actions)](Result<uint64_t>) {
        for (auto& a : actions) a();
    });
    if (urgent) return request_commit();
    constexpr const char* what = "arm the lazy flush of the job log";
    Status armed = ok_status();
    if (!lazy_timer_) {
        auto t = ev::add_time_relative(opt_.loop, CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(kLazyFlush.count()), 10000,
                                       &JobService::on_lazy_flush, this, what);
        if (t)
            lazy_timer_ = std::move(*t);
        else
            armed = make_error(t.error());
    } else if (sd_event_source_get_enabled(lazy_timer_.get(), nullptr) == 0) {
        armed = ev::rearm_after(lazy_timer_.get(), static_cast<uint64_t>(kLazyFlush.count()), what);
    }
    if (!armed) {
        // Committed now instead: sooner than needed, never later.
        opt_.warn(armed.error() + "; committing at once");
        request_commit();
    }
}

int JobService::on_lazy_flush(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<JobService*>(self);
    if (s->log_->has_pending()) s->request_commit();
    return 0;
}

void JobService::request_commit() {
    // Enabling an existing source allocates nothing; should it fail, the next request (every
    // change and the commit retry make one) tries again.
    if (auto st = ev::set_enabled(commit_source_.get(), SD_EVENT_ONESHOT,
                                  "schedule a commit of the job log");
        !st)
        opt_.warn(st.error() + "; changes wait for the next commit");
}

int JobService::on_commit(sd_event_source*, void* self) {
    auto* s = static_cast<JobService*>(self);
    auto st = s->log_->commit();
    if (!st) {
        if (!s->commit_failing_) s->opt_.warn(st.error() + "; retrying every second");
        s->commit_failing_ = true;
        if (s->log_->has_pending() && !s->commit_retry_) {
            auto t = ev::add_time_relative(
                s->opt_.loop, CLOCK_MONOTONIC, static_cast<uint64_t>(kCommitRetry.count()), 100000,
                &JobService::on_commit_retry, s, "time the next commit retry");
            if (t)
                s->commit_retry_ = std::move(*t);
            else  // the next change retries instead
                s->opt_.warn(t.error() + "; the next change retries the commit");
        }
    } else if (s->commit_failing_) {
        s->commit_failing_ = false;
        s->opt_.info("the job log is writable again: " + s->log_->path());
    }
    s->pump();
    if (!s->log_->has_pending()) {
        s->answer_waiters();
        if (s->stopping_ && s->processes_.empty() && s->stopped_) {
            auto done = std::move(s->stopped_);
            s->stopped_ = nullptr;
            done();
            return 0;
        }
    }
    s->maybe_compact();
    return 0;
}

int JobService::on_commit_retry(sd_event_source*, uint64_t, void* self) {
    auto* s = static_cast<JobService*>(self);
    s->commit_retry_.reset();
    s->request_commit();
    return 0;
}

void JobService::arm_due_timer() {
    auto due = sched_.next_due();
    if (!due || stopping_) {
        due_timer_.reset();
        return;
    }
    const uint64_t at = static_cast<uint64_t>(std::max<WallUs>(*due, 1));
    constexpr const char* what = "arm the timer of jobs due later (--at, retry backoff)";
    Status armed = ok_status();
    if (due_timer_) {
        armed = ev::rearm_at(due_timer_.get(), at, what);
    } else {
        // CLOCK_REALTIME: --at names a wall-clock time, and a clock step must move the wake-up.
        auto t = ev::add_time(opt_.loop, CLOCK_REALTIME, at, 1000, &JobService::on_due, this, what);
        if (t)
            due_timer_ = std::move(*t);
        else
            armed = make_error(t.error());
    }
    // Every pump (each submit, exit and commit) tries again and starts what is due by then.
    if (!armed) opt_.warn(armed.error() + "; due jobs start at the next change");
}

int JobService::on_due(sd_event_source*, uint64_t, void* self) {
    static_cast<JobService*>(self)->pump();
    return 0;
}

void JobService::stop_all(std::function<void()> done, bool drain) {
    stopping_ = true;
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
    request_commit();
}

void JobService::kill_all() {
    for (auto& [id, proc] : processes_) proc->kill_now();
}

}  // namespace tend::jobs

// Wiring the job service: open the spool and the store, recover, and end each commit turn.
#include "queue/daemon/job_service.hpp"

#include "queue/daemon/file_job_store.hpp"
#include "supervisor/daemon/state_lock.hpp"

namespace tend::jobs {

JobService::JobService(JobServiceOptions options)
    : c_(std::move(options)),
      dispatch_(
          c_, [this](JobId id) { runner_.spawn(id); }, [this] { upkeep_.arm_prune_timer(); }),
      runner_(c_, dispatch_),
      submit_(c_, dispatch_),
      spool_(c_, dispatch_, submit_),
      views_(c_),
      control_(c_, dispatch_, runner_, views_),
      upkeep_(c_) {}

JobService::~JobService() = default;

Result<std::unique_ptr<JobService>> JobService::open(JobServiceOptions options) {
    std::unique_ptr<JobService> s(new JobService(std::move(options)));
    // The spool is checked before anything else: a spool another user could read or fill
    // means tendd must not start (SPEC §2).
    if (auto st = s->spool_.open(); !st) return make_error(st.error());
    for (const char* sub : {"/jobs/output", "/jobs/checkpoints"})
        if (auto st = make_dirs(s->c_.opt.state_dir + sub, 0700); !st)
            return make_error(st.error());
    FileJobStoreOptions so;
    so.loop = s->c_.opt.loop;
    so.state_dir = s->c_.opt.state_dir;
    so.table = &s->c_.sched;
    so.cron = &s->c_.cron_book;
    so.info = s->c_.opt.info;
    so.warn = s->c_.opt.warn;
    auto store = FileJobStore::open(std::move(so));
    if (!store) return make_error(store.error());
    s->c_.store = std::move(store.value());
    if (auto st = s->recover(); !st) return make_error(st.error());
    s->c_.store->set_turn_hook([p = s.get()] { p->on_turn(); });
    s->runner_.settle_survivors();
    s->dispatch_.pump();
    s->upkeep_.arm_prune_timer();
    return s;
}

void JobService::on_turn() {
    dispatch_.pump();
    if (!c_.store->idle()) return;
    control_.answer_waiters();
    if (c_.stopping && runner_.running_count() == 0 && stopped_) {
        auto done = std::move(stopped_);
        stopped_ = nullptr;
        done();
    }
}

void JobService::reconfigure(const std::vector<QueueSettings>& queues) {
    c_.sched.reconfigure(queues);
    dispatch_.pump();
}

void JobService::stop_all(std::function<void()> done, bool drain) {
    c_.stopping = true;
    c_.store->stopping();
    if (done) stopped_ = std::move(done);
    dispatch_.stop_timer();
    runner_.stop_all(drain);
    dispatch_.flush_changes();
    c_.store->request_turn();
}

void JobService::owners(std::vector<JobId> ids, std::function<void(Owners)> done) const {
    Owners out;
    out.reserve(ids.size());
    for (JobId id : ids) {
        const JobEntry* e = c_.sched.find(id);
        out.push_back(e ? std::optional<std::uint32_t>(e->uid) : std::nullopt);
    }
    done(std::move(out));
}

void JobService::fire(CronTick tick, std::function<void(Result<CronFired>)> done) {
    if (c_.sched.find_key(tick.spec.uid, tick.spec.key)) return done(CronFired{});
    std::vector<JobSpec> specs;
    specs.push_back(std::move(tick.spec));
    submit_.submit_internal(std::move(specs), tick.env, std::move(tick.state),
                            [done = std::move(done)](Result<std::vector<JobId>> ids) {
                                if (!ids) return done(make_error(ids.error()));
                                done(CronFired{ids->front()});
                            });
}

std::optional<JobBrief> JobService::job_brief(JobId id) const {
    const JobEntry* e = c_.sched.find(id);
    if (!e) return std::nullopt;
    return JobBrief{e->status.state, e->status.last_exit};
}

bool JobService::has_queue(const std::string& name) const {
    auto q = c_.sched.queue_index(name);
    return q && c_.sched.queues()[*q].configured;
}

}  // namespace tend::jobs

// JSON views of jobs and queues for `tend jobs`, `show`, `queues` and `logs` (SPEC §4).
#include "queue/daemon/job_views.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
}  // namespace

JobReadContext JobViews::read_context() const {
    return {c_.sched, [this](SpecRef r) { return c_.store->read_spec(r); }, c_.opt.state_dir,
            c_.now()};
}

json JobViews::queue_json(std::uint16_t qi) const {
    const QueueSettings& q = c_.sched.queues()[qi];
    const QueueStats s = c_.sched.stats(qi);
    json oldest;
    if (s.oldest_pending_submitted)
        oldest = std::max<double>(0, double(c_.now() - *s.oldest_pending_submitted) / 1e6);
    return {{"name", q.name},
            {"pending", s.pending},
            {"runnable", s.runnable},
            {"running", s.running},
            {"concurrency", q.concurrency},
            {"paused", s.paused},
            {"oldest_pending_age_s", oldest},
            {"weight", q.weight},
            {"max_pending", q.max_pending},
            {"configured", q.configured},
            {"succeeded", s.finished_ok},
            {"failed", s.finished_bad},
            {"dead", s.dead},
            {"uptime_s", double(c_.now() - c_.started_at) / 1e6}};
}

JobReply JobViews::list(const JobListQuery& query) const {
    return list_jobs(read_context(), query);
}

JobReply JobViews::show(JobId id) const {
    return show_job(read_context(), id);
}

JobReply JobViews::queues() const {
    json arr = json::array();
    for (std::uint16_t i = 0; i < c_.sched.queues().size(); ++i) {
        // A queue that is not in the config (removed by a reload, or named only by old jobs in
        // the log) is listed while it holds unfinished jobs: it drains, then disappears.
        const QueueStats st = c_.sched.stats(i);
        if (!c_.sched.queues()[i].configured && st.pending == 0 && st.running == 0) continue;
        arr.push_back(queue_json(i));
    }
    return JobReply::ok(std::move(arr));
}

JobReply JobViews::logs(JobId id) const {
    return job_logs(read_context(), id);
}

}  // namespace tend::jobs

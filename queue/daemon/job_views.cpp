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
    return queue_figures_json({c_.sched.queues()[qi], c_.sched.stats(qi)}, c_.now(), c_.started_at);
}

JobReply JobViews::list(const JobListQuery& query) const {
    return list_jobs(read_context(), query);
}

JobReply JobViews::show(JobId id) const {
    return show_job(read_context(), id);
}

JobReply JobViews::queues() const {
    json arr = json::array();
    for (const QueueFigures& f : listed_queue_figures(c_.sched))
        arr.push_back(queue_figures_json(f, c_.now(), c_.started_at));
    return JobReply::ok(std::move(arr));
}

JobReply JobViews::logs(JobId id) const {
    return job_logs(read_context(), id);
}

}  // namespace tend::jobs

// JSON views of jobs and queues for `tend jobs`, `show`, `queues` and `logs` (SPEC §4).
#include "queue/daemon/job_views.hpp"
#include "queue/daemon/job_output_log.hpp"
#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/util/signals.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;

}  // namespace

json JobViews::job_json(const JobEntry& e) const {
    std::string text;
    append_job_text(text, e);
    return json::parse(text, nullptr, false);  // our own text: it parses
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
            {"uptime_s", double(c_.now() - c_.started_at) / 1e6}};
}

JobReply JobViews::list(const JobListQuery& query) const {
    std::optional<std::uint16_t> queue;
    if (query.queue) {
        queue = c_.sched.queue_index(*query.queue);
        if (!queue)
            return JobReply::error(Kind::not_found, "no queue named \"" + *query.queue + "\"");
    }
    // One page, whatever the queue depth: the CLI pages for more (SPEC §8).
    const std::size_t limit =
        query.limit == 0 || query.limit > kMaxListPage ? kMaxListPage : query.limit;
    std::string text = "[";
    for (const JobEntry* e : c_.sched.list(query.state, queue, limit, query.before)) {
        if (text.size() > 1) text += ',';
        append_job_text(text, *e, !query.viewer_uid || *query.viewer_uid == e->uid);
    }
    text += ']';
    return JobReply::ok_text(std::move(text));
}

JobReply JobViews::show(JobId id) const {
    const JobEntry* e = c_.sched.find(id);
    if (!e) return JobReply::error(Kind::not_found, "no job " + std::to_string(id));
    return JobReply::ok(job_json(*e));
}

JobReply JobViews::queues() const {
    json arr = json::array();
    for (std::uint16_t i = 0; i < c_.sched.queues().size(); ++i) arr.push_back(queue_json(i));
    return JobReply::ok(std::move(arr));
}

JobReply JobViews::logs(JobId id) const {
    const JobEntry* e = c_.sched.find(id);
    if (!e) return JobReply::error(Kind::not_found, "no job " + std::to_string(id));
    return JobReply::ok({{"job", id},
                         {"state", to_string(e->status.state)},
                         {"output", "file"},
                         {"files", {job_output_path(c_.opt.state_dir, id)}}});
}

}  // namespace tend::jobs

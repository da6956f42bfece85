// JSON views of jobs and queues for `tend jobs`, `show`, `queues` and `logs` (SPEC §4).
#include "queue/daemon/job_service.hpp"
#include "supervisor/daemon/log_writer.hpp"
#include "supervisor/util/signals.hpp"
#include "supervisor/util/timestamp.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;
constexpr std::size_t kMaxListed = 10000;

json time_or_null(WallUs t) {
    if (t <= 0) return nullptr;
    // Milliseconds are enough for people and keep the field short.
    std::string s = utc_timestamp(static_cast<std::uint64_t>(t));
    return s.substr(0, 23) + "Z";
}

json exit_json(const std::optional<ExitStatus>& x) {
    if (!x) return nullptr;
    if (x->signal) return {{"signal", signal_name(x->signal)}};
    return {{"code", x->code}};
}
}  // namespace

json JobService::job_json(const JobEntry& e) const {
    const JobStatus& st = e.status;
    const QueueSettings& q = sched_.queues()[e.queue];
    json j = {{"id", e.id},
              {"queue", q.name},
              {"uid", e.uid},
              {"state", to_string(st.state)},
              {"priority", e.priority},
              {"attempt", st.attempt},
              {"max_attempts", st.max_attempts},
              {"exit_status", exit_json(st.last_exit)},
              {"submitted_at", time_or_null(e.submitted_at)},
              {"started_at", time_or_null(st.started_at)},
              {"finished_at", time_or_null(st.finished_at)},
              {"run_at", st.state == JobState::scheduled ? time_or_null(st.run_at) : json()},
              {"reason", st.reason.empty() ? json() : json(st.reason)},
              {"pid", st.pid > 0 ? json(st.pid) : json()},
              {"interrupted", st.interrupted},
              {"runs", st.runs},
              {"output", job_output_path(opt_.state_dir, e.id)}};
    const std::string waiting = sched_.why_waiting(e.id, now());
    j["waiting"] = waiting.empty() ? json() : json(waiting);
    const Usec timeout = e.timeout_us < 0 ? q.timeout : Usec(e.timeout_us);
    j["timeout_s"] = timeout.count() > 0 ? json(double(timeout.count()) / 1e6) : json();
    // The command and the rest of the spec live on disk only (finished jobs cost no memory).
    auto bytes = e.spec_length ? log_->read_at(e.spec_offset, e.spec_length)
                               : Result<std::string>(make_error("not yet on disk"));
    auto spec = bytes ? decode_spec(*bytes) : Result<JobSpec>(make_error(bytes.error()));
    if (spec) {
        j["name"] = spec->name;
        j["key"] = spec->key.empty() ? json() : json(spec->key);
        j["after"] = spec->after;
        j["command"] = spec->argv;
        j["shell"] = spec->shell;
        j["cwd"] = spec->cwd;
    } else {
        j["name"] = "";
        j["key"] = nullptr;
        j["after"] = json::array();
        j["command"] = nullptr;
        j["shell"] = false;
        j["cwd"] = nullptr;
    }
    return j;
}

json JobService::queue_json(std::uint16_t qi) const {
    const QueueSettings& q = sched_.queues()[qi];
    const QueueStats s = sched_.stats(qi);
    json oldest;
    if (s.oldest_pending_submitted)
        oldest = std::max<double>(0, double(now() - *s.oldest_pending_submitted) / 1e6);
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
            {"uptime_s", double(now() - started_at_) / 1e6}};
}

JobReply JobService::list(const json& args) const {
    std::optional<JobState> state;
    std::optional<std::uint16_t> queue;
    if (auto it = args.find("state"); it != args.end() && !it->is_null()) {
        if (!it->is_string() || !(state = parse_job_state(it->get<std::string>())))
            return JobReply::error(Kind::bad_request, "\"state\" is not a job state");
    }
    if (auto it = args.find("queue"); it != args.end() && !it->is_null()) {
        if (!it->is_string())
            return JobReply::error(Kind::bad_request, "\"queue\" must be a string");
        queue = sched_.queue_index(it->get<std::string>());
        if (!queue)
            return JobReply::error(Kind::not_found,
                                   "no queue named \"" + it->get<std::string>() + "\"");
    }
    std::size_t limit = 50;
    if (auto it = args.find("limit"); it != args.end()) {
        if (!it->is_number_unsigned())
            return JobReply::error(Kind::bad_request, "\"limit\" must be >= 0");
        limit = it->get<std::size_t>();
    }
    // The reply is bounded whatever the queue depth.
    if (limit == 0 || limit > kMaxListed) limit = kMaxListed;
    json arr = json::array();
    for (const JobEntry* e : sched_.list(state, queue, limit)) arr.push_back(job_json(*e));
    return JobReply::ok(std::move(arr));
}

JobReply JobService::show(JobId id) const {
    const JobEntry* e = sched_.find(id);
    if (!e) return JobReply::error(Kind::not_found, "no job " + std::to_string(id));
    return JobReply::ok(job_json(*e));
}

JobReply JobService::queues() const {
    json arr = json::array();
    for (std::uint16_t i = 0; i < sched_.queues().size(); ++i) arr.push_back(queue_json(i));
    return JobReply::ok(std::move(arr));
}

JobReply JobService::logs(JobId id) const {
    const JobEntry* e = sched_.find(id);
    if (!e) return JobReply::error(Kind::not_found, "no job " + std::to_string(id));
    return JobReply::ok({{"job", id},
                         {"state", to_string(e->status.state)},
                         {"output", "file"},
                         {"files", {job_output_path(opt_.state_dir, id)}}});
}

}  // namespace tend::jobs

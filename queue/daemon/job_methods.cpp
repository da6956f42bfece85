// The job methods: the owner check of each job, the operation, the outcome.
#include "queue/daemon/job_methods.hpp"

#include <charconv>

#include "queue/daemon/job_service.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;

std::optional<JobId> job_id_of(const std::string& target) {
    JobId id = 0;
    auto [p, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
    if (ec != std::errc() || p != target.data() + target.size() || id == 0) return std::nullopt;
    return id;
}

// Every job of a request must be the caller's (or the caller an admin); unknown ids are left
// to the command, which names them. Answers forbidden and returns false when one is not.
bool may_act_on(const JobService& jobs, const MethodCall& call, const std::vector<JobId>& ids) {
    for (JobId id : ids) {
        auto owner = jobs.owner_of(id);
        if (!owner) continue;
        if (auto ok = authz::authorize(call.caller, {authz::Subject::job, *owner}); !ok) {
            call.respond(
                JobReply::error(Kind::forbidden, "job " + std::to_string(id) + ": " + ok.error()));
            return false;
        }
    }
    return true;
}
}  // namespace

void hide_others(json& items, const authz::Caller& caller,
                 std::initializer_list<const char*> fields) {
    if (caller.is_admin() || !items.is_array()) return;
    for (json& item : items) {
        if (!item.is_object()) continue;
        auto uid = item.find("uid");
        if (uid != item.end() && uid->is_number_unsigned() &&
            uid->get<std::uint64_t>() == caller.uid)
            continue;
        for (const char* f : fields)
            if (item.contains(f)) item[f] = nullptr;
        item["hidden"] = true;
    }
}

void submit(JobService& jobs, const MethodCall& call, SubmitRequest r) {
    // Jobs run as the submitter, whoever that is: the identity comes from the socket.
    r.peer_uid = call.caller.uid;
    r.peer_gid = call.caller.gid;
    r.peer_groups = call.caller.groups;
    if (r.batch)
        jobs.submit_buffered(call.client, std::move(r), call.respond);
    else
        jobs.submit(std::move(r), call.respond);
}

void submit_lines(JobService& jobs, const MethodCall& call, SubmitLinesArgs l) {
    call.respond(jobs.buffer_lines(call.client, std::move(l.lines), call.caller.is_admin()));
}

void list(JobService& jobs, const MethodCall& call, ListArgs l) {
    if (!call.caller.is_admin()) l.query.viewer_uid = call.caller.uid;
    call.respond(jobs.list(l.query));
}

void show(JobService& jobs, const MethodCall& call, const ShowArgs& s) {
    if (may_act_on(jobs, call, {s.id})) call.respond(jobs.show(s.id));
}

void act_on_jobs(JobService& jobs, const MethodCall& call, std::string_view cmd, JobIdsArgs a) {
    if (!may_act_on(jobs, call, a.ids)) return;
    if (cmd == "wait")
        jobs.wait(std::move(a.ids), call.client, call.respond);
    else if (cmd == "cancel")
        jobs.cancel(a.ids, call.respond);
    else
        jobs.retry(a.ids, call.respond);
}

void queues(JobService& jobs, const MethodCall& call) {
    call.respond(jobs.queues());
}

void set_paused(JobService& jobs, const MethodCall& call, const QueueArgs& q, bool paused) {
    jobs.set_paused(q.queue, paused, call.respond);
}

void queue_set(JobService& jobs, const MethodCall& call, const QueueSetArgs& args) {
    jobs.set_queue(args, call.respond);
}

void compact(JobService& jobs, const MethodCall& call) {
    jobs.compact_now();
    call.respond(JobReply::ok({{"started", true}}));
}

std::optional<std::uint32_t> job_owner(const JobService& jobs, const std::string& target) {
    auto id = job_id_of(target);
    return id ? jobs.owner_of(*id) : std::nullopt;
}

std::optional<json> job_logs_entry(JobService& jobs, const std::string& target) {
    auto id = job_id_of(target);
    if (!id || !jobs.knows(*id)) return std::nullopt;
    JobReply r = jobs.logs(*id);
    return r.kind == Kind::ok ? std::optional<json>(r.data) : std::nullopt;
}

}  // namespace tend::jobs

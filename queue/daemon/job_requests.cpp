// The job commands: typed arguments, the owner check of each job, the operation, the reply.
#include "queue/daemon/job_requests.hpp"

#include <charconv>

#include "queue/daemon/job_service.hpp"
#include "queue/daemon/request_args.hpp"

namespace tend::jobs {

namespace {
using json = nlohmann::json;
using Kind = JobReply::Kind;
namespace code = protocol::code;

const char* code_of(Kind k) {
    switch (k) {
        case Kind::ok:
            break;
        case Kind::bad_request:
            return code::bad_request;
        case Kind::invalid:
            return code::invalid;
        case Kind::full:
            return code::full;
        case Kind::not_found:
            return code::not_found;
        case Kind::failed:
            return code::failed;
        case Kind::busy:
            return code::busy;
    }
    return code::failed;
}

std::optional<JobId> job_id_of(const std::string& target) {
    JobId id = 0;
    auto [p, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
    if (ec != std::errc() || p != target.data() + target.size() || id == 0) return std::nullopt;
    return id;
}

// Every job of a request must be the caller's (or the caller an admin); unknown ids are left
// to the command, which names them.
Status may_act_on(const JobService& jobs, const authz::Caller& caller, const std::string& cmd,
                  const std::vector<JobId>& ids) {
    for (JobId id : ids) {
        auto owner = jobs.owner_of(id);
        if (!owner) continue;
        if (auto ok = authz::authorize(caller, cmd, {authz::Subject::job, *owner}); !ok)
            return make_error("job " + std::to_string(id) + ": " + ok.error());
    }
    return ok_status();
}

const std::vector<JobId>* ids_of(const JobArgs& args) {
    if (const auto* a = std::get_if<JobIdsArgs>(&args)) return &a->ids;
    return nullptr;
}
}  // namespace

// The one place where a JobReply becomes a protocol reply (job and cron commands).
JobReplier replier(const ControlServer::Replier& reply) {
    return [reply](const JobReply& r) {
        if (r.kind == Kind::ok && !r.text.empty()) return reply(protocol::encode_ok_text(r.text));
        reply(r.kind == Kind::ok ? protocol::encode_ok(r.data)
                                 : protocol::encode_error(code_of(r.kind), r.message));
    };
}

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

bool handle_job_request(DaemonControl& d, ControlServer::ClientId client,
                        const authz::Caller& caller, const protocol::Request& req,
                        const ControlServer::Replier& reply) {
    auto decoded = decode_job_args(req.cmd, req.args);
    if (!decoded) return false;
    if (!*decoded) return reply(protocol::encode_error(code::bad_request, decoded->error())), true;
    JobArgs& args = **decoded;
    JobService& jobs = *d.jobs;
    const std::string& cmd = req.cmd;
    Status allowed = authz::authorize(caller, cmd);
    if (allowed) {
        if (const auto* a = std::get_if<ShowArgs>(&args))
            allowed = may_act_on(jobs, caller, cmd, {a->id});
        else if (const auto* ids = ids_of(args))
            allowed = may_act_on(jobs, caller, cmd, *ids);
    }
    if (!allowed) return reply(protocol::encode_error(code::forbidden, allowed.error())), true;

    if (auto* r = std::get_if<SubmitRequest>(&args)) {
        // Jobs run as the submitter, whoever that is: the identity comes from the socket.
        r->peer_uid = caller.uid;
        r->peer_gid = caller.gid;
        r->peer_groups = caller.groups;
        if (r->batch)
            jobs.submit_buffered(client, std::move(*r), replier(reply));
        else
            jobs.submit(std::move(*r), replier(reply));
    } else if (auto* l = std::get_if<SubmitLinesArgs>(&args)) {
        replier(reply)(jobs.buffer_lines(client, std::move(l->lines), caller.is_admin()));
    } else if (auto* l = std::get_if<ListArgs>(&args)) {
        if (!caller.is_admin()) l->query.viewer_uid = caller.uid;
        replier(reply)(jobs.list(l->query));
    } else if (const auto* s = std::get_if<ShowArgs>(&args)) {
        replier(reply)(jobs.show(s->id));
    } else if (auto* ids = std::get_if<JobIdsArgs>(&args)) {
        if (cmd == "wait")
            jobs.wait(std::move(ids->ids), client, replier(reply));
        else if (cmd == "cancel")
            jobs.cancel(ids->ids, replier(reply));
        else
            jobs.retry(ids->ids, replier(reply));
    } else if (std::holds_alternative<QueuesArgs>(args)) {
        replier(reply)(jobs.queues());
    } else if (const auto* q = std::get_if<QueueArgs>(&args)) {
        jobs.set_paused(q->queue, cmd == "pause", replier(reply));
    } else {
        jobs.compact_now();
        reply(protocol::encode_ok({{"started", true}}));
    }
    return true;
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

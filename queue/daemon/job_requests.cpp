// Argument parsing for the job commands and the one conversion of JobReply into protocol replies.
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

Result<SubmitRequest> parse_submit(const json& a) {
    SubmitRequest r;
    JobSpec& s = r.shape;
    auto batch = field<bool>(a, "batch", false);
    auto argv = field<std::vector<std::string>>(a, "argv", {});
    auto lines = field<std::vector<std::string>>(a, "lines", {});
    auto shell = field<bool>(a, "shell", false);
    auto queue = field<std::string>(a, "queue", "default");
    auto name = field<std::string>(a, "name", "");
    auto priority = field<std::int64_t>(a, "priority", 0);
    auto run_at = field<std::int64_t>(a, "run_at_us", 0);
    auto attempts = field<std::int64_t>(a, "attempts", 0);
    auto timeout = field<std::int64_t>(a, "timeout_us", -1);
    auto after = field<std::vector<JobId>>(a, "after", {});
    auto key = field<std::string>(a, "key", "");
    auto env = field<std::vector<std::string>>(a, "env", {});
    auto cwd = field<std::string>(a, "cwd", "");
    for (const std::string* e :
         {batch ? nullptr : &batch.error(), argv ? nullptr : &argv.error(),
          lines ? nullptr : &lines.error(), shell ? nullptr : &shell.error(),
          queue ? nullptr : &queue.error(), name ? nullptr : &name.error(),
          priority ? nullptr : &priority.error(), run_at ? nullptr : &run_at.error(),
          attempts ? nullptr : &attempts.error(), timeout ? nullptr : &timeout.error(),
          after ? nullptr : &after.error(), key ? nullptr : &key.error(),
          env ? nullptr : &env.error(), cwd ? nullptr : &cwd.error()})
        if (e) return make_error(*e);
    if (*priority < INT32_MIN || *priority > INT32_MAX)
        return make_error("\"priority\" is out of range");
    if (*attempts < 0) return make_error("\"attempts\" must be >= 1");
    if (*timeout < -1) return make_error("\"timeout_us\" must be >= 0");
    r.batch = *batch;
    r.lines = std::move(*lines);
    s.argv = std::move(*argv);
    s.shell = *shell;
    s.queue = *queue;
    s.name = *name;
    s.priority = static_cast<std::int32_t>(*priority);
    s.run_at = *run_at;
    s.max_attempts = static_cast<std::uint32_t>(*attempts);
    s.timeout_us = *timeout;
    s.after = std::move(*after);
    s.key = *key;
    s.cwd = *cwd;
    r.env = std::move(*env);
    return r;
}

// `tend jobs`: filters, page size and paging cursor. Counts must be JSON unsigned integers
// (a negative or fractional one is refused, not converted).
Result<JobListQuery> parse_job_list_query(const json& a) {
    JobListQuery q;
    auto count = [&a](const char* key, std::uint64_t fallback) -> std::optional<std::uint64_t> {
        auto it = a.find(key);
        if (it == a.end() || it->is_null()) return fallback;
        if (!it->is_number_unsigned()) return std::nullopt;
        return it->get<std::uint64_t>();
    };
    auto state = field<std::string>(a, "state", "");
    auto queue = field<std::string>(a, "queue", "");
    auto limit = count("limit", 50);
    auto before = count("before", 0);
    if (!state || (!state->empty() && !(q.state = parse_job_state(*state))))
        return make_error("\"state\" is not a job state");
    if (!queue) return make_error("\"queue\" must be a string");
    if (!limit) return make_error("\"limit\" must be >= 0");
    if (!before) return make_error("\"before\" must be a job id");
    if (auto it = a.find("queue"); it != a.end() && !it->is_null()) q.queue = *queue;
    q.limit = static_cast<std::size_t>(*limit);
    q.before = *before;
    return q;
}

Result<std::vector<JobId>> parse_ids(const json& a) {
    auto ids = field<std::vector<JobId>>(a, "ids", {});
    if (!ids) return make_error(ids.error());
    if (ids->empty()) return make_error("\"ids\" must name at least one job");
    return ids;
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

bool handle_job_request(DaemonControl& d, ControlServer::ClientId client,
                        const protocol::Request& req, const ControlServer::Replier& reply) {
    JobService& jobs = *d.jobs;
    const std::string& cmd = req.cmd;
    const json& a = req.args;
    auto bad = [&reply](const std::string& m) {
        reply(protocol::encode_error(code::bad_request, m));
    };
    if (cmd == "submit") {
        auto r = parse_submit(a);
        if (!r) return bad(r.error()), true;
        if (auto p = d.peer(client)) {
            r->peer_uid = p->uid;
            r->peer_gid = p->gid;
            r->peer_groups.assign(p->groups.begin(), p->groups.end());
        }
        if (r->batch)
            jobs.submit_buffered(client, std::move(*r), replier(reply));
        else
            jobs.submit(std::move(*r), replier(reply));
    } else if (cmd == "submit_lines") {
        auto lines = field<std::vector<std::string>>(a, "lines", {});
        if (!lines) return bad(lines.error()), true;
        const bool privileged = d.privileged && d.privileged(client);
        replier(reply)(jobs.buffer_lines(client, std::move(*lines), privileged));
    } else if (cmd == "jobs") {
        auto q = parse_job_list_query(a);
        if (!q) return bad(q.error()), true;
        replier(reply)(jobs.list(*q));
    } else if (cmd == "show") {
        auto id = field<JobId>(a, "id", 0);
        if (!id || *id == 0) return bad("\"id\" must be a job id"), true;
        replier(reply)(jobs.show(*id));
    } else if (cmd == "wait" || cmd == "cancel" || cmd == "retry") {
        auto ids = parse_ids(a);
        if (!ids) return bad(ids.error()), true;
        if (cmd == "wait")
            jobs.wait(std::move(*ids), client, replier(reply));
        else if (cmd == "cancel")
            jobs.cancel(*ids, replier(reply));
        else
            jobs.retry(*ids, replier(reply));
    } else if (cmd == "queues") {
        replier(reply)(jobs.queues());
    } else if (cmd == "pause" || cmd == "resume") {
        auto q = field<std::string>(a, "queue", "");
        if (!q || q->empty()) return bad("\"queue\" must name a queue"), true;
        jobs.set_paused(*q, cmd == "pause", replier(reply));
    } else if (cmd == "compact") {
        jobs.compact_now();
        reply(protocol::encode_ok({{"started", true}}));
    } else {
        return false;
    }
    return true;
}

std::optional<json> job_logs_entry(JobService& jobs, const std::string& target) {
    JobId id = 0;
    auto [p, ec] = std::from_chars(target.data(), target.data() + target.size(), id);
    if (ec != std::errc() || p != target.data() + target.size() || !jobs.knows(id))
        return std::nullopt;
    JobReply r = jobs.logs(id);
    return r.kind == Kind::ok ? std::optional<json>(r.data) : std::nullopt;
}

}  // namespace tend::jobs

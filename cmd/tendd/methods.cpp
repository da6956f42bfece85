// tendd's table of protocol methods and the dispatch through it: decode the typed request,
// authorize the caller, run the handler, encode its outcome (the one place that happens).
#include "cmd/tendd/methods.hpp"

#include <type_traits>

#include "queue/core/job_request_args.hpp"
#include "queue/daemon/cron_methods.hpp"
#include "queue/daemon/job_methods.hpp"
#include "supervisor/daemon/program_commands.hpp"
#include "supervisor/protocol/supervisor_requests.hpp"

namespace tend {
namespace {

using json = nlohmann::json;
using authz::Access;
using protocol::Outcome;
using Kind = protocol::Outcome::Kind;
namespace p = protocol;
namespace j = jobs;

// ---- typed requests: each method's arguments are decoded by its group's decoder.
template <class T, class V>
struct in_variant;
template <class T, class... Ts>
struct in_variant<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};

template <class Args>
Result<Args> decode(std::string_view cmd, const json& args) {
    auto pick = [](auto decoded) -> Result<Args> {
        if (decoded && !*decoded) return make_error(decoded->error());
        if (decoded)
            if (auto* a = std::get_if<Args>(&**decoded)) return std::move(*a);
        // The table and the decoders disagree: a bug here, not the client's.
        return make_error("tendd cannot decode this command's arguments");
    };
    if constexpr (in_variant<Args, p::SupervisorArgs>::value)
        return pick(p::decode_supervisor_args(cmd, args));
    else if constexpr (in_variant<Args, j::JobArgs>::value)
        return pick(j::decode_job_args(cmd, args));
    else
        return pick(j::decode_cron_args(cmd, args));
}

using Run = void (*)(DaemonControl&, const MethodCall&, std::string_view cmd, Access access,
                     const json& args);

struct Method {
    std::string_view name;
    Access access;  // who may call it (SPEC §8)
    Run run;        // decodes its typed request, then calls its handler
};

// Decodes Args, authorizes the caller, then calls Handler(d, call, cmd, args). Arguments are
// decoded first: a malformed request is bad_request for everyone.
template <class Args, void (*Handler)(DaemonControl&, const MethodCall&, std::string_view, Args&)>
void typed(DaemonControl& d, const MethodCall& call, std::string_view cmd, Access access,
           const json& raw) {
    auto args = decode<Args>(cmd, raw);
    if (!args) return call.respond(Outcome::error(Kind::bad_request, args.error()));
    if (auto ok = authz::authorize(call.caller, cmd, access); !ok)
        return call.respond(Outcome::error(Kind::forbidden, ok.error()));
    Handler(d, call, cmd, *args);
}

// ---- handlers: which service runs each method.
bool refuse_when_stopping(DaemonControl& d, const MethodCall& call) {
    if (!d.shutting_down()) return false;
    call.respond(Outcome::error(Kind::failed, "tendd is shutting down"));
    return true;
}

void status(DaemonControl& d, const MethodCall& c, std::string_view, p::StatusArgs& a) {
    c.respond(programs::status(*d.supervisor, a));
}
void events(DaemonControl& d, const MethodCall& c, std::string_view, p::EventsArgs& a) {
    programs::events(*d.supervisor, c.client, a, c.respond);
}
void lifecycle(DaemonControl& d, const MethodCall& c, std::string_view cmd, p::LifecycleArgs& a) {
    if (!refuse_when_stopping(d, c))
        programs::lifecycle(*d.supervisor, c.client, cmd, a, c.respond);
}
void signal(DaemonControl& d, const MethodCall& c, std::string_view, p::SignalArgs& a) {
    c.respond(programs::signal(*d.supervisor, a));
}
void reload(DaemonControl& d, const MethodCall& c, std::string_view, p::ReloadArgs& a) {
    if (refuse_when_stopping(d, c)) return;
    auto plan = d.reload(a.dry_run);
    c.respond(plan ? Outcome::ok(*plan) : Outcome::error(Kind::invalid, plan.error()));
}
void shutdown(DaemonControl& d, const MethodCall& c, std::string_view, p::ShutdownArgs& a) {
    d.shutdown(c.respond, a.drain);
}
void version(DaemonControl& d, const MethodCall& c, std::string_view, p::VersionArgs&) {
    c.respond(Outcome::ok({{"version", d.version}, {"protocol", p::kVersion}}));
}

// `tend logs`: a target is a job when it is a job id and no program has that name ("no job N"
// when it is a number and neither exists). Users may read their own jobs' logs only, and no
// program's. Job entries come first (the queue may answer later), then programs'.
void logs(DaemonControl& d, const MethodCall& c, std::string_view, p::LogsArgs& a) {
    auto answer = [&d, c](const std::vector<std::string>& names, json arr) {
        if (names.empty() && !arr.empty()) return c.respond(Outcome::ok(arr));
        Outcome programs = programs::log_entries(*d.supervisor, c.caller, names);
        if (programs.is_ok())
            for (auto& e : programs.data) arr.push_back(std::move(e));
        c.respond(programs.is_ok() ? Outcome::ok(arr) : programs);
    };
    std::vector<std::string> maybe_jobs;  // targets no program has
    std::vector<bool> asked;              // per target: is in maybe_jobs
    for (const auto& n : a.targets) {
        asked.push_back(d.jobs && !d.supervisor->programs().count(n));
        if (asked.back()) maybe_jobs.push_back(n);
    }
    if (maybe_jobs.empty()) return answer(a.targets, json::array());
    j::job_logs_entries(*d.jobs, c, std::move(maybe_jobs),
                        [answer, c, asked, targets = a.targets](j::JobLogEntries r) {
                            if (r.refusal) return c.respond(*r.refusal);
                            json arr = json::array();
                            std::vector<std::string> names;
                            for (std::size_t i = 0, k = 0; i < targets.size(); ++i) {
                                if (asked[i] && k < r.entries.size() && r.entries[k])
                                    arr.push_back(std::move(*r.entries[k]));
                                else
                                    names.push_back(targets[i]);
                                if (asked[i]) ++k;
                            }
                            answer(names, std::move(arr));
                        });
}

// The job methods need the job queue, the cron methods cron.
template <class Args, void (*Handler)(j::JobQueue&, const MethodCall&, std::string_view, Args&)>
void on_jobs(DaemonControl& d, const MethodCall& c, std::string_view cmd, Args& a) {
    if (!d.jobs) return c.respond(Outcome::error(Kind::bad_request, "no job queue in this tendd"));
    Handler(*d.jobs, c, cmd, a);
}
template <class Args, void (*Handler)(j::CronService&, const MethodCall&, std::string_view, Args&)>
void on_cron(DaemonControl& d, const MethodCall& c, std::string_view cmd, Args& a) {
    if (!d.cron)
        return c.respond(Outcome::error(Kind::bad_request, "cron is not running in this tendd"));
    Handler(*d.cron, c, cmd, a);
}

void submit(j::JobQueue& q, const MethodCall& c, std::string_view, j::SubmitRequest& a) {
    j::submit(q, c, std::move(a));
}
void submit_lines(j::JobQueue& q, const MethodCall& c, std::string_view, j::SubmitLinesArgs& a) {
    j::submit_lines(q, c, std::move(a));
}
void list(j::JobQueue& q, const MethodCall& c, std::string_view, j::ListArgs& a) {
    j::list(q, c, std::move(a));
}
void show(j::JobQueue& q, const MethodCall& c, std::string_view, j::ShowArgs& a) {
    j::show(q, c, a);
}
void act_on_jobs(j::JobQueue& q, const MethodCall& c, std::string_view cmd, j::JobIdsArgs& a) {
    j::act_on_jobs(q, c, cmd, std::move(a));
}
void queues(j::JobQueue& q, const MethodCall& c, std::string_view, j::QueuesArgs&) {
    j::queues(q, c);
}
void pause(j::JobQueue& q, const MethodCall& c, std::string_view cmd, j::QueueArgs& a) {
    j::set_paused(q, c, a, cmd == "pause");
}
void queue_set(j::JobQueue& q, const MethodCall& c, std::string_view, j::QueueSetArgs& a) {
    j::queue_set(q, c, a);
}
void compact(j::JobQueue& q, const MethodCall& c, std::string_view, j::CompactArgs&) {
    j::compact(q, c);
}
void cron_list(j::CronService& s, const MethodCall& c, std::string_view, j::CronListArgs&) {
    j::cron_list(s, c);
}
void cron_add(j::CronService& s, const MethodCall& c, std::string_view, j::CronAddRequest& a) {
    j::cron_add(s, c, std::move(a));
}
void cron_act(j::CronService& s, const MethodCall& c, std::string_view cmd, j::CronNameArgs& a) {
    j::cron_act(s, c, cmd, a);
}
void cron_next(j::CronService& s, const MethodCall& c, std::string_view, j::CronNextArgs& a) {
    j::cron_next(s, c, a);
}

// ---- the table: every method tendd answers (tend(1) COMMANDS, SPEC §4, §8). A user
// (socket_group) may call the `user` ones; the job and cron handlers check again, per object,
// that the caller owns what it names.
constexpr Method kMethods[] = {
    {"status", Access::user, typed<p::StatusArgs, status>},
    {"events", Access::user, typed<p::EventsArgs, events>},
    {"start", Access::admin, typed<p::LifecycleArgs, lifecycle>},
    {"stop", Access::admin, typed<p::LifecycleArgs, lifecycle>},
    {"restart", Access::admin, typed<p::LifecycleArgs, lifecycle>},
    {"signal", Access::admin, typed<p::SignalArgs, signal>},
    {"logs", Access::user, typed<p::LogsArgs, logs>},
    {"reload", Access::admin, typed<p::ReloadArgs, reload>},
    {"shutdown", Access::admin, typed<p::ShutdownArgs, shutdown>},
    {"version", Access::user, typed<p::VersionArgs, version>},
    {"submit", Access::user, typed<j::SubmitRequest, on_jobs<j::SubmitRequest, submit>>},
    {"submit_lines", Access::user,
     typed<j::SubmitLinesArgs, on_jobs<j::SubmitLinesArgs, submit_lines>>},
    {"jobs", Access::user, typed<j::ListArgs, on_jobs<j::ListArgs, list>>},
    {"show", Access::user, typed<j::ShowArgs, on_jobs<j::ShowArgs, show>>},
    {"wait", Access::user, typed<j::JobIdsArgs, on_jobs<j::JobIdsArgs, act_on_jobs>>},
    {"cancel", Access::user, typed<j::JobIdsArgs, on_jobs<j::JobIdsArgs, act_on_jobs>>},
    {"retry", Access::user, typed<j::JobIdsArgs, on_jobs<j::JobIdsArgs, act_on_jobs>>},
    {"queues", Access::user, typed<j::QueuesArgs, on_jobs<j::QueuesArgs, queues>>},
    {"pause", Access::admin, typed<j::QueueArgs, on_jobs<j::QueueArgs, pause>>},
    {"resume", Access::admin, typed<j::QueueArgs, on_jobs<j::QueueArgs, pause>>},
    {"queue_set", Access::admin, typed<j::QueueSetArgs, on_jobs<j::QueueSetArgs, queue_set>>},
    {"compact", Access::admin, typed<j::CompactArgs, on_jobs<j::CompactArgs, compact>>},
    {"cron_list", Access::user, typed<j::CronListArgs, on_cron<j::CronListArgs, cron_list>>},
    {"cron_add", Access::user, typed<j::CronAddRequest, on_cron<j::CronAddRequest, cron_add>>},
    {"cron_run", Access::user, typed<j::CronNameArgs, on_cron<j::CronNameArgs, cron_act>>},
    {"cron_remove", Access::user, typed<j::CronNameArgs, on_cron<j::CronNameArgs, cron_act>>},
    {"cron_next", Access::user, typed<j::CronNextArgs, on_cron<j::CronNextArgs, cron_next>>},
};

const Method* find(std::string_view cmd) {
    for (const Method& m : kMethods)
        if (m.name == cmd) return &m;
    return nullptr;
}

}  // namespace

std::optional<authz::Access> method_access(std::string_view cmd) {
    const Method* m = find(cmd);
    return m ? std::optional<Access>(m->access) : std::nullopt;
}

namespace {

void dispatch(DaemonControl& d, const MethodCall& call, const protocol::Request& req) {
    const Method* m = find(req.cmd);
    if (!m) {
        // Unknown to users is forbidden, as an admin-only method would be: a user learns
        // nothing of what an admin may call.
        if (auto ok = authz::authorize(call.caller, req.cmd, Access::admin); !ok)
            return call.respond(Outcome::error(Kind::forbidden, ok.error()));
        return call.respond(
            Outcome::error(Kind::unknown_command, "unknown command \"" + req.cmd + "\""));
    }
    m->run(d, call, req.cmd, m->access, req.args);
}

}  // namespace

void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply) {
    MethodCall call;
    call.client = client;
    // A client gone before its request is handled still gets the least rights.
    call.caller = d.caller ? d.caller(client).value_or(authz::Caller{})
                           : authz::Caller{0, 0, {}, authz::Role::admin};
    // Counted under a name from the table only: labels stay a bounded set.
    std::string method = find(req.cmd) ? req.cmd : "unknown";
    call.respond = [reply, &d, method](const Outcome& o) {
        ++d.control_requests[{method, o.is_ok() ? "ok" : protocol::code_of(o.kind)}];
        reply(protocol::encode_outcome(o));
    };
    dispatch(d, call, req);
}

void handle_request_as(DaemonControl& d, std::uint64_t client, const authz::Caller& caller,
                       const protocol::Request& req, protocol::Respond respond) {
    MethodCall call;
    call.client = client;
    call.caller = caller;
    call.respond = std::move(respond);
    dispatch(d, call, req);
}

}  // namespace tend

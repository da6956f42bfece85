// Request dispatch: typed arguments, authorization, the operation, and the reply.
#include "supervisor/daemon/request_handlers.hpp"

#include "queue/daemon/cron_requests.hpp"
#include "queue/daemon/job_requests.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/protocol/supervisor_requests.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace {

using json = nlohmann::json;
namespace code = protocol::code;
using protocol::LifecycleArgs;
using protocol::TargetArgs;

// A handler's outcome: data to send, an error, or nothing yet (the reply comes later).
struct Outcome {
    std::optional<json> data;
    std::string error_code;
    std::string message;
    static Outcome ok(json d) { return {std::move(d), {}, {}}; }
    static Outcome fail(std::string c, std::string m) {
        return {std::nullopt, std::move(c), std::move(m)};
    }
    static Outcome deferred() { return {std::nullopt, {}, {}}; }
};

// Targets of a command: the named ones, or every instance when `all` is true or, for
// read-only commands, when none are named.
Result<std::vector<InstanceRunner*>> targets_of(DaemonControl& d, const TargetArgs& t,
                                                bool empty_means_all) {
    if (t.all || (t.targets.empty() && empty_means_all)) return d.supervisor->all_instances();
    if (t.targets.empty()) return make_error("no program named; name one or more, or use --all");
    return d.supervisor->resolve(t.targets);
}

// `tend restart --rolling`: whole programs only; the reply (with --wait) comes when every
// named program's rollout has completed, or at the first that fails.
Outcome rolling(DaemonControl& d, ControlServer::ClientId client, const LifecycleArgs& a,
                const ControlServer::Replier& reply) {
    std::vector<std::string> names = a.target.targets;
    if (a.target.all) {
        names.clear();
        for (const auto& [name, _] : d.supervisor->programs()) names.push_back(name);
    }
    if (names.empty())
        return Outcome::fail(code::bad_request, "no program named; name one or more, or use --all");
    for (const auto& n : names) {
        if (n.find(':') != std::string::npos)
            return Outcome::fail(
                code::bad_request,
                "a rolling restart replaces a whole program; \"" + n + "\" names one instance");
        if (!d.supervisor->programs().count(n))
            return Outcome::fail(code::not_found, "no program named \"" + n + "\"");
    }
    struct Pending {
        size_t left;
        bool answered = false;
    };
    auto pending = std::make_shared<Pending>(Pending{names.size()});
    Supervisor* sup = d.supervisor;
    auto all = names;
    // Every policy is checked before any rollout begins: all of them start, or none.
    std::vector<RolloutPolicy> policies;
    for (const auto& n : names) {
        const RolloutConfig& cfg = sup->programs().at(n).runtime->config.rollout;
        policies.push_back(
            {a.max_unavailable.value_or(cfg.max_unavailable), a.max_surge.value_or(cfg.max_surge)});
        if (auto bad = check_rollout_policy(policies.back()))
            return Outcome::fail(code::bad_request, n + ": " + *bad);
    }
    for (size_t i = 0; i < names.size(); ++i) {
        const std::string& n = names[i];
        Supervisor::WaitDone done;
        if (a.wait)
            done = [sup, all, pending, reply](bool ok, const std::string& why) {
                if (pending->answered) return;
                if (!ok || --pending->left == 0) {
                    pending->answered = true;
                    auto targets = sup->resolve(all);
                    reply(ok ? protocol::encode_ok(sup->status_json(
                                   targets ? *targets : std::vector<InstanceRunner*>{}))
                             : protocol::encode_error(code::failed, why));
                }
            };
        if (auto st = sup->rolling_restart(n, nullptr, policies[i], client, std::move(done)); !st)
            return Outcome::fail(code::bad_request, st.error());
    }
    if (a.wait) return Outcome::deferred();
    auto targets = sup->resolve(all);
    return Outcome::ok(sup->status_json(targets ? *targets : std::vector<InstanceRunner*>{}));
}

Outcome lifecycle(DaemonControl& d, ControlServer::ClientId client, const std::string& cmd,
                  const LifecycleArgs& a, const ControlServer::Replier& reply) {
    if (d.shutting_down()) return Outcome::fail(code::failed, "tendd is shutting down");
    if (cmd == "restart" && a.rolling) return rolling(d, client, a, reply);
    auto targets = targets_of(d, a.target, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    // A manual command takes over from a rolling restart of the same program.
    d.supervisor->cancel_rollouts(*targets, "tend " + cmd);
    targets = targets_of(d, a.target, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    std::vector<std::uint64_t> spawns_before;
    for (auto* r : *targets) spawns_before.push_back(r->spawn_count());
    WaitGoal goal;
    if (cmd == "start") {
        goal = WaitGoal::running;
        for (auto* r : *targets) r->start();
    } else if (cmd == "stop") {
        goal = WaitGoal::stopped;
        for (auto* r : *targets) r->stop();
    } else {
        goal = WaitGoal::restarted;
        for (auto* r : *targets) r->restart();
    }
    if (!a.wait) return Outcome::ok(d.supervisor->status_json(*targets));
    Supervisor* sup = d.supervisor;
    auto chosen = *targets;
    sup->wait_for(*targets, std::move(spawns_before), goal, client,
                  [sup, chosen, reply](bool ok, const std::string& why) {
                      reply(ok ? protocol::encode_ok(sup->status_json(chosen))
                               : protocol::encode_error(code::failed, why));
                  });
    return Outcome::deferred();
}

Outcome signal_cmd(DaemonControl& d, const protocol::SignalArgs& a) {
    auto targets = targets_of(d, a.target, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    std::string errors;
    for (auto* r : *targets)
        if (auto s = r->send_signal(a.reload ? r->runtime()->config.reload_signal : *a.signal); !s)
            errors += (errors.empty() ? "" : "; ") + s.error();
    if (!errors.empty()) return Outcome::fail(code::failed, errors);
    return Outcome::ok(d.supervisor->status_json(*targets));
}

// `tend logs`: a target is a job when it is a job id and no program has that name. Users may
// read their own jobs' logs only, and no program's.
Outcome logs_cmd(DaemonControl& d, const authz::Caller& caller, const protocol::LogsArgs& a) {
    json arr = json::array();
    std::vector<std::string> programs;
    for (const auto& n : a.targets) {
        std::optional<json> job;
        if (d.jobs && !d.supervisor->programs().count(n)) {
            if (auto owner = jobs::job_owner(*d.jobs, n)) {
                auto ok = authz::authorize(caller, "logs", {authz::Subject::job, *owner});
                if (!ok) return Outcome::fail(code::forbidden, "job " + n + ": " + ok.error());
            }
            job = jobs::job_logs_entry(*d.jobs, n);
        }
        if (job)
            arr.push_back(std::move(*job));
        else
            programs.push_back(n);
    }
    if (programs.empty() && !arr.empty()) return Outcome::ok(arr);
    // An unknown name is not_found for everyone (`tend status` lists the programs anyway).
    auto targets = d.supervisor->resolve(programs);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    if (auto ok = authz::authorize(caller, "logs", {authz::Subject::program, 0}); !ok)
        return Outcome::fail(code::forbidden, ok.error());
    for (auto* r : *targets) {
        const OutputMode m = r->effective_output();
        arr.push_back({{"program", r->program_name()},
                       {"instance", r->index()},
                       {"output", to_string(m)},
                       {"files", r->log_files()}});
    }
    return Outcome::ok(arr);
}

Outcome run_supervisor(DaemonControl& d, ControlServer::ClientId client,
                       const authz::Caller& caller, const std::string& cmd,
                       const protocol::SupervisorArgs& args, const ControlServer::Replier& reply) {
    if (const auto* a = std::get_if<protocol::StatusArgs>(&args)) {
        auto targets = targets_of(d, a->target, true);
        return targets ? Outcome::ok(d.supervisor->status_json(*targets))
                       : Outcome::fail(code::not_found, targets.error());
    }
    if (const auto* a = std::get_if<protocol::LifecycleArgs>(&args))
        return lifecycle(d, client, cmd, *a, reply);
    if (const auto* a = std::get_if<protocol::SignalArgs>(&args)) return signal_cmd(d, *a);
    if (const auto* a = std::get_if<protocol::LogsArgs>(&args)) return logs_cmd(d, caller, *a);
    if (const auto* a = std::get_if<protocol::ReloadArgs>(&args)) {
        if (d.shutting_down()) return Outcome::fail(code::failed, "tendd is shutting down");
        auto plan = d.reload(a->dry_run);
        return plan ? Outcome::ok(*plan) : Outcome::fail(code::invalid, plan.error());
    }
    if (const auto* a = std::get_if<protocol::ShutdownArgs>(&args)) {
        d.shutdown(reply, a->drain);
        return Outcome::deferred();
    }
    return Outcome::ok({{"version", d.version}, {"protocol", protocol::kVersion}});
}

}  // namespace

void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply) {
    // A client gone before its request is handled still gets the least rights.
    const authz::Caller caller = d.caller ? d.caller(client).value_or(authz::Caller{})
                                          : authz::Caller{0, 0, {}, authz::Role::admin};
    auto decoded = protocol::decode_supervisor_args(req.cmd, req.args);
    if (!decoded) {
        if (d.jobs && jobs::handle_job_request(d, client, caller, req, reply)) return;
        if (jobs::handle_cron_request(d, client, caller, req, reply)) return;
        if (auto ok = authz::authorize(caller, req.cmd); !ok)
            return reply(protocol::encode_error(code::forbidden, ok.error()));
        return reply(
            protocol::encode_error(code::unknown_command, "unknown command \"" + req.cmd + "\""));
    }
    if (!*decoded) return reply(protocol::encode_error(code::bad_request, decoded->error()));
    if (auto ok = authz::authorize(caller, req.cmd); !ok)
        return reply(protocol::encode_error(code::forbidden, ok.error()));
    Outcome o = run_supervisor(d, client, caller, req.cmd, **decoded, reply);
    if (o.data)
        reply(protocol::encode_ok(*o.data));
    else if (!o.error_code.empty())
        reply(protocol::encode_error(o.error_code, o.message));
}

}  // namespace tend

// Request dispatch: argument validation, the operation, and the reply, command by command.
#include "supervisor/daemon/request_handlers.hpp"

#include "queue/daemon/cron_requests.hpp"
#include "queue/daemon/job_requests.hpp"
#include "supervisor/config/value_parsers.hpp"
#include "supervisor/util/signals.hpp"

namespace tend {
namespace {

using json = nlohmann::json;
namespace code = protocol::code;

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

Result<std::vector<std::string>> string_list(const json& args, const char* key) {
    std::vector<std::string> out;
    auto it = args.find(key);
    if (it == args.end()) return out;
    if (!it->is_array())
        return make_error(std::string("\"") + key + "\" must be an array of strings");
    for (const auto& v : *it) {
        if (!v.is_string())
            return make_error(std::string("\"") + key + "\" must contain only strings");
        out.push_back(v.get<std::string>());
    }
    return out;
}

// Targets of a command: the named ones, or every instance when `all` is true or, for
// read-only commands, when none are named.
Result<std::vector<InstanceRunner*>> targets_of(DaemonControl& d, const json& args,
                                                bool empty_means_all) {
    auto names = string_list(args, "targets");
    if (!names) return make_error(names.error());
    bool all = args.value("all", false);
    if (all || (names->empty() && empty_means_all)) return d.supervisor->all_instances();
    if (names->empty()) return make_error("no program named; name one or more, or use --all");
    return d.supervisor->resolve(*names);
}

// `tend restart --rolling`: whole programs only; the reply (with --wait) comes when every
// named program's rollout has completed, or at the first that fails.
Outcome rolling(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                const ControlServer::Replier& reply) {
    auto names = string_list(req.args, "targets");
    if (!names) return Outcome::fail(code::bad_request, names.error());
    if (req.args.value("all", false)) {
        names->clear();
        for (const auto& [name, _] : d.supervisor->programs()) names->push_back(name);
    }
    if (names->empty())
        return Outcome::fail(code::bad_request, "no program named; name one or more, or use --all");
    for (const auto& n : *names) {
        if (n.find(':') != std::string::npos)
            return Outcome::fail(
                code::bad_request,
                "a rolling restart replaces a whole program; \"" + n + "\" names one instance");
        if (!d.supervisor->programs().count(n))
            return Outcome::fail(code::not_found, "no program named \"" + n + "\"");
    }
    auto number = [&](const char* key, int fallback) -> std::optional<int> {
        auto it = req.args.find(key);
        if (it == req.args.end() || it->is_null()) return fallback;
        if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 100000)
            return std::nullopt;
        return it->get<int>();
    };
    const bool wait = req.args.value("wait", false);
    struct Pending {
        size_t left;
        bool answered = false;
    };
    auto pending = std::make_shared<Pending>(Pending{names->size()});
    Supervisor* sup = d.supervisor;
    auto all = *names;
    // Every policy is checked before any rollout begins: all of them start, or none.
    std::vector<RolloutPolicy> policies;
    for (const auto& n : *names) {
        const RolloutConfig& cfg = sup->programs().at(n).runtime->config.rollout;
        auto mu = number("max_unavailable", cfg.max_unavailable);
        auto ms = number("max_surge", cfg.max_surge);
        if (!mu || !ms)
            return Outcome::fail(
                code::bad_request,
                "\"max_unavailable\" and \"max_surge\" must be numbers from 0 to 100000");
        policies.push_back({*mu, *ms});
        if (auto bad = check_rollout_policy(policies.back()))
            return Outcome::fail(code::bad_request, n + ": " + *bad);
    }
    for (size_t i = 0; i < names->size(); ++i) {
        const std::string& n = (*names)[i];
        Supervisor::WaitDone done;
        if (wait)
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
    if (wait) return Outcome::deferred();
    auto targets = sup->resolve(all);
    return Outcome::ok(sup->status_json(targets ? *targets : std::vector<InstanceRunner*>{}));
}

Outcome lifecycle(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                  const ControlServer::Replier& reply) {
    if (d.shutting_down()) return Outcome::fail(code::failed, "tendd is shutting down");
    if (req.cmd == "restart" && req.args.value("rolling", false))
        return rolling(d, client, req, reply);
    auto targets = targets_of(d, req.args, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    // A manual command takes over from a rolling restart of the same program.
    d.supervisor->cancel_rollouts(*targets, "tend " + req.cmd);
    targets = targets_of(d, req.args, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    std::vector<std::uint64_t> spawns_before;
    for (auto* r : *targets) spawns_before.push_back(r->spawn_count());
    WaitGoal goal;
    if (req.cmd == "start") {
        goal = WaitGoal::running;
        for (auto* r : *targets) r->start();
    } else if (req.cmd == "stop") {
        goal = WaitGoal::stopped;
        for (auto* r : *targets) r->stop();
    } else {
        goal = WaitGoal::restarted;
        for (auto* r : *targets) r->restart();
    }
    if (!req.args.value("wait", false)) return Outcome::ok(d.supervisor->status_json(*targets));
    Supervisor* sup = d.supervisor;
    auto chosen = *targets;
    sup->wait_for(*targets, std::move(spawns_before), goal, client,
                  [sup, chosen, reply](bool ok, const std::string& why) {
                      reply(ok ? protocol::encode_ok(sup->status_json(chosen))
                               : protocol::encode_error(code::failed, why));
                  });
    return Outcome::deferred();
}

Outcome signal_cmd(DaemonControl& d, const protocol::Request& req) {
    // "reload": each instance gets its program's reload_signal (tend signal --reload).
    const bool reload = req.args.value("reload", false);
    auto it = req.args.find("signal");
    std::optional<int> sig;
    if (it != req.args.end() && it->is_string()) sig = parse_signal(it->get<std::string>());
    if (it != req.args.end() && it->is_number_integer())
        sig = parse_signal(std::to_string(it->get<int>()));
    if (!sig && !reload)
        return Outcome::fail(code::bad_request, "\"signal\" is missing or not a signal name");
    auto targets = targets_of(d, req.args, false);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    std::string errors;
    for (auto* r : *targets)
        if (auto s = r->send_signal(reload ? r->runtime()->config.reload_signal : *sig); !s)
            errors += (errors.empty() ? "" : "; ") + s.error();
    if (!errors.empty()) return Outcome::fail(code::failed, errors);
    return Outcome::ok(d.supervisor->status_json(*targets));
}

Outcome logs_cmd(DaemonControl& d, const protocol::Request& req) {
    auto names = string_list(req.args, "targets");
    if (!names) return Outcome::fail(code::bad_request, names.error());
    // A target is a job when it is a job id and no program has that name.
    json arr = json::array();
    std::vector<std::string> programs;
    for (const auto& n : *names) {
        std::optional<json> job;
        if (d.jobs && !d.supervisor->programs().count(n)) job = jobs::job_logs_entry(*d.jobs, n);
        if (job)
            arr.push_back(std::move(*job));
        else
            programs.push_back(n);
    }
    if (programs.empty() && !arr.empty()) return Outcome::ok(arr);
    auto targets = d.supervisor->resolve(programs);
    if (!targets) return Outcome::fail(code::not_found, targets.error());
    for (auto* r : *targets) {
        const OutputMode m = r->effective_output();
        arr.push_back({{"program", r->program_name()},
                       {"instance", r->index()},
                       {"output", to_string(m)},
                       {"files", r->log_files()}});
    }
    return Outcome::ok(arr);
}

}  // namespace

void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply) {
    Outcome o;
    if (req.cmd == "status") {
        auto targets = targets_of(d, req.args, true);
        o = targets ? Outcome::ok(d.supervisor->status_json(*targets))
                    : Outcome::fail(code::not_found, targets.error());
    } else if (req.cmd == "start" || req.cmd == "stop" || req.cmd == "restart") {
        o = lifecycle(d, client, req, reply);
    } else if (req.cmd == "signal") {
        o = signal_cmd(d, req);
    } else if (req.cmd == "logs") {
        o = logs_cmd(d, req);
    } else if (req.cmd == "reload") {
        if (d.shutting_down()) {
            o = Outcome::fail(code::failed, "tendd is shutting down");
        } else {
            auto plan = d.reload(req.args.value("dry_run", false));
            o = plan ? Outcome::ok(*plan) : Outcome::fail(code::invalid, plan.error());
        }
    } else if (req.cmd == "version") {
        o = Outcome::ok({{"version", d.version}, {"protocol", protocol::kVersion}});
    } else if (req.cmd == "shutdown") {
        auto drain = req.args.find("drain");
        if (drain != req.args.end() && !drain->is_boolean())
            return reply(protocol::encode_error(protocol::code::bad_request,
                                                "\"drain\" must be true or false"));
        d.shutdown(reply, drain != req.args.end() && drain->get<bool>());
        return;
    } else if (d.jobs && jobs::handle_job_request(d, client, req, reply)) {
    } else if (jobs::handle_cron_request(d, client, req, reply)) {
        return;
    } else {
        o = Outcome::fail(code::unknown_command, "unknown command \"" + req.cmd + "\"");
    }
    if (o.data)
        reply(protocol::encode_ok(*o.data));
    else if (!o.error_code.empty())
        reply(protocol::encode_error(o.error_code, o.message));
}

}  // namespace tend

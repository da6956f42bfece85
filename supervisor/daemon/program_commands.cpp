// The supervisor's protocol methods: the operation on the programs, and its outcome.
#include "supervisor/daemon/program_commands.hpp"

#include <memory>

#include "supervisor/config/value_parsers.hpp"

namespace tend::programs {
namespace {

using json = nlohmann::json;
using Kind = Outcome::Kind;
using protocol::LifecycleArgs;
using protocol::TargetArgs;

// Targets of a command: the named ones, or every instance when `all` is true or, for
// read-only commands, when none are named.
Result<std::vector<InstanceRunner*>> targets_of(Supervisor& sup, const TargetArgs& t,
                                                bool empty_means_all) {
    if (t.all || (t.targets.empty() && empty_means_all)) return sup.all_instances();
    if (t.targets.empty()) return make_error("no program named; name one or more, or use --all");
    return sup.resolve(t.targets);
}

// `tend restart --rolling`: whole programs only; the reply (with --wait) comes when every
// named program's rollout has completed, or at the first that fails.
void rolling(Supervisor& sup, std::uint64_t client, const LifecycleArgs& a,
             const Respond& respond) {
    std::vector<std::string> names = a.target.targets;
    if (a.target.all) {
        names.clear();
        for (const auto& [name, _] : sup.programs()) names.push_back(name);
    }
    if (names.empty())
        return respond(
            Outcome::error(Kind::bad_request, "no program named; name one or more, or use --all"));
    for (const auto& n : names) {
        if (n.find(':') != std::string::npos)
            return respond(Outcome::error(
                Kind::bad_request,
                "a rolling restart replaces a whole program; \"" + n + "\" names one instance"));
        if (!sup.programs().count(n))
            return respond(Outcome::error(Kind::not_found, "no program named \"" + n + "\""));
    }
    struct Pending {
        size_t left;
        bool answered = false;
    };
    auto pending = std::make_shared<Pending>(Pending{names.size()});
    Supervisor* s = &sup;
    auto status_of = [s, names] {
        auto targets = s->resolve(names);
        return Outcome::ok(s->status_json(targets ? *targets : std::vector<InstanceRunner*>{}));
    };
    // Every policy is checked before any rollout begins: all of them start, or none.
    std::vector<RolloutPolicy> policies;
    for (const auto& n : names) {
        const RolloutConfig& cfg = sup.programs().at(n).runtime->config.rollout;
        policies.push_back({a.max_unavailable.value_or(cfg.max_unavailable),
                            a.max_surge.value_or(cfg.max_surge), cfg.min_ready});
        if (auto bad = check_rollout_policy(policies.back()))
            return respond(Outcome::error(Kind::bad_request, n + ": " + *bad));
    }
    for (size_t i = 0; i < names.size(); ++i) {
        Supervisor::WaitDone done;
        if (a.wait)
            done = [pending, respond, status_of](bool ok, const std::string& why) {
                if (pending->answered) return;
                if (!ok || --pending->left == 0) {
                    pending->answered = true;
                    respond(ok ? status_of() : Outcome::error(Kind::failed, why));
                }
            };
        if (auto st = sup.rolling_restart(names[i], nullptr, policies[i], client, std::move(done));
            !st)
            return respond(Outcome::error(Kind::bad_request, st.error()));
    }
    if (!a.wait) respond(status_of());
}

}  // namespace

Outcome status(Supervisor& sup, const protocol::StatusArgs& a) {
    auto targets = targets_of(sup, a.target, true);
    return targets ? Outcome::ok(sup.status_json(*targets))
                   : Outcome::error(Kind::not_found, targets.error());
}

void lifecycle(Supervisor& sup, std::uint64_t client, std::string_view cmd, const LifecycleArgs& a,
               const Respond& respond) {
    if (cmd == "restart" && a.rolling) return rolling(sup, client, a, respond);
    auto targets = targets_of(sup, a.target, false);
    if (!targets) return respond(Outcome::error(Kind::not_found, targets.error()));
    // A manual command takes over from a rolling restart of the same program.
    sup.cancel_rollouts(*targets, "tend " + std::string(cmd));
    targets = targets_of(sup, a.target, false);
    if (!targets) return respond(Outcome::error(Kind::not_found, targets.error()));
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
    if (!a.wait) return respond(Outcome::ok(sup.status_json(*targets)));
    Supervisor* s = &sup;
    auto chosen = *targets;
    sup.wait_for(
        *targets, std::move(spawns_before), goal, client,
        [s, chosen, respond](bool ok, const std::string& why) {
            respond(ok ? Outcome::ok(s->status_json(chosen)) : Outcome::error(Kind::failed, why));
        });
}

void events(Supervisor& sup, std::uint64_t client, const protocol::EventsArgs& a,
            const Respond& respond) {
    // A program that is configured, or one that still has history (its last instances are
    // being stopped after a reload removed it); anything else is a typo worth saying.
    if (!a.program.empty()) {
        const std::string target =
            a.program + (a.instance ? ":" + std::to_string(*a.instance) : std::string());
        if (auto t = sup.resolve({target}); !t)
            return respond(Outcome::error(Kind::not_found, t.error()));
    }
    EventFilter f{a.program, a.instance};
    sup.events().query(
        f, a.after.value_or(0), static_cast<std::size_t>(a.limit), !a.after.has_value(), a.wait,
        client, [respond](const EventLog::Page& page) {
            json arr = json::array();
            for (const auto& e : page.events) arr.push_back(event_json(e));
            respond(Outcome::ok({{"events", std::move(arr)}, {"next_after", page.next_after}}));
        });
}

Outcome signal(Supervisor& sup, const protocol::SignalArgs& a) {
    auto targets = targets_of(sup, a.target, false);
    if (!targets) return Outcome::error(Kind::not_found, targets.error());
    std::string errors;
    for (auto* r : *targets)
        if (auto s = r->send_signal(a.reload ? r->runtime()->config.reload_signal : *a.signal); !s)
            errors += (errors.empty() ? "" : "; ") + s.error();
    if (!errors.empty()) return Outcome::error(Kind::failed, errors);
    return Outcome::ok(sup.status_json(*targets));
}

Outcome log_entries(Supervisor& sup, const authz::Caller& caller,
                    const std::vector<std::string>& names) {
    // An unknown name is not_found for everyone (`tend status` lists the programs anyway).
    auto targets = sup.resolve(names);
    if (!targets) return Outcome::error(Kind::not_found, targets.error());
    if (auto ok = authz::authorize(caller, authz::Object{authz::Subject::program, 0}); !ok)
        return Outcome::error(Kind::forbidden, ok.error());
    json arr = json::array();
    for (auto* r : *targets) {
        const OutputMode m = r->effective_output();
        arr.push_back({{"program", r->program_name()},
                       {"instance", r->number()},
                       {"output", to_string(m)},
                       {"files", r->log_files()}});
    }
    return Outcome::ok(arr);
}

}  // namespace tend::programs

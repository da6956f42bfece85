// Classifies a reload: which keys of each program changed and what that requires.
#include "supervisor/core/config_diff.hpp"

#include <algorithm>
#include <functional>

namespace tend {
namespace {

// Keys whose change alters what runs (argv, environment, files, user, inherited fds):
// only new processes can take them, so they roll. A switch to or from ready = "notify"
// rolls too: it adds or removes the NOTIFY_SOCKET variable.
struct KeyCheck {
    const char* key;
    bool rolls;
    std::function<bool(const ProgramConfig&, const ProgramConfig&)> same;
};

bool same_restart(const RestartPolicy& a, const RestartPolicy& b) {
    return a.mode == b.mode && a.restart_delay == b.restart_delay &&
           a.restart_delay_max == b.restart_delay_max && a.healthy_after == b.healthy_after &&
           a.crash_limit == b.crash_limit && a.crash_window == b.crash_window &&
           a.cooldown == b.cooldown;
}

const std::vector<KeyCheck>& key_checks() {
    using P = const ProgramConfig&;
    static const std::vector<KeyCheck> checks = {
        {"command", true, [](P a, P b) { return a.command == b.command; }},
        {"environment", true, [](P a, P b) { return a.environment == b.environment; }},
        {"directory", true, [](P a, P b) { return a.directory == b.directory; }},
        {"user", true, [](P a, P b) { return a.user == b.user; }},
        {"sockets", true, [](P a, P b) { return a.sockets == b.sockets; }},
        {"pidfile", true, [](P a, P b) { return a.pidfile == b.pidfile; }},
        {"output", true, [](P a, P b) { return a.output == b.output; }},
        {"log_max_size", true, [](P a, P b) { return a.log_max_size == b.log_max_size; }},
        {"log_keep", true, [](P a, P b) { return a.log_keep == b.log_keep; }},
        {"ready", false,
         [](P a, P b) { return a.ready.kind == b.ready.kind && a.ready.text == b.ready.text; }},
        {"autostart", false, [](P a, P b) { return a.autostart == b.autostart; }},
        {"restart", false, [](P a, P b) { return same_restart(a.restart, b.restart); }},
        {"ready_timeout", false, [](P a, P b) { return a.ready_timeout == b.ready_timeout; }},
        {"stop_signal", false, [](P a, P b) { return a.stop_signal == b.stop_signal; }},
        {"stop_timeout", false, [](P a, P b) { return a.stop_timeout == b.stop_timeout; }},
        {"reload_signal", false, [](P a, P b) { return a.reload_signal == b.reload_signal; }},
        {"rollout", false,
         [](P a, P b) {
             return a.rollout.max_unavailable == b.rollout.max_unavailable &&
                    a.rollout.max_surge == b.rollout.max_surge &&
                    a.rollout.on_failure == b.rollout.on_failure;
         }},
    };
    return checks;
}

ProgramDiff diff_program(const ProgramConfig& a, const ProgramConfig& b) {
    ProgramDiff d;
    d.name = b.name;
    d.old_instances = a.instances;
    d.new_instances = b.instances;
    bool rolls = false;
    for (const auto& k : key_checks()) {
        if (k.same(a, b)) continue;
        d.keys.emplace_back(k.key);
        rolls = rolls || k.rolls;
    }
    const bool notify_switch =
        (a.ready.kind == ReadyKind::notify) != (b.ready.kind == ReadyKind::notify);
    rolls = rolls || notify_switch;
    if (a.instances != b.instances) d.keys.emplace_back("instances");
    if (rolls)
        d.change = ProgramChange::rolling;
    else if (a.instances != b.instances)
        d.change = ProgramChange::scale;
    else if (!d.keys.empty())
        d.change = ProgramChange::live;
    return d;
}

bool same_daemon(const DaemonConfig& a, const DaemonConfig& b) {
    return a.log_level == b.log_level && a.log_target == b.log_target &&
           a.socket_group == b.socket_group && a.admin_group == b.admin_group &&
           a.shutdown_timeout == b.shutdown_timeout && a.max_running_jobs == b.max_running_jobs;
}

}  // namespace

const char* to_string(ProgramChange c) {
    switch (c) {
        case ProgramChange::unchanged:
            return "unchanged";
        case ProgramChange::added:
            return "start";
        case ProgramChange::removed:
            return "stop";
        case ProgramChange::live:
            return "live";
        case ProgramChange::scale:
            return "scale";
        case ProgramChange::rolling:
            return "rolling";
    }
    return "?";
}

bool ConfigDiff::changes_anything() const {
    return !restart_only.empty() ||
           std::any_of(programs.begin(), programs.end(),
                       [](const auto& p) { return p.change != ProgramChange::unchanged; });
}

ConfigDiff diff_configs(const Config& before, const Config& after) {
    ConfigDiff d;
    for (const auto& p : after.programs) {
        const ProgramConfig* old = before.find_program(p.name);
        if (!old) {
            ProgramDiff pd;
            pd.name = p.name;
            pd.change = ProgramChange::added;
            pd.new_instances = p.instances;
            d.programs.push_back(std::move(pd));
            continue;
        }
        d.programs.push_back(diff_program(*old, p));
    }
    for (const auto& p : before.programs) {
        if (after.find_program(p.name)) continue;
        ProgramDiff pd;
        pd.name = p.name;
        pd.change = ProgramChange::removed;
        pd.old_instances = p.instances;
        d.programs.push_back(std::move(pd));
    }
    if (!same_daemon(before.daemon, after.daemon)) d.restart_only.push_back({"daemon", "changed"});
    return d;
}

}  // namespace tend

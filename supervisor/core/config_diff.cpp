// Classifies a reload: which keys of each program changed and what that requires.
#include "supervisor/core/config_diff.hpp"

#include <algorithm>
#include <functional>

#include "supervisor/config/program_keys.hpp"

namespace tend {
namespace {

// Each key's class comes from the key table (supervisor/config/program_keys.cpp). A plan
// names a group of keys once ("restart"), where its first changed key stands.
ProgramDiff diff_program(const ProgramConfig& a, const ProgramConfig& b) {
    ProgramDiff d;
    d.name = b.name;
    d.old_instances = a.instances;
    d.new_instances = b.instances;
    bool rolls = false, scales = false;
    for (const auto& k : program_keys()) {
        if (k.same(a, b)) continue;
        if (std::find(d.keys.begin(), d.keys.end(), k.plan_name) == d.keys.end())
            d.keys.emplace_back(k.plan_name);
        rolls = rolls || k.reload == KeyReload::roll;
        scales = scales || k.reload == KeyReload::scale;
    }
    // A switch to or from ready = "notify" adds or removes NOTIFY_SOCKET: it rolls.
    const bool notify_switch =
        (a.ready.kind == ReadyKind::notify) != (b.ready.kind == ReadyKind::notify);
    rolls = rolls || notify_switch;
    if (rolls)
        d.change = ProgramChange::rolling;
    else if (scales)
        d.change = ProgramChange::scale;
    else if (!d.keys.empty())
        d.change = ProgramChange::live;
    return d;
}

// The queue store is chosen at start: any change of its keys needs a restart (its position in
// the file is not a setting; submit_url is the CLI's alone, tendd never reads it).
bool same_store(const QueueStoreConfig& a, const QueueStoreConfig& b) {
    return a.queue == b.queue && a.host_name == b.host_name && a.lease == b.lease &&
           a.renew == b.renew && a.rescue_grace == b.rescue_grace && a.poll == b.poll &&
           a.listen == b.listen && a.listen_url == b.listen_url && a.pooler == b.pooler &&
           a.migrate == b.migrate && a.direct_submit_user == b.direct_submit_user;
}

bool same_daemon(const DaemonConfig& a, const DaemonConfig& b) {
    return a.log_level == b.log_level && a.log_target == b.log_target &&
           a.socket_group == b.socket_group && a.admin_group == b.admin_group &&
           a.shutdown_timeout == b.shutdown_timeout && a.max_running_jobs == b.max_running_jobs &&
           same_store(a.store, b.store);
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
    return !restart_only.empty() || !live.empty() ||
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
    if (!same_daemon(before.daemon, after.daemon))
        d.restart_only.push_back({"daemon", "changed", {}});
    return d;
}

}  // namespace tend

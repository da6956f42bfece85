// Reload: load and validate the file, bind new sockets, diff, then hand the plan over.
#include "supervisor/daemon/reload.hpp"

#include <spdlog/spdlog.h>

#include "supervisor/core/config_diff.hpp"
#include "supervisor/daemon/config_loader.hpp"
#include "supervisor/daemon/listen_sockets.hpp"

namespace tend {
namespace {

// Every program's sockets: the ones it holds already (same spec, same place), else bound now.
// Nothing is applied when one cannot be bound.
Status attach_sockets(std::vector<std::shared_ptr<const ProgramRuntime>>& runtimes,
                      const Supervisor& sup) {
    for (auto& rt : runtimes) {
        if (rt->config.sockets.empty()) continue;
        auto held = sup.sockets_of(rt->config.name);
        auto bound = std::make_shared<ProgramRuntime>(*rt);
        const auto& specs = rt->config.sockets;
        for (std::size_t i = 0; i < specs.size(); ++i) {
            std::string name = rt->config.name;
            if (specs.size() > 1) name += "-" + std::to_string(i);
            std::shared_ptr<const ListenSocket> found;
            for (const auto& s : held)
                if (s->spec == specs[i] && s->name == name) found = s;
            if (!found) {
                auto sock = bind_listen_socket(specs[i], name, rt->credentials);
                if (!sock) return make_error(rt->config.name + ": " + sock.error());
                found = std::move(sock.value());
            }
            bound->sockets.push_back(std::move(found));
        }
        rt = std::move(bound);
    }
    return ok_status();
}

nlohmann::json plan_json(const ConfigDiff& diff) {
    nlohmann::json programs = nlohmann::json::array(), sections = nlohmann::json::array();
    for (const auto& p : diff.programs)
        programs.push_back({{"name", p.name},
                            {"change", to_string(p.change)},
                            {"keys", p.keys},
                            {"old_instances", p.old_instances},
                            {"new_instances", p.new_instances}});
    for (const auto& s : diff.restart_only)
        sections.push_back({{"section", s.section}, {"change", s.change}});
    return {{"programs", programs}, {"restart_only", sections}};
}

}  // namespace

Result<nlohmann::json> reload_config(ReloadTarget& t, bool dry_run) {
    auto load = load_config_file(t.path, t.must_exist);
    if (!load.loaded) {
        std::string all;
        for (const auto& e : load.errors) all += (all.empty() ? "" : "\n") + e;
        return make_error("the running config stays:\n" + all);
    }
    LoadedConfig& lc = *load.loaded;
    const ConfigDiff diff = diff_configs(*t.current, lc.config);
    nlohmann::json plan = plan_json(diff);
    plan["file"] = t.path;
    plan["applied"] = !dry_run;
    if (dry_run) return plan;
    if (auto st = attach_sockets(lc.runtimes, *t.supervisor); !st)
        return make_error("the running config stays: " + st.error());
    for (const auto& p : diff.programs) {
        if (p.change == ProgramChange::unchanged) continue;
        std::string keys;
        for (const auto& k : p.keys) keys += (keys.empty() ? "" : ", ") + k;
        spdlog::info("reload: {}: {}{}", p.name, to_string(p.change),
                     keys.empty() ? "" : " (" + keys + ")");
    }
    for (const auto& s : diff.restart_only)
        spdlog::warn("reload: [{}] {}: applied when tendd restarts", s.section, s.change);
    t.supervisor->apply_reload(diff, lc.runtimes);
    // Only the programs took the new config; the other sections keep differing (and being
    // reported) until tendd restarts.
    t.current->programs = std::move(lc.config.programs);
    return plan;
}

}  // namespace tend

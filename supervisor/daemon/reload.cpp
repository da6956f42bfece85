// Reload: load and validate the file, bind new sockets, diff, then hand the plan over.
#include "supervisor/daemon/reload.hpp"

#include <spdlog/spdlog.h>

#include "supervisor/config/probe_pitfall.hpp"
#include "supervisor/core/config_diff.hpp"
#include "supervisor/daemon/config_loader.hpp"
#include "supervisor/daemon/daemon_sockets.hpp"

namespace tend {
namespace {

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
    nlohmann::json live = nlohmann::json::array();
    for (const auto& s : diff.live)
        live.push_back({{"section", s.section}, {"change", s.change}, {"keys", s.keys}});
    return {{"programs", programs}, {"sections", live}, {"restart_only", sections}};
}

}  // namespace

Result<nlohmann::json> reload_config(ReloadTarget& t, bool dry_run) {
    OtherSections other;
    auto load = t.load ? t.load(other) : load_config_file(t.path, t.must_exist);
    if (!load.loaded) {
        std::string all;
        for (const auto& e : load.errors) all += (all.empty() ? "" : "\n") + e;
        return make_error("the running config stays:\n" + all);
    }
    LoadedConfig& lc = *load.loaded;
    if (!dry_run)
        for (const auto& w : config_warnings(lc.config)) spdlog::warn("reload: config: {}", w);
    ConfigDiff diff = diff_configs(*t.current, lc.config);
    diff.live = std::move(other.live);
    nlohmann::json plan = plan_json(diff);
    plan["file"] = t.path;
    plan["applied"] = !dry_run;
    if (dry_run) return plan;
    std::map<std::string, UniqueFd> none;  // socket activation happens only at start
    if (auto st = attach_program_sockets(
            lc.runtimes, none,
            [&](const std::string& program) { return t.supervisor->sockets_of(program); });
        !st)
        return make_error("the running config stays: " + st.error());
    for (const auto& p : diff.programs) {
        if (p.change == ProgramChange::unchanged) continue;
        std::string keys;
        for (const auto& k : p.keys) keys += (keys.empty() ? "" : ", ") + k;
        spdlog::info("reload: {}: {}{}", p.name, to_string(p.change),
                     keys.empty() ? "" : " (" + keys + ")");
    }
    for (const auto& s : diff.live) {
        std::string keys;
        for (const auto& k : s.keys) keys += (keys.empty() ? "" : ", ") + k;
        spdlog::info("reload: [{}] {}{}", s.section, s.change,
                     keys.empty() ? "" : " (" + keys + ")");
    }
    for (const auto& s : diff.restart_only)
        spdlog::warn("reload: [{}] {}: applied when tendd restarts", s.section, s.change);
    t.supervisor->apply_reload(diff, lc.runtimes);
    if (other.apply) other.apply();
    // The programs took the new config, and the other layers theirs; [daemon] keeps differing
    // (and being reported) until tendd restarts.
    t.current->programs = std::move(lc.config.programs);
    return plan;
}

}  // namespace tend

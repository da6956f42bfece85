// What a reload changes (SPEC §5.6): each program's change, classified, from two configs.
#pragma once

#include <string>
#include <vector>

#include "supervisor/config/config.hpp"

namespace tend {

enum class ProgramChange {
    unchanged,
    added,    // started (if autostart)
    removed,  // stopped, then forgotten
    live,     // policy keys only: applied to the running instances, nothing restarts
    scale,    // `instances` (and maybe policy keys): only the extra instances start or stop
    rolling,  // what runs changed: a rolling restart to a new generation
};
const char* to_string(ProgramChange c);

struct ProgramDiff {
    std::string name;
    ProgramChange change = ProgramChange::unchanged;
    std::vector<std::string> keys;  // the changed keys, in config order
    int old_instances = 0, new_instances = 0;
};

// A section other than a program's: [daemon] (applied only when tendd restarts), or one the
// queue layer diffs and applies live at a reload ([queue.*], [cron.*]:
// queue/config/queue_config.hpp).
struct SectionDiff {
    std::string section;            // "daemon", "queue.NAME", "cron.NAME"
    std::string change;             // added | removed | changed
    std::vector<std::string> keys;  // changed: the keys that differ, in key-table order
};

struct ConfigDiff {
    std::vector<ProgramDiff> programs;  // every program of both configs: new order, then removed
    std::vector<SectionDiff> restart_only;  // [daemon]
    std::vector<SectionDiff> live;          // the other layers' sections, applied by their owner
    bool changes_anything() const;
};

ConfigDiff diff_configs(const Config& before, const Config& after);

// added/removed/changed of named sections, in the new config's order, then removed ones.
template <typename T, typename Name, typename Same>
void diff_named(const std::vector<T>& before, const std::vector<T>& after, const char* prefix,
                Name name, Same same, std::vector<SectionDiff>& out) {
    auto find = [&](const std::vector<T>& v, const std::string& n) -> const T* {
        for (const auto& x : v)
            if (name(x) == n) return &x;
        return nullptr;
    };
    for (const auto& x : after) {
        const T* old = find(before, name(x));
        if (!old)
            out.push_back({prefix + name(x), "added", {}});
        else if (!same(*old, x))
            out.push_back({prefix + name(x), "changed", {}});
    }
    for (const auto& x : before)
        if (!find(after, name(x))) out.push_back({prefix + name(x), "removed", {}});
}

}  // namespace tend

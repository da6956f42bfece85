// `tend reload` and SIGHUP (SPEC §5.6): re-read the config, diff it, apply the plan.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"
#include "supervisor/core/config_diff.hpp"
#include "supervisor/daemon/config_loader.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

// The sections of the other layers ([queue.*], [cron.*]) at a reload: what changes, and how
// to apply it. The composition root fills it; supervision only shows and calls it.
struct OtherSections {
    std::vector<SectionDiff> live;  // their changes, for the plan
    std::function<void()> apply;    // applies them; called once the programs' plan is applied
};

struct ReloadTarget {
    std::string path;  // the config file tendd started with
    bool must_exist = false;
    Config* current = nullptr;  // replaced by the new config once applied
    Supervisor* supervisor = nullptr;
    // Reads the file with every section, the other layers' too (tendd's composition root gives
    // it): their sections must not become unknown keys. For a valid file it fills `other`.
    // Unset: load_config_file with supervision's sections only.
    std::function<LoadResult(OtherSections& other)> load;
};

// The plan as JSON: {"file", "applied", "programs": [{name, change, keys, old_instances,
// new_instances}], "sections": [{section, change, keys}] (applied live),
// "restart_only": [{section, change}] ([daemon], applied when tendd restarts)}. An invalid config
// fails with every error ("FILE:LINE:COLUMN: message" lines) and changes nothing; so does a socket
// that cannot be bound.
Result<nlohmann::json> reload_config(ReloadTarget& target, bool dry_run);

}  // namespace tend

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

struct ReloadTarget {
    std::string path;  // the config file tendd started with
    bool must_exist = false;
    Config* current = nullptr;  // replaced by the new config once applied
    Supervisor* supervisor = nullptr;
    // Reads the file with every section, the other layers' too (tendd's composition root gives
    // it): their sections must not become unknown keys. It adds the differences of those
    // sections from the running ones to `restart_only` (they apply when tendd restarts).
    // Unset: load_config_file with supervision's sections only.
    std::function<LoadResult(std::vector<SectionDiff>& restart_only)> load;
};

// The plan as JSON: {"file", "applied", "programs": [{name, change, keys, old_instances,
// new_instances}], "restart_only": [{section, change}]}. An invalid config fails with every
// error ("FILE:LINE:COLUMN: message" lines) and changes nothing; so does a socket that
// cannot be bound.
Result<nlohmann::json> reload_config(ReloadTarget& target, bool dry_run);

}  // namespace tend

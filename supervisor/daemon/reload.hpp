// `tend reload` and SIGHUP (SPEC §5.6): re-read the config, diff it, apply the plan.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/config/config.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

struct ReloadTarget {
    std::string path;  // the config file tendd started with
    bool must_exist = false;
    Config* current = nullptr;  // replaced by the new config once applied
    Supervisor* supervisor = nullptr;
};

// The plan as JSON: {"file", "applied", "programs": [{name, change, keys, old_instances,
// new_instances}], "restart_only": [{section, change}]}. An invalid config fails with every
// error ("FILE:LINE:COLUMN: message" lines) and changes nothing; so does a socket that
// cannot be bound.
Result<nlohmann::json> reload_config(ReloadTarget& target, bool dry_run);

}  // namespace tend

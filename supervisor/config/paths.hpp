// Default locations of config, state dir and control socket (SPEC §2), shared by tend and tendd.
#pragma once

#include <string>

namespace tend {

struct Paths {
    std::string config;
    bool config_explicit = false;  // named by --config or TEND_CONFIG: must exist
    std::string state_dir;
    std::string socket;
};

// Fills every path from the flag (when non-empty), else the TEND_* variable, else the default
// for a system (root) or user instance.
Paths resolve_paths(const std::string& config_flag, const std::string& state_flag,
                    const std::string& socket_flag);

bool is_system_instance();

}  // namespace tend

// Default locations of config, state dir, control socket and spool (SPEC §2), shared by tend
// and tendd.
#pragma once

#include <string>

namespace tend {

// The system instance's control socket and spool (SPEC §2).
inline constexpr const char* kSystemSocket = "/run/tend/tend.sock";
inline constexpr const char* kSystemSpool = "/var/spool/tend";

struct Paths {
    std::string config;
    bool config_explicit = false;  // named by --config or TEND_CONFIG: must exist
    std::string state_dir;
    bool state_dir_explicit = false;  // named by --state-dir or TEND_STATE_DIR
    std::string socket;
    bool socket_explicit = false;  // named by --socket or TEND_SOCKET
    // tendd's spool: --spool or TEND_SPOOL; else STATE/spool when the state dir was named
    // (each daemon of the README tour and of the tests keeps its own); else the instance's
    // default, $XDG_STATE_HOME/tend/spool or /var/spool/tend. Always absolute.
    std::string spool;
    bool spool_explicit = false;  // named by --spool or TEND_SPOOL
    std::string default_socket;   // what the socket would be with nothing named
};

// Fills every path from the flag (when non-empty), else the TEND_* variable, else the default
// for a system (root) or user instance.
Paths resolve_paths(const std::string& config_flag, const std::string& state_flag,
                    const std::string& socket_flag, const std::string& spool_flag = {});

// `path` made absolute against the current directory (tendd records its spool for tend(1),
// which may run elsewhere).
std::string absolute_path(const std::string& path);

bool is_system_instance();

}  // namespace tend

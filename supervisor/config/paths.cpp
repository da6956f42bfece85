// Path defaults: root gets /etc, /var/lib, /run; users get their XDG directories.
#include "supervisor/config/paths.hpp"

#include <unistd.h>
#include <cstdlib>

namespace tend {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string home() {
    return env_or("HOME", "/");
}

}  // namespace

bool is_system_instance() {
    return geteuid() == 0;
}

Paths resolve_paths(const std::string& config_flag, const std::string& state_flag,
                    const std::string& socket_flag) {
    Paths p;
    const bool system = is_system_instance();
    std::string def_config, def_state, def_socket;
    if (system) {
        def_config = "/etc/tend/tend.toml";
        def_state = "/var/lib/tend";
        def_socket = "/run/tend/tend.sock";
    } else {
        def_config = env_or("XDG_CONFIG_HOME", home() + "/.config") + "/tend/tend.toml";
        def_state = env_or("XDG_STATE_HOME", home() + "/.local/state") + "/tend";
        def_socket =
            env_or("XDG_RUNTIME_DIR", "/run/user/" + std::to_string(getuid())) + "/tend/tend.sock";
    }
    const char* env_config = std::getenv("TEND_CONFIG");
    if (!config_flag.empty()) {
        p.config = config_flag;
        p.config_explicit = true;
    } else if (env_config && *env_config) {
        p.config = env_config;
        p.config_explicit = true;
    } else {
        p.config = def_config;
    }
    p.state_dir = !state_flag.empty() ? state_flag : env_or("TEND_STATE_DIR", def_state);
    p.socket = !socket_flag.empty() ? socket_flag : env_or("TEND_SOCKET", def_socket);
    return p;
}

}  // namespace tend

// Path defaults: root gets /etc, /var/lib, /run, /var/spool; users get their XDG directories.
#include "supervisor/config/paths.hpp"

#include <unistd.h>
#include <cstdlib>
#include <vector>

namespace tend {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string home() {
    return env_or("HOME", "/");
}

// The flag, else the variable; empty when neither names it.
std::string named(const std::string& flag, const char* var) {
    return !flag.empty() ? flag : env_or(var, "");
}

}  // namespace

bool is_system_instance() {
    return geteuid() == 0;
}

std::string absolute_path(const std::string& path) {
    if (path.empty() || path[0] == '/') return path;
    std::vector<char> buf(4096);
    while (::getcwd(buf.data(), buf.size()) == nullptr) {
        if (buf.size() > (1u << 20)) return path;
        buf.resize(buf.size() * 2);
    }
    std::string cwd(buf.data());
    std::string rel = path;
    while (rel.starts_with("./")) rel.erase(0, 2);
    return (cwd == "/" ? "" : cwd) + "/" + rel;
}

Paths resolve_paths(const std::string& config_flag, const std::string& state_flag,
                    const std::string& socket_flag, const std::string& spool_flag) {
    Paths p;
    const bool system = is_system_instance();
    std::string def_config, def_state, def_socket, def_spool;
    if (system) {
        def_config = "/etc/tend/tend.toml";
        def_state = "/var/lib/tend";
        def_socket = kSystemSocket;
        def_spool = kSystemSpool;
    } else {
        def_config = env_or("XDG_CONFIG_HOME", home() + "/.config") + "/tend/tend.toml";
        def_state = env_or("XDG_STATE_HOME", home() + "/.local/state") + "/tend";
        def_socket =
            env_or("XDG_RUNTIME_DIR", "/run/user/" + std::to_string(getuid())) + "/tend/tend.sock";
        def_spool = def_state + "/spool";
    }
    const std::string config = named(config_flag, "TEND_CONFIG");
    p.config_explicit = !config.empty();
    p.config = p.config_explicit ? config : def_config;
    const std::string state = named(state_flag, "TEND_STATE_DIR");
    p.state_dir_explicit = !state.empty();
    p.state_dir = p.state_dir_explicit ? state : def_state;
    const std::string socket = named(socket_flag, "TEND_SOCKET");
    p.socket_explicit = !socket.empty();
    p.socket = p.socket_explicit ? socket : def_socket;
    p.default_socket = def_socket;
    const std::string spool = named(spool_flag, "TEND_SPOOL");
    p.spool_explicit = !spool.empty();
    p.spool = absolute_path(p.spool_explicit       ? spool
                            : p.state_dir_explicit ? p.state_dir + "/spool"
                                                   : def_spool);
    return p;
}

}  // namespace tend

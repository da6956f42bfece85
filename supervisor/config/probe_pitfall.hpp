// The readiness-probe pitfall (SPEC §5.5): a tcp:/http:// probe of a program's own shared socket.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/config/config.hpp"

namespace tend {

// True when a probe of `probe_host`:`probe_port` reaches the listening socket `socket_spec`
// ("tcp://HOST:PORT"): same port, and the same host, or either side a wildcard (0.0.0.0, ::)
// or both loopback (127.x, ::1, localhost). A unix:// socket or a malformed spec never matches.
bool probe_hits_socket(const std::string& probe_host, const std::string& probe_port,
                       const std::string& socket_spec);

// The warning for a program whose tcp:/http:// readiness probe targets one of its own
// `sockets`: the instances already serving answer it, so it cannot tell a new instance ready.
std::optional<std::string> shared_socket_probe_warning(const ProgramConfig& p);

// Every such warning of the config, in program order ("program \"web\": ...").
std::vector<std::string> config_warnings(const Config& c);

}  // namespace tend

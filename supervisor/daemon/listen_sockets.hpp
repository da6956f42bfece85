// Listening sockets that tendd binds for a program (`sockets`, SPEC §5.5) and hands to every
// instance and generation, so clients never meet a closed port during restarts.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/daemon/spawner.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

struct ListenSocket {
    std::string spec;  // "tcp://0.0.0.0:8000" or "unix:///run/app.sock", as configured
    std::string name;  // its LISTEN_FDNAMES entry
    UniqueFd fd;
};

// Binds and listens: tcp://HOST:PORT (numeric host, or "localhost"; SO_REUSEADDR) or
// unix:///PATH (a stale socket file is replaced; owned by `owner` when given, mode 0660).
// The message names the socket and the errno.
Result<std::unique_ptr<ListenSocket>> bind_listen_socket(const std::string& spec,
                                                         const std::string& name,
                                                         const std::optional<Credentials>& owner);

}  // namespace tend

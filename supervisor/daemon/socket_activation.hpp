// Sockets passed to tendd by systemd socket activation (LISTEN_FDS, LISTEN_FDNAMES), by name.
#pragma once

#include <map>
#include <string>

#include "supervisor/util/unique_fd.hpp"

namespace tend {

// The fds systemd passed to this process, keyed by their LISTEN_FDNAMES names (systemd's
// default name is the socket unit's, "tendd.socket"). The LISTEN_* variables are removed
// from the environment, so no child sees them. Empty when tendd was not socket-activated.
std::map<std::string, UniqueFd> take_activated_sockets();

// Whether `fd` is a listening Unix stream socket (what the control socket must be).
bool is_listening_unix_socket(int fd);

}  // namespace tend

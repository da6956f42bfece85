// Creating the listening control socket safely (no stealing another daemon's socket).
#pragma once
#include <sys/types.h>
#include <optional>
#include <string>

#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

// Binds and listens on `path`: 0600, or `group_mode` (0660, or 0666 when two groups may connect
// and tendd checks each peer) with group `gid` for a system instance.
// Refuses when another daemon answers on that path; removes a stale socket file.
Result<UniqueFd> listen_control_socket(const std::string& path, std::optional<gid_t> gid,
                                       mode_t group_mode = 0660);

// Connects to a control socket (client side); fails with the errno text.
Result<UniqueFd> connect_control_socket(const std::string& path);

}  // namespace tend

// The HTTP bearer token file (design observability.md §3.1): read, or made at first start.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>

#include "supervisor/util/result.hpp"

namespace tend {

// Reads the token at `path`, creating it first when missing: 32 random bytes as 64 hex digits,
// mode 0600, or 0640 with group `group` (a system instance: socket_group members may read it,
// as they may use the control socket). The directory must be tendd's own and writable by
// nobody else; the file is opened O_NOFOLLOW there, must be a regular file owned by tendd's
// user and readable by no "other". A token shorter than 16 characters is refused.
Result<std::string> load_http_token(const std::string& path, std::optional<gid_t> group);

}  // namespace tend

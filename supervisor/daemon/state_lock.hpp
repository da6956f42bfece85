// The exclusive flock on STATE_DIR/tendd.pid that keeps two daemons off one state dir.
#pragma once

#include <string>

#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

// Creates the state dir (0700) if needed, locks tendd.pid and writes our pid into it.
// Fails naming the pid of the daemon that holds the lock, and refuses (naming the path and
// why) a state dir that another user owns or could replace or write, and a tendd.pid that is
// a symlink or not a plain file of the daemon's user.
Result<UniqueFd> acquire_state_lock(const std::string& state_dir);

// Creates a directory and its parents with `mode` for the ones it creates, through the
// symlink-safe walk of safe_dir.hpp (a link another user could have made is refused).
Status make_dirs(const std::string& path, unsigned mode);

}  // namespace tend

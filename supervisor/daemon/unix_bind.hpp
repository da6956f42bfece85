// Binding a Unix socket at a path that appears private (0600, tendd's user) and gets its owner
// and mode through a handle checked to be that very socket: never chown/chmod by a path that
// another user could swap (SPEC §2).
#pragma once

#include <sys/types.h>
#include <sys/un.h>

#include <optional>
#include <string>

#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

struct SocketOwner {
    std::optional<uid_t> uid;  // nullopt: stays tendd's user
    std::optional<gid_t> gid;  // nullopt: stays tendd's group
    mode_t mode = 0600;
};

// The address of the Unix socket at `path`, or why it cannot be one (too long).
Result<sockaddr_un> unix_address(const std::string& path);

// Removes a stale socket file at NAME in `dir` so that bind() can create a fresh one; nothing
// there is fine; any other kind of file (or a symlink) is refused, naming `path`.
Status remove_stale_socket(const OpenedDir& dir, const std::string& name, const std::string& path);

// Binds `sock` at NAME in `dir` (`path` is how the config names it: the socket's address when
// the walk to `dir` was stable, otherwise /proc/self/fd/N/NAME, which cannot be redirected),
// with umask 0177, then sets `owner` through an O_PATH handle on NAME that must still be the
// socket just made (fresh_socket_distrust()).
Status bind_unix_socket(int sock, const OpenedDir& dir, const std::string& name,
                        const std::string& path, const SocketOwner& owner);

}  // namespace tend

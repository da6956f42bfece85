// Opening directories and files without following a symlink anyone but root or tendd's own
// user could have planted (SPEC §2): the shared ground of pidfiles, sockets and the state dir.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

struct OpenedDir {
    UniqueFd fd;        // O_PATH: a dirfd for *at() calls; names this directory for good
    struct stat st {};  // the directory's own stat, taken on `fd`
    std::string path;   // as asked, for messages
    // Empty when only root and the daemon's user could have swapped a directory on the way
    // (so the path still leads to `fd`); otherwise which directory could be, and why.
    std::string unstable;
};

// Walks `path` one component at a time from "/" (a relative path from the current directory)
// with O_NOFOLLOW. A symlink on the way is followed only when symlink_distrust() finds nothing
// against it; any other one is refused, naming it. With create_mode != 0, missing directories
// are created with exactly that mode (umask or not).
Result<OpenedDir> open_dir_path(const std::string& path, mode_t create_mode = 0);

// open_dir_path(), then the rules for a state dir or socket dir: a safe path to a directory
// owned by the daemon's user that nobody else can write. `what` names it in the messages
// ("state dir", "socket dir").
Result<OpenedDir> open_private_dir(const std::string& path, mode_t create_mode,
                                   const std::string& what);

// The directory of a program's log_file (SPEC §3): missing directories are created (0755)
// where only root and the daemon's user could have swapped them; the path must be stable that
// way, and the directory itself pass log_dir_distrust (root's, the daemon's user's, or the
// program's user's own, writable by nobody else).
Result<OpenedDir> open_log_dir(const std::string& path, std::optional<uid_t> program_uid);

// Opens NAME in `dir` as a regular file: O_NOFOLLOW (a symlink there is an error, never
// followed), O_CLOEXEC, and no blocking on a FIFO or device planted there. `flags` may hold
// O_CREAT/O_EXCL/O_TRUNC/O_APPEND and the access mode. The message names `shown` and why.
Result<UniqueFd> open_regular_at(int dir, const std::string& name, int flags, mode_t mode,
                                 const std::string& shown);

// The same for a path in a directory tendd already trusts (the state dir's subdirectories).
Result<UniqueFd> open_regular(const std::string& path, int flags, mode_t mode = 0600);

// "/a/b/c" -> {"/a/b", "c"}; "c" -> {".", "c"}. An empty or "."/".." last name is refused.
Result<std::pair<std::string, std::string>> split_dir_name(const std::string& path);

}  // namespace tend

// tendd's spool directory: created with the right owner and mode, refused when another user
// could read, replace or delete what is in it (SPEC §2, §8 "Spool").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend::jobs {

// What the spool directory should be: owned by tendd's user; 0700, or 1730 with the group
// `group` (the system instance's socket_group, whose members spool while tendd is down: they
// may create files, not list the directory, and the sticky bit keeps them from deleting or
// renaming each other's files).
struct SpoolDirPolicy {
    uid_t owner = 0;
    std::optional<gid_t> group;
    mode_t mode() const { return group ? 01730 : 0700; }
};

// Why an existing directory with this owner, group and mode cannot be the spool, or nullopt.
// Pure. Bits a repair can fix (a missing group write for the group, a missing sticky bit on a
// private directory) are not problems; access for others beyond the policy is.
std::optional<std::string> spool_dir_problem(uid_t uid, gid_t gid, mode_t mode,
                                             const SpoolDirPolicy& policy);

// Why the directory holding the spool cannot be trusted (someone else could rename the spool
// away and put their own in its place), or nullopt. Pure.
std::optional<std::string> spool_parent_problem(uid_t uid, mode_t mode, uid_t daemon_uid);

// Creates `path` when missing (parents 0700, as the state dir), opens it without following a
// link, checks it and its parent, and sets the policy's group and mode on the open directory.
// The error names the directory and says why.
Result<UniqueFd> open_spool_dir(const std::string& path, const SpoolDirPolicy& policy);

}  // namespace tend::jobs

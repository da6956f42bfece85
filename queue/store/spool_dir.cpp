// The spool directory's checks (pure) and its creation on an fd opened without following links.
#include "queue/store/spool_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tend::jobs {

namespace {

std::string octal(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::string parent_of(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    const auto slash = p.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : p.substr(0, slash);
}

}  // namespace

std::optional<std::string> spool_dir_problem(uid_t uid, gid_t gid, mode_t mode,
                                             const SpoolDirPolicy& policy) {
    if (uid != policy.owner)
        return "is owned by uid " + std::to_string(uid) + ", not by tendd's user (uid " +
               std::to_string(policy.owner) +
               "): that user could read, replace or delete spooled jobs";
    if (mode & 0007)
        return "has mode " + octal(mode) + ": other users may list or add entries (expected " +
               octal(policy.mode()) + ")";
    if ((mode & 0070) == 0) return std::nullopt;
    // A former 1730 spool of a socket_group since removed from the config: tightened to 0700.
    if (!policy.group && !(mode & 0040) && (!(mode & 0020) || (mode & 01000))) return std::nullopt;
    if (!policy.group || gid != *policy.group)
        return "has mode " + octal(mode) + " for group " + std::to_string(gid) +
               ", which is not the socket_group: its members could read or replace entries "
               "(expected " +
               octal(policy.mode()) + ")";
    if (mode & 0040)
        return "has mode " + octal(mode) +
               ": socket_group members may list each other's entries (expected " +
               octal(policy.mode()) + ")";
    if ((mode & 0020) && !(mode & 01000))
        return "has mode " + octal(mode) +
               " without the sticky bit: socket_group members could delete or replace each "
               "other's entries (expected " +
               octal(policy.mode()) + ")";
    return std::nullopt;
}

std::optional<std::string> spool_parent_problem(uid_t uid, mode_t mode, uid_t daemon_uid) {
    if (uid != 0 && uid != daemon_uid)
        return "is owned by uid " + std::to_string(uid) +
               ", who could replace the spool with a directory of their own";
    if ((mode & 0022) && !(mode & 01000))
        return "has mode " + octal(mode) +
               ": other users could replace the spool with a directory of their own";
    return std::nullopt;
}

Result<UniqueFd> open_spool_dir(const std::string& path, const SpoolDirPolicy& policy) {
    const std::string parent = parent_of(path);
    // Parents as the state dir's (private); the spool itself starts private and gets its
    // mode below, on the open directory.
    for (std::size_t slash = 1; slash != std::string::npos;) {
        slash = path.find('/', slash + 1);
        const std::string part = path.substr(0, slash);
        if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error("cannot create the spool directory " + part + ": " +
                              std::strerror(errno));
    }
    struct stat pst {};
    if (::stat(parent.c_str(), &pst) != 0)
        return make_error("cannot examine " + parent + ": " + std::strerror(errno));
    if (auto why = spool_parent_problem(pst.st_uid, pst.st_mode, policy.owner))
        return make_error("refusing the spool " + path + ": its parent directory " + parent + " " +
                          *why);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        const int err = errno;
        if (err == ELOOP || err == ENOTDIR)
            return make_error("refusing the spool " + path +
                              ": it is a symbolic link or not a directory");
        return make_error("cannot open the spool directory " + path + ": " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return make_error("cannot examine " + path + ": " + std::strerror(errno));
    if (auto why = spool_dir_problem(st.st_uid, st.st_gid, st.st_mode, policy))
        return make_error("refusing the spool " + path + ": it " + *why);
    if (policy.group && st.st_gid != *policy.group && ::fchown(fd.get(), -1, *policy.group) != 0)
        return make_error("cannot give the spool " + path + " to group " +
                          std::to_string(*policy.group) + ": " + std::strerror(errno));
    if ((st.st_mode & 07777) != policy.mode() && ::fchmod(fd.get(), policy.mode()) != 0)
        return make_error("cannot set the mode of the spool " + path + ": " + std::strerror(errno));
    return fd;
}

}  // namespace tend::jobs

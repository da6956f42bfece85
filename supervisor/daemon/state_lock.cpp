// State-dir locking; the pid in the file is informational, the flock is the truth.
#include "supervisor/daemon/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/daemon/safe_dir.hpp"
#include "supervisor/util/dir_trust.hpp"

namespace tend {

Status make_dirs(const std::string& path, unsigned mode) {
    // The symlink-safe walk: a link on the way that another user could have made is refused.
    auto dir = open_dir_path(path, static_cast<mode_t>(mode));
    if (!dir) return make_error(dir.error());
    return ok_status();
}

Result<UniqueFd> acquire_state_lock(const std::string& state_dir) {
    // Created 0700 when missing; an existing one must already be ours alone (SPEC §2): a state
    // dir another user made first, or can write, may hold their links and forged files.
    auto dir = open_private_dir(state_dir, 0700, "state dir");
    if (!dir) return make_error(dir.error());
    if (dir->st.st_mode & 077) {
        // Private to the daemon's user, whatever the umask left (it is ours: nobody else's
        // files can be in it).
        UniqueFd rd(openat(dir->fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!rd || fchmod(rd.get(), 0700) != 0)
            return make_error("cannot make state dir " + state_dir +
                              " private: " + std::strerror(errno));
    }
    const std::string path = state_dir + "/tendd.pid";
    auto opened = open_regular_at(dir->fd.get(), "tendd.pid", O_RDWR | O_CREAT, 0600, path);
    if (!opened) return make_error(opened.error());
    UniqueFd fd = std::move(opened.value());
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        return make_error("cannot stat " + path + ": " + std::strerror(errno));
    if (auto why = own_file_distrust(st, geteuid()))
        return make_error(path + " is refused: " + *why);
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return make_error("cannot lock " + path + ": " + std::strerror(errno));
        char buf[32] = {};
        ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, strnlen(buf, size_t(n))) : "";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        return make_error("another tendd" + (pid.empty() ? "" : " (pid " + pid + ")") +
                          " is running on state dir " + state_dir);
    }
    std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) < 0)
        return make_error("cannot write " + path + ": " + std::strerror(errno));
    return fd;
}

}  // namespace tend

// State-dir locking; the pid in the file is informational, the flock is the truth.
#include "supervisor/daemon/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstring>

namespace tend {

Status make_dirs(const std::string& path, unsigned mode) {
    if (path.empty()) return make_error("empty directory path");
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        std::string part = path.substr(0, pos);
        if (mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
            return make_error("cannot create directory " + part + ": " + std::strerror(errno));
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(path + " is not a directory");
    return ok_status();
}

Result<UniqueFd> acquire_state_lock(const std::string& state_dir) {
    if (auto s = make_dirs(state_dir, 0700); !s) return make_error(s.error());
    // Private to the daemon's user, whatever the umask or an earlier owner left (SPEC §2).
    chmod(state_dir.c_str(), 0700);
    std::string path = state_dir + "/tendd.pid";
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return make_error("cannot open " + path + ": " + std::strerror(errno));
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

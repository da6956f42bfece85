// Atomic pidfile writes so that readers never see an empty or half-written file.
#include "supervisor/daemon/pidfile.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tend {

Status write_pidfile(const std::string& path, int pid) {
    std::string tmp = path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("cannot write pidfile " + tmp + ": " + std::strerror(errno));
    std::string text = std::to_string(pid) + "\n";
    bool good = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int err = errno;
    close(fd);
    if (!good || rename(tmp.c_str(), path.c_str()) != 0) {
        if (good) err = errno;
        unlink(tmp.c_str());
        return make_error("cannot write pidfile " + path + ": " + std::strerror(err));
    }
    return ok_status();
}

void remove_pidfile(const std::string& path, int pid) {
    char buf[32] = {};
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0 && std::atoi(buf) == pid) unlink(path.c_str());
}

}  // namespace tend

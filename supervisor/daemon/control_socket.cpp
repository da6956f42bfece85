// Unix socket plumbing shared by tendd (listen) and tend (connect).
#include "supervisor/daemon/control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/daemon/state_lock.hpp"

namespace tend {
namespace {

Result<sockaddr_un> address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return make_error("socket path " + path + " is too long (at most " +
                          std::to_string(sizeof addr.sun_path - 1) + " bytes)");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

}  // namespace

Result<UniqueFd> connect_control_socket(const std::string& path) {
    auto addr = address_of(path);
    if (!addr) return make_error(addr.error());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return make_error(std::string("cannot create a socket: ") + std::strerror(errno));
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0)
        return make_error(std::strerror(errno));
    return fd;
}

Result<UniqueFd> listen_control_socket(const std::string& path, std::optional<gid_t> gid,
                                       mode_t group_mode) {
    auto addr = address_of(path);
    if (!addr) return make_error(addr.error());
    // A bare name ("tend.sock") lives in the current directory: nothing to create.
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash);
    if (!dir.empty()) {
        if (auto s = make_dirs(dir, gid ? 0755 : 0700); !s) return make_error(s.error());
    }
    if (connect_control_socket(path)) return make_error("another tendd is listening on " + path);
    unlink(path.c_str());  // stale: nobody answered
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return make_error(std::string("cannot create a socket: ") + std::strerror(errno));
    // The socket file is created with the umask; make it private before anyone can connect.
    mode_t old = umask(0177);
    int r = bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
    umask(old);
    if (r != 0) return make_error("cannot bind " + path + ": " + std::strerror(errno));
    if (gid) {
        if (chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0 ||
            chmod(path.c_str(), group_mode) != 0)
            return make_error("cannot give group access to " + path + ": " + std::strerror(errno));
    }
    if (listen(fd.get(), 128) != 0)
        return make_error("cannot listen on " + path + ": " + std::strerror(errno));
    return fd;
}

}  // namespace tend

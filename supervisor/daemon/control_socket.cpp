// Unix socket plumbing shared by tendd (listen) and tend (connect).
#include "supervisor/daemon/control_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "supervisor/daemon/unix_bind.hpp"

namespace tend {

Result<UniqueFd> connect_control_socket(const std::string& path) {
    auto addr = unix_address(path);
    if (!addr) return make_error(addr.error());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return make_error(std::string("cannot create a socket: ") + std::strerror(errno));
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0)
        return make_error(std::strerror(errno));
    return fd;
}

Result<UniqueFd> listen_control_socket(const std::string& path, std::optional<gid_t> gid,
                                       mode_t group_mode) {
    auto addr = unix_address(path);
    if (!addr) return make_error(addr.error());
    auto split = split_dir_name(path);
    if (!split) return make_error("control socket: " + split.error());
    // A bare name ("tend.sock") lives in the current directory, which must be as safe. A dir
    // someone else owns or can write would let them remove or replace the socket (SPEC §2).
    auto dir = open_private_dir(split->first, gid ? 0755 : 0700, "socket dir");
    if (!dir) return make_error(dir.error());
    if (connect_control_socket(path)) return make_error("another tendd is listening on " + path);
    if (auto st = remove_stale_socket(*dir, split->second, path); !st)  // nobody answered
        return make_error(st.error());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return make_error(std::string("cannot create a socket: ") + std::strerror(errno));
    // Private (0600) from the moment it exists; the group gets access only afterwards.
    SocketOwner owner;
    if (gid) owner.gid = *gid, owner.mode = group_mode;
    if (auto st = bind_unix_socket(fd.get(), *dir, split->second, path, owner); !st)
        return make_error(st.error());
    if (listen(fd.get(), 128) != 0)
        return make_error("cannot listen on " + path + ": " + std::strerror(errno));
    return fd;
}

}  // namespace tend

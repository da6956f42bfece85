// Unix sockets that exist with their final owner and mode before anyone else can use them.
//
// fchmod/fchown on a socket fd do not touch the file that bind() creates on Linux, so the file
// is made 0600 by the umask (only tendd's user can connect) and fixed afterwards through an
// O_PATH handle. If the directory's owner swapped the name in between, the handle shows it
// (not a fresh 0600 socket of ours with one link) and nothing is changed.
#include "supervisor/daemon/unix_bind.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/util/dir_trust.hpp"

namespace tend {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return make_error("socket path " + path + " is too long (at most " +
                          std::to_string(sizeof addr.sun_path - 1) + " bytes)");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

Status remove_stale_socket(const OpenedDir& dir, const std::string& name, const std::string& path) {
    struct stat st {};
    if (fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? ok_status()
                               : make_error("cannot stat " + path + ": " + std::strerror(errno));
    // Only a stale socket is replaced, never another kind of file.
    if (!S_ISSOCK(st.st_mode))
        return make_error(path + " exists and is not a socket" +
                          (S_ISLNK(st.st_mode) ? " (a symbolic link)" : "") +
                          ": tendd does not replace it");
    if (unlinkat(dir.fd.get(), name.c_str(), 0) != 0 && errno != ENOENT)
        return make_error("cannot remove the stale socket " + path + ": " + std::strerror(errno));
    return ok_status();
}

Status bind_unix_socket(int sock, const OpenedDir& dir, const std::string& name,
                        const std::string& path, const SocketOwner& owner) {
    // Through a directory another user can change, bind() could be sent elsewhere; the fd's
    // /proc name leads to this directory whatever they do (the address then shows that name).
    const std::string target =
        dir.unstable.empty() ? path : "/proc/self/fd/" + std::to_string(dir.fd.get()) + "/" + name;
    auto addr = unix_address(target);
    if (!addr) return make_error(addr.error());
    const mode_t old = umask(0177);
    const int r = bind(sock, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
    const int err = errno;
    umask(old);
    if (r != 0) return make_error("cannot bind " + path + ": " + std::strerror(err));

    UniqueFd handle(openat(dir.fd.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!handle || fstat(handle.get(), &st) != 0)
        return make_error("cannot open the socket " + path +
                          " just bound: " + std::strerror(errno));
    if (auto why = fresh_socket_distrust(st, geteuid()))
        return make_error(path + " was replaced right after bind (" + *why +
                          "): its owner and mode are left alone");
    if ((owner.uid || owner.gid) &&
        fchownat(handle.get(), "", owner.uid ? *owner.uid : static_cast<uid_t>(-1),
                 owner.gid ? *owner.gid : static_cast<gid_t>(-1), AT_EMPTY_PATH) != 0)
        return make_error("cannot set the owner of " + path + ": " + std::strerror(errno));
    // fchmod() refuses an O_PATH fd; its /proc name reaches the same inode, never a new path.
    const std::string self_name = "/proc/self/fd/" + std::to_string(handle.get());
    if (owner.mode != 0600 && chmod(self_name.c_str(), owner.mode) != 0)
        return make_error("cannot set the mode of " + path + ": " + std::strerror(errno));
    return ok_status();
}

}  // namespace tend

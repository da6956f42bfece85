// Binding the sockets of `sockets = [...]`: TCP and Unix stream listeners.
#include "supervisor/daemon/listen_sockets.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tend {

namespace {
Result<std::unique_ptr<ListenSocket>> fail(const std::string& spec, const std::string& what,
                                           int err) {
    return make_error("socket " + spec + ": " + what + ": " + std::strerror(err));
}
}  // namespace

Result<std::unique_ptr<ListenSocket>> bind_listen_socket(const std::string& spec,
                                                         const std::string& name,
                                                         const std::optional<Credentials>& owner) {
    auto s = std::make_unique<ListenSocket>();
    s->spec = spec;
    s->name = name;
    if (spec.rfind("unix://", 0) == 0) {
        const std::string path = spec.substr(7);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (path.size() >= sizeof addr.sun_path)
            return make_error("socket " + spec + ": the path is too long");
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        s->fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!s->fd) return fail(spec, "socket", errno);
        struct stat st {};
        // Only a stale socket is replaced, never another kind of file.
        if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
        if (bind(s->fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            return fail(spec, "bind", errno);
        if (owner && chown(path.c_str(), owner->uid, owner->gid) != 0)
            return fail(spec, "chown", errno);
        chmod(path.c_str(), 0660);
    } else {
        std::string rest = spec.substr(6);  // tcp://
        auto colon = rest.rfind(':');
        std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
        if (host == "localhost") host = "127.0.0.1";
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
        addrinfo* res = nullptr;
        if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
            return make_error("socket " + spec + ": " + gai_strerror(rc) +
                              " (use a numeric address)");
        s->fd.reset(socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
        int err = errno;
        int on = 1;
        if (s->fd) setsockopt(s->fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        int rc = s->fd ? bind(s->fd.get(), res->ai_addr, res->ai_addrlen) : -1;
        if (rc != 0) err = errno;
        freeaddrinfo(res);
        if (!s->fd) return fail(spec, "socket", err);
        if (rc != 0) return fail(spec, "bind", err);
    }
    if (listen(s->fd.get(), SOMAXCONN) != 0) return fail(spec, "listen", errno);
    return s;
}

}  // namespace tend

// Binding the sockets of `sockets = [...]`: TCP and Unix stream listeners.
#include "supervisor/daemon/listen_sockets.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/daemon/unix_bind.hpp"

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
        // The directory may be the program user's (/run/app): the walk refuses links they could
        // have planted, and every step below works in the directory fd it returns.
        auto split = split_dir_name(path);
        if (!split) return make_error("socket " + spec + ": " + split.error());
        auto dir = open_dir_path(split->first);
        if (!dir) return make_error("socket " + spec + ": " + dir.error());
        s->fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!s->fd) return fail(spec, "socket", errno);
        if (auto st = remove_stale_socket(*dir, split->second, path); !st)
            return make_error("socket " + spec + ": " + st.error());
        SocketOwner want;
        if (owner) want.uid = owner->uid, want.gid = owner->gid;
        want.mode = 0660;
        if (auto st = bind_unix_socket(s->fd.get(), *dir, split->second, path, want); !st)
            return make_error("socket " + spec + ": " + st.error());
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

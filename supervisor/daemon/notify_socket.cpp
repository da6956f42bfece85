// Binding and reading an instance's NOTIFY_SOCKET, with SCM_CREDENTIALS to check the sender.
#include "supervisor/daemon/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {

NotifySocket::Fields parse_notify_message(std::string_view text) {
    NotifySocket::Fields out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        out.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    return out;
}

Result<std::unique_ptr<NotifySocket>> NotifySocket::create(sd_event* loop, const std::string& name,
                                                           Hooks hooks) {
    std::unique_ptr<NotifySocket> s(new NotifySocket());
    s->name_ = name;
    s->hooks_ = std::move(hooks);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name.size() + 1 > sizeof addr.sun_path)
        return make_error("notify socket name " + name + " is too long");
    // Abstract namespace: a leading NUL, then the name (no terminator).
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    s->fd_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s->fd_) return make_error(std::string("notify socket: ") + std::strerror(errno));
    int on = 1;
    // SCM_CREDENTIALS on every datagram: who sent it decides whether it is heard.
    if (setsockopt(s->fd_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        return make_error(std::string("notify socket: SO_PASSCRED: ") + std::strerror(errno));
    if (bind(s->fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
        return make_error("cannot bind notify socket @" + name + ": " + std::strerror(errno));
    auto src = ev::add_io(loop, s->fd_.get(), EPOLLIN, &NotifySocket::on_readable, s.get(),
                          "watch the notify socket");
    if (!src) return make_error(src.error());
    s->source_ = std::move(*src);
    // Before SIGCHLD (as systemd does): a process that sends READY=1 or MAINPID= and exits
    // at once is heard before its exit is handled.
    if (auto st = ev::set_priority(s->source_.get(), SD_EVENT_PRIORITY_IMPORTANT,
                                   "hear the notify socket before exits");
        !st)
        return make_error(st.error());
    return s;
}

int NotifySocket::on_readable(sd_event_source*, int fd, uint32_t, void* self) {
    auto* s = static_cast<NotifySocket*>(self);
    // Bounded work per event: the rest waits for the next turn of the loop.
    for (int i = 0; i < 16; ++i) {
        char buf[4096];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
        iovec iov{buf, sizeof buf};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0) break;
        const ucred* cred = nullptr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                c->cmsg_len == CMSG_LEN(sizeof(ucred)))
                cred = reinterpret_cast<const ucred*>(CMSG_DATA(c));
        if (!cred || cred->pid <= 0) {
            s->hooks_.warn("notify message without credentials ignored");
            continue;
        }
        if (!s->hooks_.accept(cred->pid)) {
            s->hooks_.warn("notify message from pid " + std::to_string(cred->pid) +
                           ", which is not a process of this instance, ignored");
            continue;
        }
        if (static_cast<size_t>(n) > sizeof buf || (msg.msg_flags & MSG_TRUNC)) {
            s->hooks_.warn("notify message larger than 4096 bytes ignored");
            continue;
        }
        s->hooks_.on_message(parse_notify_message(std::string_view(buf, static_cast<size_t>(n))));
    }
    return 0;
}

}  // namespace tend

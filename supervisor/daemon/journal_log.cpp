// journald's native protocol spoken directly, so the line can carry the instance's _PID.
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "supervisor/daemon/log_writer.hpp"

namespace tend {

std::string JournalLog::socket_path() {
    const char* p = std::getenv("TEND_JOURNAL_SOCKET");
    return p && *p ? p : "/run/systemd/journal/socket";
}

JournalLog::JournalLog(std::string program, int instance)
    : program_(std::move(program)), instance_(instance) {
    fd_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd_) return;
    int one = 1;
    setsockopt(fd_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = socket_path();
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd_.reset();
}

void JournalLog::line(Stream stream, std::string_view text, int pid) {
    if (!fd_) return;  // no journald: the line is lost, as with journald's own rate limit
    // Lines never contain '\n' (the splitter cut them), so the simple KEY=VALUE form is safe.
    std::string msg = "MESSAGE=";
    msg.append(text);
    // tendd's markers are notices: `journalctl -p notice` shows them without the output.
    const int priority = stream == Stream::err    ? LOG_WARNING
                         : stream == Stream::tend ? LOG_NOTICE
                                                  : LOG_INFO;
    msg += "\nPRIORITY=" + std::to_string(priority);
    msg += "\nSYSLOG_IDENTIFIER=" + program_;
    msg += "\nTEND_PROGRAM=" + program_;
    msg += "\nTEND_INSTANCE=" + std::to_string(instance_);
    msg += std::string("\nTEND_STREAM=") + (stream == Stream::err    ? "stderr"
                                            : stream == Stream::tend ? "tend"
                                                                     : "stdout");
    if (pid > 0) msg += "\nOBJECT_PID=" + std::to_string(pid);
    msg += "\n";

    iovec iov{msg.data(), msg.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
    if (pid > 0 && credentials_allowed_) {
        // journald takes _PID from these credentials; the kernel accepts another pid only
        // from a privileged sender, so an unprivileged daemon falls back to OBJECT_PID.
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof(ucred));
        ucred cred{pid, geteuid(), getegid()};
        std::memcpy(CMSG_DATA(c), &cred, sizeof cred);
    }
    if (sendmsg(fd_.get(), &mh, MSG_NOSIGNAL) >= 0) return;
    if (errno == EPERM && mh.msg_control) {
        credentials_allowed_ = false;
        mh.msg_control = nullptr;
        mh.msg_controllen = 0;
        if (sendmsg(fd_.get(), &mh, MSG_NOSIGNAL) >= 0) return;
    }
    // EAGAIN: journald is behind; blocking the loop would stall every program, so the line
    // is dropped.
}

}  // namespace tend

// tcp/http/command readiness probes: non-blocking connects and reads, or a child process,
// one attempt at a time, each bounded by the probe interval.
#include "supervisor/daemon/ready_probe.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "supervisor/daemon/event_loop.hpp"

namespace tend {

std::optional<bool> http_status_ok(std::string_view head) {
    auto eol = head.find('\n');
    if (eol == std::string_view::npos)
        return head.size() > 256 ? std::optional<bool>(false) : std::nullopt;
    std::string_view line = head.substr(0, eol);
    // "HTTP/1.1 204 No Content"
    if (!line.starts_with("HTTP/")) return false;
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp + 4 > line.size()) return false;
    return line[sp + 1] == '2' && std::isdigit(static_cast<unsigned char>(line[sp + 2])) &&
           std::isdigit(static_cast<unsigned char>(line[sp + 3]));
}

ReadyProbe::ReadyProbe(sd_event* loop, ChildReaper* reaper, Target target,
                       std::function<void()> ready, std::function<void(const std::string&)> note)
    : loop_(loop),
      reaper_(reaper),
      target_(std::move(target)),
      ready_(std::move(ready)),
      note_(std::move(note)) {
    if (target_.kind == ReadyKind::http)
        request_ = "GET " + target_.path + " HTTP/1.0\r\nHost: " + target_.host + ":" +
                   target_.port + "\r\nUser-Agent: tendd\r\nConnection: close\r\n\r\n";
    attempt();
}

ReadyProbe::~ReadyProbe() {
    if (command_pid_ > 0) {
        reaper_->untrack(command_pid_);
        kill(-command_pid_, SIGKILL);
    }
}

int ReadyProbe::on_timer(sd_event_source*, uint64_t, void* self) {
    auto* p = static_cast<ReadyProbe*>(self);
    // The attempt in flight took the whole interval: give it up and start another.
    if (p->sock_) p->fail("no answer within " + format_duration(kProbeInterval));
    if (!p->done_ && p->command_pid_ == 0) p->attempt();
    return 0;
}

void ReadyProbe::attempt() {
    // The next attempt is due one interval from now, whatever this one does.
    const uint64_t at = static_cast<uint64_t>((loop_now(loop_) + kProbeInterval).count());
    Status armed = ok_status();
    if (!timer_) {
        auto t = ev::add_time(loop_, CLOCK_MONOTONIC, at, 1000, &ReadyProbe::on_timer, this,
                              "time the next readiness probe");
        if (t)
            timer_ = std::move(*t);
        else
            armed = make_error(t.error());
    } else {
        armed = ev::rearm_at(timer_.get(), at, "time the next readiness probe");
    }
    // This attempt still runs; with no timer none follows it, and the start timeout decides.
    if (!armed) note_(armed.error() + "; no further attempt");
    if (target_.kind == ReadyKind::command) {
        auto r = spawn_process(target_.command);
        if (!r) return fail(r.error());
        command_pid_ = r->pid;
        reaper_->track(command_pid_, [this](const ExitInfo& info) { on_command_exit(info); });
        return;
    }
    connect_next();
}

void ReadyProbe::connect_next() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
    addrinfo* res = nullptr;
    std::string host = target_.host == "localhost" ? "127.0.0.1" : target_.host;
    if (!host.empty() && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    // Only numeric hosts: a name lookup would block the loop (documented in tend.toml(5)).
    if (int rc = getaddrinfo(host.c_str(), target_.port.c_str(), &hints, &res); rc != 0)
        return fail("cannot use " + target_.host + ":" + target_.port + ": " + gai_strerror(rc));
    sock_.reset(socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int rc = sock_ ? connect(sock_.get(), res->ai_addr, res->ai_addrlen) : -1;
    int err = errno;
    freeaddrinfo(res);
    if (rc != 0 && err != EINPROGRESS) return fail(std::string("connect: ") + std::strerror(err));
    connected_ = false;
    sent_ = 0;
    response_.clear();
    auto io = ev::add_io(loop_, sock_.get(), EPOLLOUT, &ReadyProbe::on_io, this,
                         "watch the readiness probe's connection");
    if (!io) return fail(io.error());
    io_ = std::move(*io);
}

void ReadyProbe::fail(const std::string& why) {
    io_.reset();
    sock_.reset();
    note_(why);
}

int ReadyProbe::on_io(sd_event_source*, int, uint32_t events, void* self) {
    auto* p = static_cast<ReadyProbe*>(self);
    if (!p->connected_) {
        p->on_connected();
    } else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        p->on_readable();
    }
    return 0;
}

void ReadyProbe::on_connected() {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(sock_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
    if (target_.kind == ReadyKind::tcp) {
        fail("");
        done_ = true;
        timer_.reset();
        return ready_();
    }
    connected_ = true;
    // The request is tiny: one send normally takes it all.
    ssize_t n = send(sock_.get(), request_.data(), request_.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(request_.size()))
        return fail(std::string("send: ") + (n < 0 ? std::strerror(errno) : "short write"));
    if (auto st = ev::set_io_events(io_.get(), EPOLLIN, "wait for the probe's answer"); !st)
        return fail(st.error());
}

void ReadyProbe::on_readable() {
    char buf[512];
    ssize_t n = recv(sock_.get(), buf, sizeof buf, 0);
    if (n > 0) response_.append(buf, static_cast<size_t>(n));
    auto ok = http_status_ok(response_);
    if (!ok && n > 0) return;  // the status line is still coming
    const std::string line = response_.substr(0, response_.find('\r'));
    if (ok && *ok) {
        fail("");
        done_ = true;
        timer_.reset();
        return ready_();
    }
    fail(line.empty() ? std::string("no HTTP answer") : "answered \"" + line.substr(0, 100) + "\"");
}

void ReadyProbe::on_command_exit(const ExitInfo& info) {
    const pid_t pid = std::exchange(command_pid_, 0);
    kill(-pid, SIGKILL);  // whatever the probe left behind in its group
    if (!info.failure()) {
        done_ = true;
        timer_.reset();
        return ready_();
    }
    note_("command: " + describe_exit(info));
    // The next attempt starts at the timer (one per interval at most).
    if (timer_ && sd_event_source_get_enabled(timer_.get(), nullptr) == 0) attempt();
}

}  // namespace tend

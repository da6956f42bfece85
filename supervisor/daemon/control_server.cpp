// Every socket operation here is non-blocking and bounded, so no client can stall the loop.
#include "supervisor/daemon/control_server.hpp"

#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <exception>
#include <vector>

#include <spdlog/spdlog.h>

#include "supervisor/daemon/event_loop.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend {

using protocol::Outcome;
using Kind = protocol::Outcome::Kind;

struct ControlServer::Client {
    // Admitted by the budget (a connection of its uid) before it is made; given back here.
    Client(ControlServer* s, ClientId i, PeerCredentials p, authz::Role r)
        : server(s), id(i), peer(std::move(p)), role(r) {}
    ~Client() {
        server->budget_.release(held);
        server->budget_.leave(peer.uid, privileged());
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    ControlServer* server;
    ClientId id;
    PeerCredentials peer;
    authz::Role role;
    // Admins (root, the daemon's uid, admin_group) draw on the budget's reserved pool.
    bool privileged() const { return role == authz::Role::admin; }
    std::uint64_t held = 0;  // this client's share of the budget's bytes
    UniqueFd fd;
    EventSource io;
    EventSource idle;
    protocol::LineBuffer in{protocol::kMaxRequestBytes};
    std::string out;
    bool busy = false;  // a request is being answered; later lines wait
    bool close_after_flush = false;
    bool processing = false;  // inside process_lines for this client
};

ControlServer::ControlServer(sd_event* loop, UniqueFd listener, Handler handler,
                             authz::AccessPolicy policy, ClientBudget& budget, ServerLimits limits)
    : loop_(loop),
      listener_(std::move(listener)),
      handler_(std::move(handler)),
      policy_(policy),
      budget_(budget),
      limits_(limits) {}

Result<std::unique_ptr<ControlServer>> ControlServer::start(sd_event* loop, UniqueFd listener,
                                                            Handler handler,
                                                            authz::AccessPolicy policy,
                                                            ClientBudget& budget,
                                                            ServerLimits limits) {
    std::unique_ptr<ControlServer> srv(
        new ControlServer(loop, std::move(listener), std::move(handler), policy, budget, limits));
    auto accept = ev::add_io(loop, srv->listener_.get(), EPOLLIN, &ControlServer::on_accept,
                             srv.get(), "watch the control socket (no client could connect)");
    if (!accept) return make_error(accept.error());
    srv->accept_source_ = std::move(*accept);
    return srv;
}

ControlServer::~ControlServer() {
    clients_.clear();
    accept_source_.reset();
}

std::optional<PeerCredentials> ControlServer::read_peer(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
    PeerCredentials p{cred.uid, cred.gid, {}};
    // Supplementary groups of the peer, as the kernel saw them at connect time.
    std::vector<gid_t> groups(64);
    len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0) {
        if (errno != ERANGE) return std::nullopt;
        groups.resize(len / sizeof(gid_t));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0)
            return std::nullopt;
    }
    groups.resize(len / sizeof(gid_t));
    p.groups = std::move(groups);
    return p;
}

std::optional<authz::Caller> ControlServer::caller(ClientId id) const {
    auto it = clients_.find(id);
    if (it == clients_.end()) return std::nullopt;
    const Client& c = *it->second;
    return authz::Caller{c.peer.uid, c.peer.gid,
                         std::vector<std::uint32_t>(c.peer.groups.begin(), c.peer.groups.end()),
                         c.role};
}

int ControlServer::on_accept(sd_event_source*, int, uint32_t, void* self) {
    auto* srv = static_cast<ControlServer*>(self);
    // Bounded per event: a flood of connects is taken in over several loop turns.
    for (int i = 0; i < 64; ++i) {
        UniqueFd fd(accept4(srv->listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) return 0;
        auto peer = read_peer(fd.get());
        std::optional<authz::Role> role;
        if (peer)
            role = authz::role_of(
                srv->policy_, peer->uid, peer->gid,
                std::vector<std::uint32_t>(peer->groups.begin(), peer->groups.end()));
        if (!role) {
            std::string msg = protocol::encode_outcome(Outcome::error(
                Kind::forbidden, "permission denied: this user may not use the tend socket"));
            (void)!::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        // Admins (root, the daemon's uid, admin_group) draw on the reserved pool.
        const bool privileged = *role == authz::Role::admin;
        // Per uid, and a separate pool for privileged peers: no user can lock root out.
        if (auto refusal = srv->budget_.admit(peer->uid, privileged)) {
            std::string msg = protocol::encode_outcome(Outcome::error(Kind::busy, *refusal));
            (void)!::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        auto c = std::make_unique<Client>(srv, srv->next_id_++, std::move(*peer), *role);
        c->fd = std::move(fd);
        auto io = ev::add_io(srv->loop_, c->fd.get(), EPOLLIN, &ControlServer::on_client_io,
                             c.get(), "watch a client connection");
        if (!io) {
            // The connection closes unanswered; the client sees it and may retry.
            spdlog::warn("uid {} dropped: {}", c->peer.uid, io.error());
            continue;
        }
        c->io = std::move(*io);
        auto idle = ev::add_time_relative(
            srv->loop_, CLOCK_MONOTONIC, static_cast<uint64_t>(srv->limits_.idle_timeout.count()),
            1000000, &ControlServer::on_idle, c.get(), "time an idle client out");
        if (idle)
            c->idle = std::move(*idle);
        else  // served all the same: it only holds its connection until it closes it
            spdlog::warn("uid {}: {}; its connection stays open until it closes it", c->peer.uid,
                         idle.error());
        srv->clients_.emplace(c->id, std::move(c));
    }
    return 0;
}

void ControlServer::touch(Client& c) {
    if (!c.idle) return;
    // A client waiting for an answer (e.g. `--wait`) is not idle.
    const uint64_t at =
        ev::now(loop_, CLOCK_MONOTONIC) + static_cast<uint64_t>(limits_.idle_timeout.count());
    auto st = c.busy ? ev::set_enabled(c.idle.get(), SD_EVENT_OFF, "pause an idle timeout")
                     : ev::rearm_at(c.idle.get(), at, "restart an idle timeout");
    if (!st) spdlog::warn("uid {}: {}", c.peer.uid, st.error());
}

int ControlServer::on_idle(sd_event_source*, uint64_t, void* client) {
    auto* c = static_cast<Client*>(client);
    c->server->close_client(c->id);
    return 0;
}

int ControlServer::on_client_io(sd_event_source*, int, uint32_t events, void* client) {
    auto* c = static_cast<Client*>(client);
    ControlServer* srv = c->server;
    const ClientId id = c->id;
    if (events & EPOLLOUT) {
        srv->flush(*c);
        if (!srv->clients_.count(id)) return 0;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) srv->read_from(*c);
    return 0;
}

void ControlServer::read_from(Client& c) {
    const ClientId id = c.id;
    char buf[16384];
    // Bounded: at most a request's worth (plus one chunk) is read per event.
    for (size_t total = 0; total <= protocol::kMaxRequestBytes;) {
        ssize_t n = recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            close_client(id);
            return;
        }
        if (n < 0) break;
        c.in.append(std::string_view(buf, static_cast<size_t>(n)));
        total += static_cast<size_t>(n);
        if (c.in.overflowed()) break;
    }
    // Requests queued behind one still being answered (pipelining) are bounded too.
    if ((c.busy || !c.out.empty()) && c.in.size() > 2 * protocol::kMaxRequestBytes) {
        close_client(id);
        return;
    }
    // No touch() here: bytes that are not a complete request (a blank line every 25 s) do not
    // keep a connection alive; process_lines touches it for each request.
    process_lines(c);
    if (auto it = clients_.find(id); it != clients_.end()) account(*it->second);
}

void ControlServer::process_lines(Client& c) {
    const ClientId id = c.id;
    // A reply sent from inside the handler comes back here; the outer call goes on instead,
    // so pipelined requests cannot recurse deeper and deeper.
    if (c.processing) return;
    c.processing = true;
    while (true) {
        auto it = clients_.find(id);
        if (it == clients_.end()) return;  // closed meanwhile
        Client& cl = *it->second;
        if (cl.busy || cl.close_after_flush) break;
        // A client that has not taken its last reply gets no more work done for it: pipelined
        // requests wait until the reply is sent (flush resumes them), so one write of many
        // requests costs one reply's work per turn, not a batch of them (SPEC §8).
        if (!cl.out.empty()) break;
        if (cl.in.overflowed()) {
            cl.close_after_flush = true;
            send(cl,
                 protocol::encode_outcome(Outcome::error(
                     Kind::too_large,
                     "request exceeds " + std::to_string(protocol::kMaxRequestBytes) + " bytes")));
            continue;
        }
        auto line = cl.in.next_line();
        if (!line) break;
        if (line->empty()) continue;
        auto req = protocol::decode_request(*line);
        if (!req) {
            // Not activity either: garbage does not keep a connection open.
            send(cl, protocol::encode_outcome(Outcome::error(Kind::bad_request, req.error())));
            continue;
        }
        cl.busy = true;
        touch(cl);
        dispatch(id, *req);
    }
    if (auto it = clients_.find(id); it != clients_.end()) it->second->processing = false;
}

// The last resort: a handler that throws (a bug) answers `failed` instead of ending tendd.
void ControlServer::dispatch(ClientId id, const protocol::Request& req) {
    auto replier = [this, id](const std::string& reply) {
        auto found = clients_.find(id);
        if (found == clients_.end()) return;
        Client& target = *found->second;
        target.busy = false;
        send(target, reply);
        if (!clients_.count(id)) return;
        touch(target);
        process_lines(target);
    };
    std::string what;
    try {
        handler_(id, req, replier);
        return;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "an unknown exception";
    }
    spdlog::error("request \"{}\" failed with an exception: {}; tendd goes on", req.cmd, what);
    auto it = clients_.find(id);
    if (it == clients_.end() || !it->second->busy) return;  // answered before the throw
    replier(protocol::encode_outcome(Outcome::error(
        Kind::failed, "internal error while handling \"" + req.cmd + "\": " + what)));
}

void ControlServer::send(Client& c, const std::string& line) {
    if (c.out.size() + line.size() > limits_.max_output) {
        close_client(c.id);  // a client that does not read its replies is dropped
        return;
    }
    c.out += line;
    flush(c);
}

void ControlServer::flush(Client& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            close_client(c.id);
            return;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.out.empty() && c.close_after_flush) {
        close_client(c.id);
        return;
    }
    if (!account(c)) return;
    if (auto st = ev::set_io_events(c.io.get(), c.out.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT,
                                    "wait for a client to take its reply");
        !st) {
        // Its replies could stall forever: closed, as a client that stopped reading would be.
        spdlog::warn("uid {} dropped: {}", c.peer.uid, st.error());
        close_client(c.id);
        return;
    }
    // The reply is out: requests that waited behind it go on (process_lines ignores a call
    // from inside itself).
    if (c.out.empty() && !c.busy && c.in.size() > 0) process_lines(c);
}

bool ControlServer::account(Client& c) {
    // Only what the kernel did not take is held: a client that reads its replies holds little.
    if (auto refusal = budget_.resize(c.held, c.out.size() + c.in.size(), c.privileged())) {
        close_client(c.id);
        return false;
    }
    return true;
}

void ControlServer::close_client(ClientId id) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    // Destroying the client disables its sources; we may be inside one of its callbacks,
    // which sd-event allows for a disabled source.
    auto holder = std::move(it->second);
    clients_.erase(it);
    if (on_disconnect_) on_disconnect_(id);
}

}  // namespace tend

// The control socket: non-blocking clients, peer credential checks, one request at a time,
// connections and client memory bounded through a ClientBudget.
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/core/authz.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/daemon/event_source.hpp"
#include "supervisor/protocol/protocol.hpp"
#include "supervisor/util/duration.hpp"
#include "supervisor/util/result.hpp"
#include "supervisor/util/unique_fd.hpp"

namespace tend {

// Per-client limits; how many clients and how much memory in all is the ClientBudget's.
struct ServerLimits {
    size_t max_output = 16u << 20;  // unread reply bytes before a client is dropped
    // Without a complete request (blank lines do not count) for this long, a client that is not
    // waiting for an answer is disconnected.
    Usec idle_timeout = std::chrono::seconds(60);
};

// Who is on the other end of a connection, as the kernel saw it at connect time.
struct PeerCredentials {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

class ControlServer {
  public:
    using ClientId = std::uint64_t;
    // Sends the reply line for one request; safe to call after the client has gone.
    using Replier = std::function<void(const std::string& line)>;
    using Handler = std::function<void(ClientId, const protocol::Request&, Replier)>;

    // `policy` says who may connect and with which role (SPEC §8); `budget` must outlive the
    // server (the job service shares it for buffered batches). Fails when the listener cannot
    // be watched: a server that accepts nothing is not started.
    static Result<std::unique_ptr<ControlServer>> start(sd_event* loop, UniqueFd listener,
                                                        Handler handler, authz::AccessPolicy policy,
                                                        ClientBudget& budget,
                                                        ServerLimits limits = {});
    ~ControlServer();
    void set_on_disconnect(std::function<void(ClientId)> cb) { on_disconnect_ = std::move(cb); }
    size_t client_count() const { return clients_.size(); }
    // The peer and its role, for authorization; nullopt once the client is gone.
    std::optional<authz::Caller> caller(ClientId id) const;
    // The credentials of a connected Unix socket's peer (SO_PEERCRED, SO_PEERGROUPS); the HTTP
    // server's Unix listener uses it too.
    static std::optional<PeerCredentials> read_peer(int fd);

  private:
    ControlServer(sd_event* loop, UniqueFd listener, Handler handler, authz::AccessPolicy policy,
                  ClientBudget& budget, ServerLimits limits);
    struct Client;
    static int on_accept(sd_event_source*, int, uint32_t, void* self);
    static int on_client_io(sd_event_source*, int, uint32_t events, void* client);
    static int on_idle(sd_event_source*, uint64_t, void* client);
    void dispatch(ClientId id, const protocol::Request& req);
    void read_from(Client& c);
    void process_lines(Client& c);
    void send(Client& c, const std::string& line);
    void flush(Client& c);
    void close_client(ClientId id);
    void touch(Client& c);
    // Brings the client's share of the ClientBudget to what its buffers hold now; a client
    // that would take tendd past the global bound is dropped. False when it was dropped.
    bool account(Client& c);

    sd_event* loop_;
    UniqueFd listener_;
    EventSource accept_source_;
    Handler handler_;
    authz::AccessPolicy policy_;
    ClientBudget& budget_;
    ServerLimits limits_;
    std::map<ClientId, std::unique_ptr<Client>> clients_;
    ClientId next_id_ = 1;
    std::function<void(ClientId)> on_disconnect_;
};

}  // namespace tend

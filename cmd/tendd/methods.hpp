// The protocol methods of tendd: one table (name, typed request, handler, who may call it) and
// the dispatch of a request through it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "supervisor/daemon/control_server.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {
class JobQueue;
class CronService;
}  // namespace tend::jobs

namespace tend {

// The services a method may use, wired by the composition root (daemon.cpp).
struct DaemonControl {
    Supervisor* supervisor = nullptr;
    jobs::JobQueue* jobs = nullptr;
    jobs::CronService* cron = nullptr;
    // Begins a graceful shutdown (`drain`: running jobs finish first); `respond` is answered
    // once everything has stopped.
    std::function<void(protocol::Respond respond, bool drain)> shutdown;
    std::function<bool()> shutting_down;
    // `tend reload [--dry-run]`: the plan, or why the config was rejected.
    std::function<Result<nlohmann::json>(bool dry_run)> reload;
    std::string version;
    // The peer and its role; nullopt when the client is gone.
    std::function<std::optional<authz::Caller>(ControlServer::ClientId)> caller;
    // Control-socket requests answered, by method ("unknown" for others) and result ("ok" or
    // the error code): tend_control_requests_total.
    std::map<std::pair<std::string, std::string>, std::uint64_t> control_requests;
};

// Who may call method `cmd`: nullopt when tendd has no such method.
std::optional<authz::Access> method_access(std::string_view cmd);

// Decodes the request's arguments into the method's typed request (a wrong one is answered
// bad_request), authorizes the caller (forbidden), and runs the method. The reply may come
// later (`--wait`).
void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply);

// The same dispatch for a caller known another way (an HTTP request's identity), answering
// through `respond`. `client` names the request for per-connection state (waits); it must not
// be a control-socket client's id (HTTP uses ids from kHttpClientBase up).
void handle_request_as(DaemonControl& d, std::uint64_t client, const authz::Caller& caller,
                       const protocol::Request& req, protocol::Respond respond);
inline constexpr std::uint64_t kHttpClientBase = std::uint64_t{1} << 62;

}  // namespace tend

// The protocol methods of tendd: one table (name, typed request, handler, who may call it) and
// the dispatch of a request through it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "supervisor/daemon/control_server.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend::jobs {
class JobService;
class CronService;
}  // namespace tend::jobs

namespace tend {

// The services a method may use, wired by the composition root (daemon.cpp).
struct DaemonControl {
    Supervisor* supervisor = nullptr;
    jobs::JobService* jobs = nullptr;
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
};

// Who may call method `cmd`: nullopt when tendd has no such method.
std::optional<authz::Access> method_access(std::string_view cmd);

// Decodes the request's arguments into the method's typed request (a wrong one is answered
// bad_request), authorizes the caller (forbidden), and runs the method. The reply may come
// later (`--wait`).
void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply);

}  // namespace tend

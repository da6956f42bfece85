// Turns protocol requests into supervisor operations; the one place results become replies.
#pragma once

#include <functional>
#include <string>

#include "supervisor/daemon/control_server.hpp"
#include "supervisor/daemon/supervisor.hpp"

namespace tend::jobs {
class JobService;
class CronService;
}  // namespace tend::jobs

namespace tend {

struct DaemonControl {
    Supervisor* supervisor = nullptr;
    // Begins a graceful shutdown (`drain`: running jobs finish first); the replier is answered
    // once everything has stopped.
    std::function<void(ControlServer::Replier, bool drain)> shutdown;
    std::function<bool()> shutting_down;
    // `tend reload [--dry-run]`: the plan, or why the config was rejected.
    std::function<Result<nlohmann::json>(bool dry_run)> reload;
    std::string version;
    jobs::JobService* jobs = nullptr;
    jobs::CronService* cron = nullptr;
    // The peer and its role; nullopt when the client is gone.
    std::function<std::optional<authz::Caller>(ControlServer::ClientId)> caller;
};

// Decodes the request's arguments (a wrong one is answered bad_request), authorizes it for the
// caller (forbidden), and runs it. The reply may come later (`--wait`).
void handle_request(DaemonControl& d, ControlServer::ClientId client, const protocol::Request& req,
                    const ControlServer::Replier& reply);

}  // namespace tend

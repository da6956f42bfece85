// The cron commands of the control protocol (cron_list, cron_add, cron_remove, cron_run,
// cron_next).
#pragma once

#include "supervisor/core/authz.hpp"
#include "supervisor/daemon/request_handlers.hpp"

namespace tend::jobs {

// Handles `req` when it is a cron command and returns true; false leaves it to the caller.
// Arguments are decoded (bad_request), then authorized for `caller` (forbidden).
bool handle_cron_request(DaemonControl& d, ControlServer::ClientId client,
                         const authz::Caller& caller, const protocol::Request& req,
                         const ControlServer::Replier& reply);

}  // namespace tend::jobs

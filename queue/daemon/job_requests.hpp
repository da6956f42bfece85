// The job commands of the control protocol (submit, jobs, show, wait, cancel, retry, queues, ...).
#pragma once

#include "supervisor/core/authz.hpp"
#include "supervisor/daemon/request_handlers.hpp"

namespace tend::jobs {

class JobService;

// Handles `req` when it is a job command and returns true; false leaves it to the caller.
// Arguments are decoded (bad_request), then authorized for `caller` (forbidden).
bool handle_job_request(DaemonControl& d, ControlServer::ClientId client,
                        const authz::Caller& caller, const protocol::Request& req,
                        const ControlServer::Replier& reply);

// `tend logs` targets that name jobs ("17"): the job's owner, or nullopt when the target is
// not a job id the daemon knows.
std::optional<std::uint32_t> job_owner(const JobService& jobs, const std::string& target);

// The reply element for a job target, or nullopt when the target is not a job id the daemon
// knows.
std::optional<nlohmann::json> job_logs_entry(JobService& jobs, const std::string& target);

}  // namespace tend::jobs

// Shared by the job and cron commands of the control protocol: the one conversion of a JobReply
// into a protocol reply, and the views of other users' jobs and entries.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "queue/daemon/job_service.hpp"
#include "supervisor/core/authz.hpp"
#include "supervisor/daemon/control_server.hpp"
#include "supervisor/protocol/protocol.hpp"

namespace tend::jobs {

JobReplier replier(const ControlServer::Replier& reply);

// A listing shows a user other users' jobs and cron entries without what they run: command,
// cwd, name, key, output (SPEC §8). `items` is a JSON array of objects with a "uid".
void hide_others(nlohmann::json& items, const authz::Caller& caller,
                 std::initializer_list<const char*> fields);

}  // namespace tend::jobs

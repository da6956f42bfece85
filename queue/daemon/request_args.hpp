// Shared by the job and cron commands of the control protocol: typed request fields, and the one
// conversion of a JobReply into a protocol reply.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "queue/daemon/job_service.hpp"
#include "supervisor/daemon/control_server.hpp"
#include "supervisor/protocol/protocol.hpp"

namespace tend::jobs {

JobReplier replier(const ControlServer::Replier& reply);

// A typed field of the request, or a message naming it.
template <typename T>
Result<T> field(const nlohmann::json& args, const char* key, T fallback) {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        return make_error(std::string("\"") + key + "\" has the wrong type");
    }
}

}  // namespace tend::jobs

// One request line decoded all the way: the envelope, then the command's typed arguments.
// Pure (no daemon state), so tests and the fuzz target can feed it anything.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "queue/core/job_request_args.hpp"
#include "supervisor/protocol/supervisor_requests.hpp"

namespace tend::jobs {

struct TypedRequest {
    std::string cmd;
    std::variant<protocol::SupervisorArgs, JobArgs, CronArgs> args;
};

// The typed request of one protocol line, or the error tendd answers it with: the envelope's
// (not JSON, no "v", no "cmd", ...), an unknown command, or the field that is wrong. Never
// throws, whatever the bytes.
Result<TypedRequest> decode_request_typed(std::string_view line);

}  // namespace tend::jobs

// One call of a protocol method as its handler sees it: the connection, the caller, the answer.
#pragma once

#include <cstdint>

#include "supervisor/core/authz.hpp"
#include "supervisor/protocol/outcome.hpp"

namespace tend {

struct MethodCall {
    std::uint64_t client = 0;   // the connection: --wait answers and batches are per connection
    authz::Caller caller;       // who asks, as the kernel saw it, and its role
    protocol::Respond respond;  // where the outcome goes, now or later
};

}  // namespace tend

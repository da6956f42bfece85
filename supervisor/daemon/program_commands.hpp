// The supervisor's protocol methods: status, start/stop/restart (rolling too), signal, and the
// program side of `tend logs`. cmd/tendd's method table decodes, authorizes and calls them.
#pragma once

#include <cstdint>
#include <string_view>

#include "supervisor/core/authz.hpp"
#include "supervisor/daemon/supervisor.hpp"
#include "supervisor/protocol/outcome.hpp"
#include "supervisor/protocol/supervisor_requests.hpp"

namespace tend::programs {

using protocol::Outcome;
using protocol::Respond;

// `tend status`: the named instances, or all when none is named.
Outcome status(Supervisor& sup, const protocol::StatusArgs& a);

// `tend start|stop|restart [--rolling] [--wait]` (`cmd` says which). The answer comes through
// `respond`, at once or, with --wait, when the instances got there (or failed to).
void lifecycle(Supervisor& sup, std::uint64_t client, std::string_view cmd,
               const protocol::LifecycleArgs& a, const Respond& respond);

// `tend events`: the answer comes through `respond`, at once or, for a long poll, with the
// next matching event (or empty after EventFeed::kMaxWait).
void events(Supervisor& sup, std::uint64_t client, const protocol::EventsArgs& a,
            const Respond& respond);

// `tend signal` / `tend signal --reload`.
Outcome signal(Supervisor& sup, const protocol::SignalArgs& a);

// The `tend logs` entries of programs and instances (their output mode and files). Programs
// are for admins: a user gets forbidden; an unknown name is not_found for everyone.
Outcome log_entries(Supervisor& sup, const authz::Caller& caller,
                    const std::vector<std::string>& names);

}  // namespace tend::programs

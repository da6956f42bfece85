// tendd's I/O shell: wires config, state lock, event loop, reaper, supervisor and socket.
#pragma once

#include <string>

#include "supervisor/config/paths.hpp"
#include "supervisor/core/client_budget.hpp"
#include "supervisor/util/duration.hpp"

namespace tend {

struct DaemonOptions {
    Paths paths;
    std::string version;
    std::string log_level_override;  // --log-level; empty: from the config
    // Connections and memory for control clients (--client-memory-max), and how long an idle
    // client stays connected (--client-idle-timeout).
    ClientLimits client_limits;
    Usec client_idle_timeout = std::chrono::seconds(60);
};

// Exit statuses of tendd (documented in tendd(8)).
inline constexpr int kDaemonOk = 0;
inline constexpr int kDaemonFailure = 1;
inline constexpr int kDaemonConfigInvalid = 65;
// A valid config this build cannot run (EX_CONFIG): a systemd watchdog too long for the host
// lease of the PostgreSQL store (tendd(8) MULTI-HOST).
inline constexpr int kDaemonUnsupported = 78;

// Runs until shutdown; returns the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace tend

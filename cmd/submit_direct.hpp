// `tend submit` straight into PostgreSQL while tendd is down (SPEC §9, design postgres.md §11):
// when the config's [daemon] queue_submit_url is set, the CLI calls tend.submit_direct with a
// fresh token and sends the NOTIFY that wakes the hosts itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cmd/cli_context.hpp"
#include "queue/core/job.hpp"

namespace tend::cli {

struct DirectAttempt {
    enum class State {
        not_configured,  // no queue_submit_url (or no readable config): spool as before
        unreachable,     // the database could not be reached: spool, naming `why`
        submitted,
    };
    State state = State::not_configured;
    std::string why;
    std::vector<std::int64_t> ids;
    std::vector<bool> deduplicated;
};

// Submits `specs` (one queue, one environment `env`) with the config's queue_submit_url. A job
// whose max_attempts is 0 takes its queue's from the config. The server's refusals (queue
// full: 75; no such queue, a bad job: 65; a role without tend_submit, an old schema: 1) and a
// connection lost after the call was sent (76: it may have been submitted) are CliError:
// spooling then would be wrong or could submit the jobs twice.
DirectAttempt submit_direct(const CliContext& ctx, std::vector<jobs::JobSpec> specs,
                            const std::vector<std::string>& env);

}  // namespace tend::cli

// The list of the job statements, for the checks that apply to every one of them.
#include "queue/pg/pg_statements.hpp"

#include <array>

namespace tend::pg {

std::span<const NamedStatement> job_statements() {
    static constexpr std::array<NamedStatement, 15> all{{
        {"claim", claim_sql},
        {"claim_limited", claim_limited_sql},
        {"env", env_sql},
        {"set_pid", set_pid_sql},
        {"finish", finish_sql},
        {"finish_check", finish_check_sql},
        {"running_of_host", running_of_host_sql},
        {"rescue", rescue_sql},
        {"promote", promote_sql},
        {"settle", settle_sql},
        {"cancel", cancel_sql},
        {"retry", retry_sql},
        {"prune", prune_sql},
        {"queue_sync", queue_sync_sql},
        {"set_paused", set_paused_sql},
    }};
    return all;
}

}  // namespace tend::pg

// Waiting for jobs to finish, and the exit status that `tend wait` and `submit --wait` give.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "cmd/cli_context.hpp"

namespace tend::cli {

// Blocks until every job in `ids` is finished (in requests small enough for tendd) and returns
// their objects; passing `deadline` is CliError 124.
nlohmann::json wait_for_jobs(Connection& conn, const std::vector<std::uint64_t>& ids,
                             Deadline deadline);
// `tend wait`'s exit status for finished jobs: the first non-zero status taking the jobs in the
// order of `ids`. With `report`, says on stderr every job that did not succeed (one line each:
// id, name or command, exit, reason, in the order of `ids`) and, for more than one job, how
// many of them did not ("3 of 50 jobs failed").
int jobs_exit_status(const nlohmann::json& jobs, const std::vector<std::uint64_t>& ids,
                     bool report);

}  // namespace tend::cli

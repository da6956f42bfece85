// Registration of each command family on the CLI11 app, and helpers the families share.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cmd/cli_context.hpp"

namespace tend::cli {

// A command's action; it throws CliError on failure and returns the exit status.
using Action = std::function<int()>;

void register_program_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_logs_command(CLI::App& app, CliContext& ctx, Action& action);
void register_check_command(CLI::App& app, CliContext& ctx, Action& action);
void register_daemon_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_submit_command(CLI::App& app, CliContext& ctx, Action& action);
void register_job_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_queue_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_cron_commands(CLI::App& app, CliContext& ctx, Action& action);

// The caller's environment as "KEY=VALUE" (variables that are not UTF-8 are left out with a
// warning naming `command`), with `overrides` ("KEY=VALUE", from --env) applied.
std::vector<std::string> capture_env(const std::vector<std::string>& overrides,
                                     const std::string& command);

// Adds --json to a subcommand, bound to ctx.json.
void add_json_flag(CLI::App* sub, CliContext& ctx);
// Adds --timeout D, validated as a duration while the command line is parsed.
void add_timeout_option(CLI::App* sub, CliContext& ctx, const std::string& help);
// Checks that an option's value is a duration ("30s", "1h30m").
CLI::Validator duration_validator();
// Checks that an option's value is a job id (a positive integer).
CLI::Validator job_id_validator();

// Blocks until every job in `ids` is finished (in requests small enough for tendd) and returns
// their objects; passing `deadline` is CliError 124.
nlohmann::json wait_for_jobs(Connection& conn, const std::vector<std::uint64_t>& ids,
                             Deadline deadline);
// `tend wait`'s exit status for finished jobs: the first non-zero status taking the jobs in the
// order of `ids`. With `report`, says on stderr which job gave it and why.
int jobs_exit_status(const nlohmann::json& jobs, const std::vector<std::uint64_t>& ids,
                     bool report);

}  // namespace tend::cli

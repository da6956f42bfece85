// Registration of each command family on the CLI11 app, and helpers the families share.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cmd/cli_checks.hpp"
#include "cmd/cli_context.hpp"
#include "cmd/job_wait.hpp"

namespace tend::cli {

// A command's action; it throws CliError on failure and returns the exit status.
using Action = std::function<int()>;

void register_program_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_events_command(CLI::App& app, CliContext& ctx, Action& action);
void register_logs_command(CLI::App& app, CliContext& ctx, Action& action);
void register_check_command(CLI::App& app, CliContext& ctx, Action& action);
void register_daemon_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_submit_command(CLI::App& app, CliContext& ctx, Action& action);
void register_job_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_queue_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_cron_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_migrate_command(CLI::App& app, CliContext& ctx, Action& action);

// Adds tend's global options (--socket, --config, --state-dir) to the top-level app.
void add_global_options(CLI::App& app, CliContext& ctx);
// Adds --json to a subcommand, bound to ctx.json.
void add_json_flag(CLI::App* sub, CliContext& ctx);
// Adds --timeout D, validated as a duration while the command line is parsed.
void add_timeout_option(CLI::App* sub, CliContext& ctx, const std::string& help);

}  // namespace tend::cli

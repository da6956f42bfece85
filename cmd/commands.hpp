// Registration of each command family on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cmd/cli_context.hpp"

namespace tend::cli {

// A command's action; it throws CliError on failure and returns the exit status.
using Action = std::function<int()>;

void register_program_commands(CLI::App& app, CliContext& ctx, Action& action);
void register_logs_command(CLI::App& app, CliContext& ctx, Action& action);
void register_check_command(CLI::App& app, CliContext& ctx, Action& action);
void register_daemon_commands(CLI::App& app, CliContext& ctx, Action& action);

// Adds --json to a subcommand, bound to ctx.json.
void add_json_flag(CLI::App* sub, CliContext& ctx);
// Adds --timeout D, validated as a duration while the command line is parsed.
void add_timeout_option(CLI::App* sub, CliContext& ctx, const std::string& help);

}  // namespace tend::cli

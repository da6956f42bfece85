// Running `tend submit` once its command line is parsed (cmd/submit_options.hpp).
#pragma once

#include <string>
#include <vector>

#include "cmd/cli_context.hpp"
#include "cmd/submit_options.hpp"

namespace tend::cli {

// Submits the job (or the batch of --stdin); when tendd is not running, straight into
// PostgreSQL (queue_submit_url) or into the spool; with --wait, waits and returns the job's
// exit status. Failures are CliError.
int run_submit(const CliContext& ctx, const SubmitForm& form);

// This process's environment as "KEY=VALUE" (variables that are not UTF-8 are left out with a
// warning naming `command`), with `overrides` ("KEY=VALUE", from --env) applied.
std::vector<std::string> capture_env(const std::vector<std::string>& overrides,
                                     const std::string& command);

// Refuses (CliError 2, with the --shell line as the hint) a job command whose first word is a
// shell line rather than a program the job could run (`tend submit 'echo a | tr a b'`), as
// usage_hint.hpp's shell_line_suggestion tells with this host's files. `command` names the
// command in messages ("submit", "cron add"); `retry` is how to run it with --shell.
void refuse_shell_line(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& cwd, const std::string& command,
                       const std::string& retry);

}  // namespace tend::cli

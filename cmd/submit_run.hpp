// Running `tend submit` once its command line is parsed (cmd/submit_options.hpp).
#pragma once

#include <string>
#include <vector>

#include "cmd/cli_context.hpp"
#include "cmd/submit_options.hpp"

namespace tend::cli {

// Submits the job (or the batch of --stdin), spooling it when tendd is not running; with
// --wait, waits and returns the job's exit status. Failures are CliError.
int run_submit(const CliContext& ctx, const SubmitForm& form);

// This process's environment as "KEY=VALUE" (variables that are not UTF-8 are left out with a
// warning naming `command`), with `overrides` ("KEY=VALUE", from --env) applied.
std::vector<std::string> capture_env(const std::vector<std::string>& overrides,
                                     const std::string& command);

}  // namespace tend::cli

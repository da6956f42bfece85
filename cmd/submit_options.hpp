// `tend submit`'s command line: one table declares each option and how it lands in the request.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cmd/submit_time.hpp"

namespace CLI {
class App;
}

namespace tend::cli {

// What a submit takes from its caller besides the command line. Parameters, so that turning
// options into a request stays pure (the unit tests and the fuzz target fix them).
struct Caller {
    std::int64_t now_us = 0;
    UtcOffsetAt utc_offset_at;             // the local zone, for --at
    std::optional<std::string> cwd;        // the current directory; nullopt when it cannot be told
    std::string cwd_error;                 // why it cannot
    const char* const* environ = nullptr;  // "K=V" strings, null-terminated; null for none
};

// A parsed `tend submit` command line.
struct SubmitForm {
    // What steers the CLI itself rather than (only) the request.
    std::vector<std::string> command;
    bool wait = false, shell = false, from_stdin = false;
    std::string key;  // a request field too; the CLI refuses it with --stdin and names it
    // How each option of the table lands in the request, in table order.
    using Field = std::function<void(nlohmann::json& args, const Caller& caller)>;
    std::vector<Field> fields;

    // The request's arguments that every job of the submit shares (not argv, shell or batch).
    // Throws CliError: 2 for a bad --at, --in or --timeout, 65 for --cwd or --env.
    nlohmann::json request_args(const Caller& caller) const;
};

// Adds the `submit` subcommand to `app`: the options of the table (bound to `form`, which
// must outlive the parse and the request), --wait, --shell, --stdin, and --json (bound to
// `json`). Builds no other command, and runs nothing.
CLI::App* add_submit_command(CLI::App& app, bool& json, SubmitForm& form);

// `environ` as "KEY=VALUE" (variables that are not UTF-8 are left out with a warning on stderr
// naming `command`), with `overrides` ("KEY=VALUE", from --env) applied. CliError 65 when an
// override is not UTF-8.
std::vector<std::string> env_with_overrides(const char* const* environ,
                                            const std::vector<std::string>& overrides,
                                            const std::string& command);

}  // namespace tend::cli

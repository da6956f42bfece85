// What every `tend` command shares: global options, the daemon connection, and CLI errors.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "supervisor/protocol/protocol.hpp"
#include "supervisor/util/duration.hpp"

namespace tend::cli {

// Exit statuses of tend (SPEC §4); documented in tend(1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInvalid = 65;
inline constexpr int kExitUnreachable = 69;
inline constexpr int kExitQueueFull = 75;
inline constexpr int kExitTimeout = 124;

// Thrown by commands; main() turns it into "tend: WHAT: WHY" and the exit status.
struct CliError : std::runtime_error {
    CliError(int status, const std::string& what, std::string hint = {})
        : std::runtime_error(what), status(status), hint(std::move(hint)) {}
    int status;
    std::string hint;
};

struct CliContext {
    std::string socket_flag;
    std::string config_flag;
    bool json = false;
    std::string timeout_text;  // --timeout for waiting commands
    std::optional<Usec> timeout() const;
    std::string socket_path() const;
    // Sends one request and returns the reply's data; daemon errors become CliError.
    nlohmann::json call(const std::string& cmd, nlohmann::json args = nlohmann::json::object(),
                        bool waits = false) const;
    // Whether human output may use colour (a TTY and no NO_COLOR).
    bool colour() const;
    // One JSON document on stdout: indented on a terminal, one compact line otherwise
    // (scripts parse it faster, and `jq` re-indents when a person wants to read it).
    void print_json(const nlohmann::json& j) const;
};

}  // namespace tend::cli

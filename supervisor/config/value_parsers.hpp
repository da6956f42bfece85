// Parsers for the enumerated and structured string values of tend.toml.
#pragma once

#include <string>

#include "supervisor/config/config.hpp"
#include "supervisor/util/result.hpp"

namespace tend {

Result<LogLevel> parse_log_level(const std::string& s);
Result<LogTarget> parse_log_target(const std::string& s);
Result<RestartMode> parse_restart_mode(const std::string& s);
Result<OutputMode> parse_output_mode(const std::string& s);
Result<RolloutFailure> parse_rollout_failure(const std::string& s);
// exec | notify | uptime:DURATION | tcp:HOST:PORT | http://HOST:PORT/PATH | command:CMD
Result<ReadySpec> parse_ready(const std::string& s);
// tcp://HOST:PORT or unix:///absolute/path
Result<Unit> validate_socket_spec(const std::string& s);

const char* to_string(RestartMode m);
const char* to_string(OutputMode m);

}  // namespace tend

// Signal names ("TERM", "SIGHUP", "9") to numbers and back, for config and CLI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tend {

// Accepts "TERM", "SIGTERM", "term" or a number in 1..64.
std::optional<int> parse_signal(std::string_view text);
// "TERM" for 15; the decimal number for signals without a name.
std::string signal_name(int sig);

}  // namespace tend

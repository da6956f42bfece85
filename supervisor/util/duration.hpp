// Parsing and printing of the config's duration ("250ms", "1m30s") and size ("10MB") strings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/util/result.hpp"

namespace tend {

using Usec = std::chrono::microseconds;

// Accepts one or more <number><unit> groups: us, ms, s, m, h, d ("1m30s", "250ms", "0").
Result<Usec> parse_duration(std::string_view text);
// Accepts <number>[B|K|KB|KiB|M|MB|MiB|G|GB|GiB]; all multiples are powers of 1024.
Result<std::uint64_t> parse_size(std::string_view text);
// The shortest exact spelling: 1500ms -> "1.5s" is avoided; prints "1500ms", 90s -> "90s".
std::string format_duration(Usec d);

}  // namespace tend

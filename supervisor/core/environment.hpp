// Building a program's environment: later layers override earlier ones (SPEC §5.2).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tend {

// `base` as "KEY=VALUE" entries with every key in `overrides` replaced by its new value, in
// the order given; keys that were not in `base` are appended. No key appears twice, so the
// program's getenv() sees the override whatever its libc does with duplicates.
std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace tend

// The key tables of tend.toml's sections: one row per key, read by parsing (and its unknown-key
// errors, hence `tend check`), by reload classification and by the man page check.
#pragma once

#include <string>
#include <vector>

namespace tend {

// What a key's parse function gets (defined in config_walker.hpp, with the walker).
struct KeyInput;

// A key of a section that parses into T.
template <typename T>
struct KeyRow {
    const char* name;
    // Reads the key's value (present in the file) into `out`; errors go to the walker.
    void (*parse)(const KeyInput& in, T& out);
};

template <typename Rows>
std::vector<std::string> key_names(const Rows& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.emplace_back(r.name);
    return out;
}

struct DaemonConfig;
struct RolloutConfig;
// [daemon] (config_parser.cpp) and [program.NAME.rollout] (program_keys.cpp).
const std::vector<KeyRow<DaemonConfig>>& daemon_keys();
const std::vector<KeyRow<RolloutConfig>>& rollout_keys();

}  // namespace tend

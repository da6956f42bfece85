// Reads tend.toml into a Config, collecting every error as "FILE:LINE:COLUMN: message".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "supervisor/config/config.hpp"

namespace tend {

struct ParseOptions {
    // `user =` needs a root daemon; the parser is told whether that is the case.
    bool running_as_root = false;
    unsigned uid = 0;  // named in the message when `user =` is refused
};

// A top-level table of tend.toml that another layer owns ([queue.*], [cron.*]); defined in
// config_walker.hpp, with the walker its parse function uses.
struct ExtraSection;

// Parses TOML text; `file` names it in messages. Fails with every error found. Top-level tables
// other than [daemon], [program.*] and those of `extra` are unknown keys; each of `extra` is
// parsed, in order, by its own function (also when absent), in the same walk.
struct ConfigParseResult {
    Config config;
    std::vector<std::string> errors;
    bool ok() const { return errors.empty(); }
};
ConfigParseResult parse_config(std::string_view text, const std::string& file,
                               const ParseOptions& options);
ConfigParseResult parse_config(std::string_view text, const std::string& file,
                               const ParseOptions& options, const std::vector<ExtraSection>& extra);

}  // namespace tend

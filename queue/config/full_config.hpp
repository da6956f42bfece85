// The whole of tend.toml: supervision's sections and the queue layer's, parsed in one walk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "queue/config/queue_config.hpp"
#include "supervisor/config/config_parser.hpp"

namespace tend {

// What tendd and `tend check` read. Supervision (programs, reload) sees the Config part.
struct FullConfig : Config, QueueSections {};

struct FullParseResult {
    FullConfig config;
    std::vector<std::string> errors;
    bool ok() const { return errors.empty(); }
};

// parse_config with [queue.*] and [cron.*]: every error of the file, "FILE:LINE:COLUMN: message".
FullParseResult parse_full_config(std::string_view text, const std::string& file,
                                  const ParseOptions& options);

// A reload's plan between two whole configs: diff_configs, then the queue layer's sections.
ConfigDiff diff_full_configs(const FullConfig& before, const FullConfig& after);

}  // namespace tend

// One parse of tend.toml that fills every section (full_config.hpp).
#include "queue/config/full_config.hpp"

#include "supervisor/config/config_walker.hpp"

namespace tend {

FullParseResult parse_full_config(std::string_view text, const std::string& file,
                                  const ParseOptions& options) {
    FullParseResult out;
    ConfigParseResult r = parse_config(text, file, options, queue_sections(out.config));
    static_cast<Config&>(out.config) = std::move(r.config);
    out.errors = std::move(r.errors);
    return out;
}

ConfigDiff diff_full_configs(const FullConfig& before, const FullConfig& after) {
    ConfigDiff d = diff_configs(before, after);
    auto more = diff_queue_sections(before, after);
    d.live.insert(d.live.end(), more.begin(), more.end());
    return d;
}

}  // namespace tend
